// `firebreak plan FILE`: the documented sequence, the earliest finish, the lint findings.
import { loadSqlParser } from '../migrations/steps.js';
import { runPlanCommand } from '../pipeline/render-plan.js';
import { ciHost, lintReport } from './ci/host.js';

export async function planCommand(file: string, opts: { version?: string; json?: boolean; strict?: boolean }): Promise<void> {
  // The lint reads migration SQL with PostgreSQL's parser (WebAssembly): loaded here, when a
  // command lints, not when a module is imported.
  await loadSqlParser();
  const out = runPlanCommand(file, { version: opts.version ?? '<version>', json: opts.json, strict: opts.strict });
  if (out.stdout) process.stdout.write(out.stdout.endsWith('\n') ? out.stdout : `${out.stdout}\n`);
  if (out.stderr) process.stderr.write(out.stderr.endsWith('\n') ? out.stderr : `${out.stderr}\n`);
  // Under GitHub Actions each problem and finding becomes an annotation on its file and line.
  const annotations = opts.json ? process.stderr : process.stdout; // --json: stdout stays one document
  for (const line of lintReport(ciHost(), out.file ?? file, out)) annotations.write(`${line}\n`);
  process.exitCode = out.exitCode;
}
