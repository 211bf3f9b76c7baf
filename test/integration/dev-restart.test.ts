// `firebreak dev` stopped and started again on its state, as an operator would do it: the real
// CLI as a child process on free ports (--ports) and a temp state dir (--state-dir), a
// three-region deploy started through the CLI, SIGTERM to the stack mid-soak, the same command
// again. The deploy must finish `succeeded` with each region deployed exactly once (the
// simulator's deployment log, kept across the restart) and every region's version kept.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { connectClient } from '../../src/client/connect.js';
import { freePort, isPortOpen } from '../../src/local/ports.js';
import { REPO_ROOT } from '../../src/local/tools.js';
import { statusQuery, type DeployStatus } from '../../workflows/messages.js';
import { writePipelineFile } from '../../src/local/pipelines.js';
import { prometheusAvailable } from '../helpers/stack.js';

const BIN = join(REPO_ROOT, 'bin', 'firebreak.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Dev {
  child: ChildProcess;
  output: () => string;
  /** Resolves when the stack printed `ready`; rejects if it exits first. */
  ready: Promise<void>;
  exited: Promise<number | null>;
}

/** `firebreak dev` as a child in its own process group (so cleanup can never orphan its children). */
function startDev(t: TestContext, args: string[]): Dev {
  const child = spawn(process.execPath, [BIN, 'dev', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    const poll = setInterval(() => {
      if (/^ready$/m.test(out)) {
        clearInterval(poll);
        resolve();
      }
    }, 50);
    void exited.then((code) => {
      clearInterval(poll);
      reject(new Error(`firebreak dev exited (${code}) before ready:\n${out}`));
    });
  });
  ready.catch(() => {});
  t.after(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  });
  return { child, output: () => out, ready, exited };
}

function cli(address: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: REPO_ROOT, env: { ...process.env, TEMPORAL_ADDRESS: address, FIREBREAK_TASK_QUEUE: 'firebreak', FIREBREAK_USER: 'ci' } },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function status(client: Client, service: string): Promise<DeployStatus> {
  return client.workflow.getHandle(`deploy-${service}`).query(statusQuery);
}

async function waitForStatus(client: Client, service: string, ok: (s: DeployStatus) => boolean, what: string, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  let last: DeployStatus | undefined;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      last = await status(client, service);
      if (ok(last)) return last;
    } catch (err) {
      lastErr = err; // no worker yet right after a restart: the query waits for one
    }
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}; last status ${JSON.stringify(last)}; last error ${String(lastErr)}`);
}

const regionOf = (s: DeployStatus, name: string) => s.stages.flatMap((x) => x.regions).find((r) => r.name === name)!;

for (const persistence of ['sqlite', 'postgres'] as const) {
  test(`firebreak dev --persistence ${persistence} stopped with SIGTERM mid-soak and started again on its state: the deploy carries on and succeeds, each region deployed once`, async (t) => {
    await restartMidSoak(t, persistence);
  });
}

async function restartMidSoak(t: TestContext, persistence: 'sqlite' | 'postgres'): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-dev-restart-'));
  // mkdtemp makes it 0700; as root, PostgreSQL runs as its own user, who must reach the state.
  chmodSync(dir, 0o755);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const stateDir = join(dir, 'state');
  const ports = { temporal: await freePort(), ui: await freePort(), sim: await freePort(), prometheus: await freePort(), metrics: await freePort() };
  const portsArg = Object.entries(ports)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const address = `127.0.0.1:${ports.temporal}`;
  const simUrl = `http://127.0.0.1:${ports.sim}`;
  const args = ['--ports', portsArg, '--state-dir', stateDir, '--persistence', persistence];

  let started = Date.now();
  const first = startDev(t, args);
  await first.ready;
  t.diagnostic(`first start: ready in ${Date.now() - started} ms`);
  assert.match(first.output(), new RegExp(`Temporal\\s+${address}`), 'the chosen ports are used');
  assert.match(first.output(), new RegExp(`simulator\\s+${simUrl}`));

  // What ran before Firebreak: every region on 1.0.0.
  const service = 'restart-shop';
  const regions = ['r-small', 'r-mid', 'r-large'];
  for (const r of regions) {
    const res = await fetch(`${simUrl}/services/${service}/regions/${r}/deployments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ version: '1.0.0', deployId: 'seed' }),
    });
    assert.equal(res.status, 202);
  }
  // A rollout takes the simulator's deploy time: wait until every region runs 1.0.0, so the
  // deploy reads it as the version to roll back to (not "nothing", as it would mid-rollout).
  for (const r of regions) {
    for (let i = 0; ; i++) {
      const now = (await (await fetch(`${simUrl}/services/${service}/regions/${r}`)).json()) as { version?: string; state?: string };
      if (now.version === '1.0.0' && now.state === 'ready') break;
      assert.ok(i < 600, `${r} never became ready on 1.0.0: ${JSON.stringify(now)}`);
      await sleep(100);
    }
  }
  // Soaks long enough to stop the stack inside the second one with room to spare.
  const file = writePipelineFile(dir, {
    service,
    regions: [
      ['r-small', 100],
      ['r-mid', 1000],
      ['r-large', 10000],
    ],
    soak: '12s',
    minSamples: 3,
  });
  const deploy = await cli(address, ['deploy', file, '--version', '2.0.0']);
  assert.equal(deploy.code, 0, deploy.stderr + deploy.stdout);

  let client = await connectClient({ address });
  const mid = await waitForStatus(client, service, (s) => regionOf(s, 'r-mid').state === 'soaking', 'r-mid soaking');
  assert.equal(regionOf(mid, 'r-small').state, 'promoted');
  await client.connection.close();
  // A moment into the soak, so the watch has taken samples that the restart must not lose.
  await sleep(2_000);
  const stoppedAt = Date.now();

  // SIGTERM to the stack's own process only (as a supervisor would send it).
  started = Date.now();
  first.child.kill('SIGTERM');
  assert.equal(await first.exited, 0, `firebreak dev exits 0 on SIGTERM:\n${first.output()}`);
  const stopMs = Date.now() - started;
  t.diagnostic(`SIGTERM to exit: ${stopMs} ms (${/stopped in .*/.exec(first.output())?.[0]})`);
  assert.match(first.output(), /stopping \(SIGTERM\); state is kept/);
  for (const [name, port] of Object.entries(ports)) {
    assert.equal(await isPortOpen(port), false, `${name} port ${port} is closed: every child stopped with the stack`);
  }
  assert.equal(existsSync(join(stateDir, 'sim', 'lock')), false, 'the simulator released its state dir');

  started = Date.now();
  const second = startDev(t, args);
  await second.ready;
  t.diagnostic(`restart on the same state and ports: ready in ${Date.now() - started} ms`);

  // The simulator remembers at once what every region runs.
  const region = async (r: string) => (await fetch(`${simUrl}/services/${service}/regions/${r}`)).json() as Promise<{ version: string; previousVersion: string | null; state: string }>;
  const small = await region('r-small');
  assert.equal(small.version, '2.0.0', 'the promoted region kept its version');
  assert.equal(small.previousVersion, '1.0.0');
  assert.equal((await region('r-large')).version, '1.0.0');

  client = await connectClient({ address });
  t.after(() => client.connection.close());
  const end = await waitForStatus(client, service, (s) => s.phase !== 'running', 'the deploy to end');
  assert.equal(end.phase, 'succeeded', JSON.stringify(end.events, null, 1));
  for (const r of regions) {
    assert.equal(regionOf(end, r).state, 'promoted', r);
    assert.equal(regionOf(end, r).fromVersion, '1.0.0', `${r} was on 1.0.0 before the deploy`);
    const now = await region(r);
    assert.deepEqual([now.version, now.previousVersion, now.state], ['2.0.0', '1.0.0', 'ready'], r);
  }
  // Exactly once per region, across the restart: the log holds the seeds and one deploy each.
  const log = (await (await fetch(`${simUrl}/deployments`)).json()) as { region: string; version: string; deployId: string; at: string }[];
  const deploys = log.filter((e) => e.version === '2.0.0');
  assert.deepEqual(deploys.map((e) => e.region).sort(), [...regions].sort(), JSON.stringify(log));
  assert.equal(log.filter((e) => e.deployId === 'seed').length, 3, 'the seeds survived the restart');
  const midDeploy = deploys.find((e) => e.region === 'r-mid')!;
  assert.ok(Date.parse(midDeploy.at) < stoppedAt, 'r-mid was deployed before the stop and not again after it');
  // The soak of r-mid went on after the restart rather than starting from nothing.
  const midEnd = regionOf(end, 'r-mid');
  assert.ok(Date.parse(midEnd.soakStartedAt!) < stoppedAt, `r-mid's soak kept its start (${midEnd.soakStartedAt}), it did not start over`);
  assert.ok(midEnd.checks.every((c) => c.samples >= 3), JSON.stringify(midEnd.checks));
  for (const e of end.events) t.diagnostic(`event ${JSON.stringify(e)}`);

  if (prometheusAvailable()) {
    // Prometheus came back on its kept TSDB: samples from before the stop are still there.
    const at = (stoppedAt - 1_000) / 1000;
    const q = `http_requests_total{service="${service}",region="r-small",code="200"}`;
    const res = (await (await fetch(`http://127.0.0.1:${ports.prometheus}/api/v1/query?query=${encodeURIComponent(q)}&time=${at}`)).json()) as {
      data: { result: unknown[] };
    };
    assert.equal(res.data.result.length, 1, `Prometheus kept its samples from before the restart: ${JSON.stringify(res)}`);
  }

  started = Date.now();
  second.child.kill('SIGTERM');
  assert.equal(await second.exited, 0, second.output());
  t.diagnostic(`second stop: SIGTERM to exit ${Date.now() - started} ms`);
}

test('firebreak dev refuses bad --ports and an unusable simulator state with one line, starting nothing', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-dev-bad-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [BIN, 'dev', ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env } }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  const fresh = join(dir, 'fresh');
  const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
    [['--ports', 'temporal=abc'], {}, /^firebreak: --ports: "temporal=abc" is not name=port/],
    [['--ports', 'web=8080'], {}, /^firebreak: --ports: unknown name "web" \(known: temporal, ui, sim, prometheus, metrics, records\)/],
    [['--ports', 'sim=70000'], {}, /^firebreak: --ports: sim=70000 is not a port/],
    [['--ports', 'sim=9090'], {}, /^firebreak: --ports: sim and prometheus would both use port 9090/],
    [[], { FIREBREAK_DEV_PORTS: 'ui=x' }, /^firebreak: --ports: "ui=x" is not name=port/],
  ];
  for (const [args, env, want] of cases) {
    const r = await run([...args, '--state-dir', fresh], env);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, want);
    assert.equal(existsSync(fresh), false, 'nothing was created');
  }

  // A truncated simulator state: refused before the Temporal server starts (no temporal.db).
  const stateDir = join(dir, 'state');
  mkdirSync(join(stateDir, 'sim'), { recursive: true });
  writeFileSync(join(stateDir, 'sim', 'state.json'), '{"format":"firebreak-sim/v1","regions":[{"serv');
  const ports = `temporal=${await freePort()},ui=${await freePort()},sim=${await freePort()},prometheus=${await freePort()},metrics=${await freePort()}`;
  const r = await run(['--ports', ports, '--state-dir', stateDir]);
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^firebreak: simulator state file .*state\.json cannot be used \(not valid JSON, truncated or corrupt/);
  assert.deepEqual(readdirSync(stateDir), ['sim'], 'nothing else was started or written');
});
