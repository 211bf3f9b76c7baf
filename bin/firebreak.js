#!/usr/bin/env node
// The `firebreak` command. The installed package runs the CLI compiled to JavaScript in dist/
// (`npm run build`, which `npm pack` runs through prepack): no TypeScript compiler at run time,
// and tsx is not even installed there.
//
// A development checkout has no dist/ (it is gitignored), so there the CLI runs from source
// through tsx, a devDependency: editing src/ takes effect at once, with no build step. Only
// when dist/ is absent: after `npm run build` in a checkout this runs the compiled CLI, and a
// stale dist/ would hide source edits (delete it, or use `npm run firebreak`, which is tsx).
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/src/cli/main.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  let tsx;
  try {
    tsx = await import('tsx/esm/api');
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND') throw err;
    process.stderr.write('firebreak: neither dist/ (npm run build) nor tsx (npm ci, with dev dependencies) is here to run the CLI\n');
    process.exit(2);
  }
  tsx.register();
  await import('../src/cli/main.ts');
}
