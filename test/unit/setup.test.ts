// scripts/setup.mjs runs before every `npm test`, demo and bench: it must do nothing when all
// is present, and build the Temporal CLI with Go when it is missing. Tool lookup must honour
// TEMPORAL_CLI_PATH. Scratch HOME / PATH / FIREBREAK_TOOLS_FILE keep the checkout untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findTemporalCli, REPO_ROOT } from '../../src/local/tools.js';

const SETUP = join(REPO_ROOT, 'scripts', 'setup.mjs');

function scratch(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-setup-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function executable(path: string, body: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

function runSetup(env: NodeJS.ProcessEnv) {
  const res = spawnSync(process.execPath, [SETUP], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 120_000 });
  return { code: res.status, out: `${res.stdout}${res.stderr}` };
}

const INSTALL_WORK = /npm (ci|install)|apt-get|building the Temporal CLI|go install/;

test('setup is idempotent: a second run does no install work', (t) => {
  const dir = scratch(t);
  const env = { ...process.env, FIREBREAK_TOOLS_FILE: join(dir, 'tools.json') };
  const first = runSetup(env);
  assert.equal(first.code, 0, first.out);
  const second = runSetup(env);
  assert.equal(second.code, 0, second.out);
  assert.match(second.out, /nothing to do/);
  assert.doesNotMatch(second.out, INSTALL_WORK);
  const tools = JSON.parse(readFileSync(join(dir, 'tools.json'), 'utf8')) as Record<string, string>;
  assert.ok(tools.temporal, 'tools.json records the Temporal CLI');
});

test('setup builds the Temporal CLI with go install into the cache, falling back to older versions', (t) => {
  const dir = scratch(t);
  const home = join(dir, 'home');
  const bin = join(dir, 'bin');
  const calls = join(dir, 'go-calls.txt');
  // A stand-in for Go: records its arguments, refuses v1.5.1, "builds" v1.5.0 into $GOBIN.
  executable(
    join(bin, 'go'),
    [
      `echo "$@" >> ${calls}`,
      'case "$2" in *@v1.5.1) echo "go: module has a replace directive" >&2; exit 1;; esac',
      'echo "go: downloading example.com/mod v1.0.0" >&2',
      'printf "#!/bin/sh\\necho temporal version fake\\n" > "$GOBIN/temporal" && /bin/chmod +x "$GOBIN/temporal"',
    ].join('\n'),
  );
  executable(join(bin, 'prometheus'), 'exit 0');
  executable(join(bin, 'postgres'), 'exit 0');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    PATH: bin,
    FIREBREAK_TOOLS_FILE: join(dir, 'tools.json'),
  };
  delete env.TEMPORAL_CLI_PATH;

  const res = runSetup(env);
  assert.equal(res.code, 0, res.out);
  assert.match(res.out, /building the Temporal CLI v1\.5\.1/);
  assert.match(res.out, /building the Temporal CLI v1\.5\.0/);
  assert.deepEqual(readFileSync(calls, 'utf8').trim().split('\n'), [
    'install github.com/temporalio/cli/cmd/temporal@v1.5.1',
    'install github.com/temporalio/cli/cmd/temporal@v1.5.0',
  ]);
  const built = join(home, '.cache', 'firebreak', 'bin', 'temporal');
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'tools.json'), 'utf8')), {
    temporal: built,
    prometheus: join(bin, 'prometheus'),
    postgresBin: bin,
  });

  // Now cached: nothing to build the second time.
  const again = runSetup(env);
  assert.equal(again.code, 0, again.out);
  assert.match(again.out, /nothing to do/);
  assert.doesNotMatch(again.out, INSTALL_WORK);
});

test('setup fails clearly when TEMPORAL_CLI_PATH is not an executable', (t) => {
  const dir = scratch(t);
  const res = runSetup({
    ...process.env,
    TEMPORAL_CLI_PATH: join(dir, 'nope'),
    FIREBREAK_TOOLS_FILE: join(dir, 'tools.json'),
  });
  assert.equal(res.code, 1);
  assert.match(res.out, /TEMPORAL_CLI_PATH=.*nope is not an executable file/);
});

test('findTemporalCli honours TEMPORAL_CLI_PATH, and says how to fix a missing CLI', (t) => {
  const dir = scratch(t);
  const fake = executable(join(dir, 'my-temporal'), 'exit 0');
  const saved = { ...process.env };
  t.after(() => {
    for (const k of ['TEMPORAL_CLI_PATH', 'HOME', 'PATH', 'FIREBREAK_TOOLS_FILE']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  process.env.TEMPORAL_CLI_PATH = fake;
  assert.equal(findTemporalCli(), fake);

  process.env.TEMPORAL_CLI_PATH = join(dir, 'missing');
  assert.throws(() => findTemporalCli(), /TEMPORAL_CLI_PATH=.*missing is not an executable file/);

  delete process.env.TEMPORAL_CLI_PATH;
  process.env.HOME = join(dir, 'home');
  process.env.PATH = join(dir, 'empty');
  process.env.FIREBREAK_TOOLS_FILE = join(dir, 'none.json');
  assert.throws(() => findTemporalCli(), /npm run setup/);
});

/** A stand-in for Go that takes `seconds` to "build" the Temporal CLI, recording each call. */
function slowGo(bin: string, calls: string, seconds: number): void {
  executable(
    join(bin, 'go'),
    [`echo "$@" >> ${calls}`, `/bin/sleep ${seconds}`, 'printf "#!/bin/sh\\necho temporal version fake\\n" > "$GOBIN/temporal" && /bin/chmod +x "$GOBIN/temporal"'].join('\n'),
  );
  executable(join(bin, 'prometheus'), 'exit 0');
  executable(join(bin, 'postgres'), 'exit 0');
}

function runSetupAsync(env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; endedAt: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [SETUP], { cwd: REPO_ROOT, env });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b));
    child.stderr.on('data', (b: Buffer) => (out += b));
    child.on('close', (code) => resolve({ code, out, endedAt: Date.now() }));
  });
}

test('two setups at once build the Temporal CLI once: the second waits for the first and says so', async (t) => {
  const dir = scratch(t);
  const bin = join(dir, 'bin');
  const calls = join(dir, 'go-calls.txt');
  slowGo(bin, calls, 2);
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: join(dir, 'home'), PATH: bin, FIREBREAK_TOOLS_FILE: join(dir, 'tools.json') };
  delete env.TEMPORAL_CLI_PATH;
  const [a, b] = await Promise.all([runSetupAsync(env), runSetupAsync(env)]);
  assert.equal(a.code, 0, a.out);
  assert.equal(b.code, 0, b.out);
  assert.equal(readFileSync(calls, 'utf8').trim().split('\n').length, 1, `go was called once: ${readFileSync(calls, 'utf8')}`);
  const waited = [a, b].filter((r) => /another setup \(pid \d+\) is installing into .*; waiting for it/.test(r.out));
  assert.equal(waited.length, 1, `${a.out}\n---\n${b.out}`);
  assert.match(waited[0].out, /nothing to do/, 'the waiting setup found the program built by the first');
  assert.ok(!existsSync(join(dir, 'home', '.cache', 'firebreak', 'setup.lock')), 'the lock is released');
});

test('a lock left by a setup that died is taken over', (t) => {
  const dir = scratch(t);
  const bin = join(dir, 'bin');
  slowGo(bin, join(dir, 'calls.txt'), 0);
  const lock = join(dir, 'home', '.cache', 'firebreak', 'setup.lock');
  mkdirSync(lock, { recursive: true });
  // A pid that is not running: a finished child's.
  const dead = spawnSync('/bin/true').pid;
  writeFileSync(join(lock, 'pid'), `${dead}\n`);
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: join(dir, 'home'), PATH: bin, FIREBREAK_TOOLS_FILE: join(dir, 'tools.json') };
  delete env.TEMPORAL_CLI_PATH;
  const res = runSetup(env);
  assert.equal(res.code, 0, res.out);
  assert.match(res.out, new RegExp(`taking over the lock of a setup that died \\(pid ${dead}\\)`));
});

test('a build that fails (a full disk) stops setup with one line naming the program and the command to retry', (t) => {
  const dir = scratch(t);
  const bin = join(dir, 'bin');
  executable(join(bin, 'go'), 'echo "go: writing /root/go/pkg/mod/cache: no space left on device" >&2; exit 1');
  executable(join(bin, 'prometheus'), 'exit 0');
  executable(join(bin, 'postgres'), 'exit 0');
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: join(dir, 'home'), PATH: bin, FIREBREAK_TOOLS_FILE: join(dir, 'tools.json') };
  delete env.TEMPORAL_CLI_PATH;
  const res = runSetup(env);
  assert.equal(res.code, 1, res.out);
  const errors = res.out.split('\n').filter((l) => /ERROR/.test(l));
  assert.equal(errors.length, 1, res.out);
  assert.match(errors[0], /^setup: ERROR: could not build the Temporal CLI .*no space left on device.*; retry: node scripts\/setup\.mjs$/);
  assert.doesNotMatch(res.out, /\n\s+at /, 'no stack trace');
});

test('under FIREBREAK_NO_BUILD (the test runner) a missing postgres-stack program is one line, not a build', (t) => {
  const dir = scratch(t);
  const bin = join(dir, 'bin');
  const calls = join(dir, 'go-calls.txt');
  executable(join(bin, 'go'), `echo "$@" >> ${calls}; exit 1`);
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: join(dir, 'home'), PATH: `${bin}:${dirname(process.execPath)}`, FIREBREAK_NO_BUILD: '1' };
  for (const k of ['TEMPORAL_SERVER_PATH', 'TEMPORAL_SQL_TOOL_PATH', 'TEMPORAL_UI_SERVER_PATH']) delete env[k];
  const res = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src', 'local', 'server-tools.ts')], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 60_000 });
  const out = `${res.stdout}${res.stderr}`;
  assert.equal(res.status, 1, out);
  assert.match(out, /setup: ERROR: temporal-server is not built, and builds are off here .*node scripts\/setup\.mjs --postgres-stack/);
  assert.ok(!existsSync(calls), 'go was never called');
});

test('under FIREBREAK_NO_BUILD a missing Kubernetes program is one line naming the build and the setup flag, not a build', (t) => {
  const dir = scratch(t);
  const bin = join(dir, 'bin');
  const calls = join(dir, 'go-calls.txt');
  executable(join(bin, 'go'), `echo "$@" >> ${calls}; exit 1`);
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: join(dir, 'home'), PATH: `${bin}:${dirname(process.execPath)}`, FIREBREAK_NO_BUILD: '1' };
  delete env.FIREBREAK_KUBERNETES_BIN;
  const script = join(REPO_ROOT, 'src', 'local', 'kubernetes', 'programs.ts');
  const check = spawnSync(process.execPath, ['--import', 'tsx', script, '--check'], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 60_000 });
  assert.equal(check.status, 1, 'nothing is built in an empty HOME');
  const res = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: REPO_ROOT, env, encoding: 'utf8', timeout: 60_000 });
  const out = `${res.stdout}${res.stderr}`;
  assert.equal(res.status, 1, out);
  const errors = out.split('\n').filter((l) => /ERROR/.test(l));
  assert.equal(errors.length, 1, out);
  assert.match(errors[0]!, /setup: ERROR: the Kubernetes v[\d.]+ control plane, etcd v[\d.]+ and kubectl is not built, and builds are off here .*node scripts\/setup\.mjs --kubernetes/);
  assert.ok(!existsSync(calls), 'go was never called');
});
