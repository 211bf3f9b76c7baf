// One table of exit codes: src/cli/fail.ts is the source; `firebreak deploy --help`
// prints it, and the README's "Exit codes" table says the same, code for code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/local/tools.js';
import { EXIT, EXIT_MEANINGS } from '../../src/cli/fail.js';

test('every exit code has one meaning, and each EXIT value is in the table', () => {
  const codes = EXIT_MEANINGS.map(([code]) => code);
  assert.equal(new Set(codes).size, codes.length);
  for (const code of Object.values(EXIT)) assert.ok(codes.includes(code), `exit ${code} is documented`);
});

test("the README's Exit codes table is the one in src/cli/fail.ts", () => {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const section = readme.split('### Exit codes')[1]?.split('\n\n').find((block) => block.startsWith('| code'));
  assert.ok(section, 'README has an Exit codes table');
  const rows = section.split('\n').slice(2).map((line) => line.split('|').map((c) => c.trim()).filter(Boolean));
  assert.deepEqual(
    rows.map(([code, meaning]) => [Number(code), meaning.replace(/`/g, '')]),
    EXIT_MEANINGS,
  );
});

test('firebreak deploy --help prints the table', () => {
  const help = execFileSync(process.execPath, [join(REPO_ROOT, 'bin', 'firebreak.js'), 'deploy', '--help'], { encoding: 'utf8' });
  assert.match(help, /--wait-timeout <duration>/);
  for (const [code, meaning] of EXIT_MEANINGS) assert.ok(help.includes(`${String(code).padStart(3)}  ${meaning}`), `help names exit ${code}`);
});

test('--wait-timeout: needs --wait and a duration, refused in one line before anything starts', () => {
  const bin = join(REPO_ROOT, 'bin', 'firebreak.js');
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [bin, 'deploy', 'examples/demo-shop.yaml', '--version', '2.0.0', ...args], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      // Nothing listens here: a start would fail differently, so these prove nothing was tried.
      env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:9' },
    });
  const alone = run('--wait-timeout', '90m');
  assert.equal(alone.status, 2);
  assert.equal(alone.stderr, 'firebreak: --wait-timeout needs --wait; nothing was started\n');
  const bad = run('--wait', '--wait-timeout', 'soon');
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr, 'firebreak: --wait-timeout "soon" is not a duration like 90m; nothing was started\n');
});
