// `npm run chaos [-- --long] [--persistence sqlite|postgres] [--json FILE] [--keep-state]`: the
// fault campaign. It is a test harness (npm test runs it from test/integration/chaos.test.ts), so
// it lives in test/chaos/; scripts/ never imports test/, so this entry point runs it as a child
// process with the same arguments, passes on Ctrl-C and TERM, and exits with its code.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../test/chaos/main.ts', import.meta.url));
const child = spawn(process.execPath, ['--import', 'tsx', main, ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
