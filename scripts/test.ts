// The test runner: Node's own (`node --test` with tsx), one process per test file so each
// workflow/integration file gets its own dev server, one file at a time by default because the
// machines have 2 cores and each file already runs a Temporal server beside its workers.
//   tsx scripts/test.ts                 every test/**/*.test.ts
//   tsx scripts/test.ts test/unit x.ts  only those dirs/files
// FIREBREAK_TEST_CONCURRENCY=2 runs two files at once.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function collect(path: string): string[] {
  if (statSync(path).isFile()) return [path];
  const out: string[] = [];
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const p = join(path, entry.name);
    if (entry.isDirectory()) out.push(...collect(p));
    else if (/\.test\.[cm]?ts$/.test(entry.name)) out.push(p);
  }
  return out;
}

const args = process.argv.slice(2);
const roots = (args.length ? args : ['test']).map((a) => resolve(a));
for (const r of roots) {
  if (!existsSync(r)) {
    console.error(`test: no such file or directory: ${relative(process.cwd(), r) || r}`);
    process.exit(2);
  }
}
// Node's runner sorts the files by path itself (integration/, unit/, workflows/), whatever order
// they are given in.
const files = [...new Set(roots.flatMap(collect))].sort();
if (files.length === 0) {
  console.error('test: no test files found');
  process.exit(1);
}

const concurrency = Number(process.env.FIREBREAK_TEST_CONCURRENCY ?? 1) || 1;
console.log(`test: ${files.length} file(s), ${concurrency} at a time`);
const res = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    // A hang guard per test and per file, not a speed limit: the short chaos campaign may take
    // 300 s plus its settle grace on a slow machine; every other file has its own deadlines.
    '--test-timeout=1500000',
    ...files.map((f) => relative(ROOT, f)),
  ],
  // Programs are built by setup before this runs; a test that finds one missing fails at once
  // with the command to build it, instead of building inside its own time budget.
  { cwd: ROOT, stdio: 'inherit', env: { ...process.env, FIREBREAK_NO_BUILD: '1' } },
);
if (res.error) throw res.error;
process.exit(res.status ?? 1);
