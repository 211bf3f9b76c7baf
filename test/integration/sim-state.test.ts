// The simulator's state dir (`firebreak sim --state-dir`, `firebreak dev`'s .firebreak/sim):
// stopped and started again over real HTTP, it keeps every region's version and previous
// version, its faults, its deployment log and its idempotency keys; a rollout in flight at
// the stop completes at its original time; an unusable state file is refused with one line.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../src/local/sim/server.js';
import { freePort } from '../../src/local/ports.js';
import { REPO_ROOT } from '../../src/local/tools.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function stateDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-sim-state-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

function client(url: string) {
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(url + path, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text) as Json };
  };
  const deploy = (service: string, region: string, version: string, deployId: string, headers: Record<string, string> = {}) =>
    call('POST', `/services/${service}/regions/${region}/deployments`, { version, deployId }, headers);
  const region = async (service: string, region: string) => (await call('GET', `/services/${service}/regions/${region}`)).body;
  const until = async (service: string, r: string, ok: (v: Json) => boolean, what: string, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await region(service, r);
      if (ok(v)) return v;
      if (Date.now() > deadline) assert.fail(`${service}/${r} never reached ${what}: ${JSON.stringify(v)}`);
      await sleep(25);
    }
  };
  const counter = async (region: string, code: string) => {
    const text = (await call('GET', '/metrics')).body as string;
    const line = text.split('\n').find((l) => l.startsWith(`http_requests_total{service="shop",region="${region}",code="${code}"}`));
    return Number(line?.split(' ')[1]);
  };
  return { call, deploy, region, until, counter };
}

test('a restarted simulator keeps versions, previous versions, faults, the deployment log and idempotency; a rollout in flight completes', async (t) => {
  const dir = stateDir(t);
  let sim: Simulator | undefined = await startSimulator({ port: 0, deploySeconds: 0.2, stateDir: dir });
  t.after(() => sim?.close());
  let s = client(sim.url);

  // r1 goes 1.0.0 -> 1.1.0 (so it has a previous version); r2 is on a -bad version with a fault.
  await s.deploy('shop', 'r1', '1.0.0', 'd1');
  await s.until('shop', 'r1', (v) => v.state === 'ready', 'ready on 1.0.0');
  const key = { 'Idempotency-Key': 'deploy-shop/run-1/r1/1.1.0/deploy' };
  await s.deploy('shop', 'r1', '1.1.0', 'd2', key);
  await s.until('shop', 'r1', (v) => v.state === 'ready' && v.version === '1.1.0', 'ready on 1.1.0');
  await s.deploy('shop', 'r2', '2.0.0-bad', 'd2');
  await s.until('shop', 'r2', (v) => v.state === 'ready', 'ready on 2.0.0-bad');
  assert.equal((await s.call('POST', '/faults', { service: 'shop', region: 'r1', latencyMs: 500 })).status, 201);
  assert.equal((await s.call('POST', '/faults', { region: 'r3', deploy: 'hang' })).status, 201);
  assert.equal((await s.call('DELETE', '/faults/f2')).status, 200);
  const hangFault = (await s.call('POST', '/faults', { region: 'r4', deploy: 'hang' })).body;
  assert.equal(hangFault.id, 'f3');
  // r4 hangs for good; r3's rollout is in flight when the simulator stops.
  await s.deploy('shop', 'r4', '1.0.0', 'd3');
  await s.deploy('shop', 'r3', '3.0.0', 'd3');
  const r3Rolling = await s.region('shop', 'r3');
  assert.equal(r3Rolling.state, 'rolling');

  const before = {
    r1: await s.region('shop', 'r1'),
    r2: await s.region('shop', 'r2'),
    faults: (await s.call('GET', '/faults')).body,
    log: (await s.call('GET', '/deployments')).body,
    served: await s.counter('r2', '500'),
  };
  assert.equal(before.log.length, 5);
  await sim.close();
  sim = undefined;
  assert.equal(existsSync(join(dir, 'state.json')), true, 'state.json is written');
  assert.equal(existsSync(join(dir, 'lock')), false, 'the lock is released on close');

  // A much longer deploySeconds on restart: a rollout whose completion time were recomputed
  // from the restart would take 60 s; one kept as an absolute time completes at once.
  const restartedAt = Date.now();
  sim = await startSimulator({ port: 0, deploySeconds: 60, stateDir: dir });
  t.diagnostic(`simulator restarted on its state in ${Date.now() - restartedAt} ms`);
  s = client(sim.url);

  const r1 = await s.region('shop', 'r1');
  assert.equal(r1.version, '1.1.0');
  assert.equal(r1.previousVersion, '1.0.0');
  assert.equal(r1.state, 'ready');
  assert.equal(r1.latencyMs, before.r1.latencyMs, 'the latency fault still applies');
  assert.ok(r1.latencyMs >= 500);
  const r2 = await s.region('shop', 'r2');
  assert.equal(r2.version, '2.0.0-bad');
  assert.equal(r2.errorRate, 0.25);
  assert.deepEqual((await s.call('GET', '/faults')).body, before.faults);
  assert.deepEqual((await s.call('GET', '/deployments')).body, before.log);
  assert.ok((await s.counter('r2', '500')) >= before.served, 'counters carry on, never reset');

  const r3 = await s.until('shop', 'r3', (v) => v.state === 'ready', 'ready on 3.0.0 (the rollout in flight at the stop)');
  assert.equal(r3.version, '3.0.0');
  assert.equal(r3.previousVersion, null);
  const r4 = await s.region('shop', 'r4');
  assert.equal(r4.state, 'rolling', 'a hanging rollout still hangs');
  assert.equal(r4.targetVersion, '1.0.0');

  // Idempotency survives: the same calls again are duplicates, and nothing is logged twice.
  assert.deepEqual((await s.deploy('shop', 'r1', '1.1.0', 'd2', key)).body, { accepted: true, duplicate: true });
  assert.deepEqual((await s.deploy('shop', 'r3', '3.0.0', 'd3')).body, { accepted: true, duplicate: true });
  assert.equal((await s.deploy('shop', 'r1', '9.9.9', 'd9', key)).status, 422, 'a reused key is still a conflict');
  assert.equal((await s.call('GET', '/deployments')).body.length, 5);
  // New faults continue the id sequence rather than reusing a cleared one.
  assert.equal((await s.call('POST', '/faults', { region: 'r9', errorRate: 0.5 })).body.id, 'f4');
  // A new deploy after the restart uses the new deploySeconds.
  await s.deploy('shop', 'r1', '1.2.0', 'd4');
  assert.equal((await s.region('shop', 'r1')).state, 'rolling');
  await sim.close();
  sim = undefined;

  // And once more: what changed after the first restart was saved too.
  sim = await startSimulator({ port: 0, deploySeconds: 0.2, stateDir: dir });
  s = client(sim.url);
  assert.equal((await s.call('GET', '/deployments')).body.length, 6);
  assert.equal((await s.call('GET', '/faults')).body.length, 3);
  const r1Again = await s.region('shop', 'r1');
  assert.equal(r1Again.state, 'rolling');
  assert.equal(r1Again.version, '1.1.0');
  assert.equal(r1Again.targetVersion, '1.2.0');
  await sim.close();
  sim = undefined;
});

test('an unusable state file is refused with one line naming it and how to reset; nothing is changed', async (t) => {
  const dir = stateDir(t);
  const file = join(dir, 'state.json');
  const sim = await startSimulator({ port: 0, deploySeconds: 0.1, stateDir: dir });
  const s = client(sim.url);
  await s.deploy('shop', 'r1', '1.0.0', 'd1');
  await sim.close();
  const good = readFileSync(file, 'utf8');

  const cases: [string, string, RegExp][] = [
    ['partial write', good.slice(0, Math.floor(good.length / 2)), /not valid JSON, truncated or corrupt/],
    ['empty', '', /it is empty/],
    ['wrong shape', good.replace('"version": "1.0.0"', '"version": 5'), /not a firebreak-sim\/v1 snapshot: regions\[0\]\.rollout\.version|regions\[0\]\.version/],
    ['other format', JSON.stringify({ format: 'something-else' }), /not a firebreak-sim\/v1 snapshot: format/],
  ];
  for (const [what, content, why] of cases) {
    writeFileSync(file, content);
    const err = await startSimulator({ port: 0, stateDir: dir }).then(
      async (started) => {
        await started.close();
        assert.fail(`${what}: the simulator started on an unusable state file`);
      },
      (e: Error) => e,
    );
    assert.equal(err.name, 'SimStateError', what);
    assert.ok(!err.message.includes('\n'), `${what}: one line`);
    assert.ok(err.message.startsWith(`simulator state file ${file} cannot be used (`), `${what}: names the file: ${err.message}`);
    assert.match(err.message, why, what);
    assert.match(err.message, /nothing was started/);
    assert.ok(err.message.includes(`mv ${file} ${file}.bad`), `${what}: says how to reset`);
    assert.equal(readFileSync(file, 'utf8'), content, `${what}: the file is left as it was`);
    assert.equal(existsSync(join(dir, 'lock')), false, `${what}: no lock left behind`);
  }

  // Through the CLI: exit 2 and exactly one line on stderr.
  writeFileSync(file, good.slice(0, 40));
  const cli = await runSim(['--state-dir', dir, '--port', '0']);
  assert.equal(cli.code, 2, cli.stderr);
  assert.equal(cli.stdout, '');
  const lines = cli.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, cli.stderr);
  assert.match(lines[0], new RegExp(`^firebreak: simulator state file ${escape(file)} cannot be used \\(not valid JSON`));
  assert.equal(readFileSync(file, 'utf8'), good.slice(0, 40));
});

test('a simulator killed with SIGKILL keeps what it acknowledged; the next start takes over its stale lock; a live one is not shared', async (t) => {
  const dir = stateDir(t);
  const port = await freePort();
  const first = startSimChild(['--state-dir', dir, '--port', String(port), '--deploy-seconds', '0.1']);
  t.after(() => first.child.kill('SIGKILL'));
  await first.ready;
  const s = client(`http://127.0.0.1:${port}`);
  await s.deploy('shop', 'r1', '1.0.0', 'd1');
  await s.until('shop', 'r1', (v) => v.state === 'ready', 'ready');
  await s.deploy('shop', 'r1', '1.1.0', 'd2');
  await s.call('POST', '/faults', { region: 'r1', errorRate: 0.3 });

  // A second simulator on the same state dir is refused while the first lives.
  const busy = await startSimulator({ port: 0, stateDir: dir }).then(
    async (started) => {
      await started.close();
      assert.fail('two simulators shared a state dir');
    },
    (e: Error) => e,
  );
  assert.match(busy.message, new RegExp(`state dir ${escape(dir)} is in use by process ${first.child.pid} \\(lock file`));

  first.child.kill('SIGKILL');
  await first.exited;
  assert.equal(existsSync(join(dir, 'lock')), true, 'SIGKILL leaves the lock behind');

  const second = startSimChild(['--state-dir', dir, '--port', String(port), '--deploy-seconds', '0.1']);
  t.after(() => second.child.kill('SIGKILL'));
  await second.ready;
  const r1 = await s.until('shop', 'r1', (v) => v.state === 'ready' && v.version === '1.1.0', 'ready on 1.1.0');
  assert.equal(r1.previousVersion, '1.0.0');
  assert.equal(r1.errorRate, 0.3, 'the fault set before the kill applies');
  assert.equal((await s.call('GET', '/deployments')).body.length, 2);

  second.child.kill('SIGTERM');
  const code = await second.exited;
  assert.equal(code, 0, 'SIGTERM stops the simulator cleanly');
  assert.equal(existsSync(join(dir, 'lock')), false, 'and releases its lock');
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const BIN = join(REPO_ROOT, 'bin', 'firebreak.js');

function runSim(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'sim', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

function startSimChild(args: string[]) {
  const child = spawn(process.execPath, [BIN, 'sim', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('simulator listening on')) resolve();
    });
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    void exited.then((code) => reject(new Error(`firebreak sim exited (${code}) before it listened: ${out}`)));
  });
  return { child, ready, exited };
}
