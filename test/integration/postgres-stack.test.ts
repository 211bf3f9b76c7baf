// `firebreak dev --persistence postgres`, for real: Temporal server 1.29.1 on a private
// PostgreSQL cluster (advanced visibility on PostgreSQL), on free ports with a temp state dir.
// A three-region deploy runs on two separate worker processes; one worker is SIGKILLed and the
// Temporal server process is killed and restarted, both mid-soak. The deploy must succeed
// with each region deployed exactly once, and visibility must find it by its search attributes.
// Then the stack is stopped and started again on the same state: the schema is not set up
// again and the finished deploy is still there. Bad input (a busy port, a half-initialised
// state dir, unknown flags) is refused with one line and changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startLocalStack, type LocalStack } from '../../src/local/stack.js';
import { connectClient } from '../../src/client/connect.js';
import { freePort } from '../../src/local/ports.js';
import { ensureServerTools, findServerTool } from '../../src/local/server-tools.js';
import { TEMPORAL_CONFIG_DIR, TEMPORAL_CONFIG_ENV } from '../../src/local/postgres-server.js';
import { REPO_ROOT } from '../../src/local/tools.js';
import { startDeploy } from '../../src/client/start.js';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-launcher.js';
import { testPlan } from '../../src/local/pipelines.js';
import { regionState, settle, waitFor } from '../helpers/deploys.js';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function scratch(t: { after(fn: () => void): void }, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function firebreak(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(REPO_ROOT, 'bin', 'firebreak.js'), ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function freePorts(): Promise<{ temporal: number; ui: number; sim: number; prometheus: number }> {
  const taken = new Set<number>();
  const next = async () => {
    for (;;) {
      const p = await freePort();
      if (!taken.has(p)) return taken.add(p), p;
    }
  };
  return { temporal: await next(), ui: await next(), sim: await next(), prometheus: await next() };
}

// Built once per machine (minutes the first time, with Go; cached in ~/.cache/firebreak/bin).
test('the postgres stack programs are built or found', { timeout: 30 * 60_000 }, async (t) => {
  const started = Date.now();
  const missing = (['server', 'sqlTool', 'uiServer'] as const).filter((k) => !findServerTool(k));
  const tools = await ensureServerTools((line) => t.diagnostic(line));
  t.diagnostic(`tools ready in ${Date.now() - started} ms${missing.length ? ` (built: ${missing.join(', ')})` : ' (cached)'}`);
  assert.ok(tools.server && tools.sqlTool && tools.schemaDir);
  assert.ok(tools.uiServer, 'the ui-server was built (else the stack runs headless)');
});

test("the server config renders for docker-compose's environment too", () => {
  const res = spawnSync(findServerTool('server')!, ['--root', '/', '--config', TEMPORAL_CONFIG_DIR, '--env', TEMPORAL_CONFIG_ENV, 'render-config'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, POSTGRES_SEEDS: 'postgresql', DB_PORT: '5432', BIND_ON_IP: '0.0.0.0', TEMPORAL_BROADCAST_ADDRESS: '172.18.0.5' },
  });
  assert.equal(res.status, 0, res.stderr);
  const cfg = parse(res.stdout) as { services: Record<string, { rpc: Record<string, unknown> }> };
  const text = res.stdout;
  assert.match(text, /connectAddr: postgresql:5432/);
  assert.match(text, /pluginName: postgres12/);
  assert.match(text, /visibilityStore: postgres-visibility/);
  assert.match(text, /broadcastAddress: 172\.18\.0\.5/);
  assert.match(text, /bindOnIP: 0\.0\.0\.0/);
  assert.ok(cfg.services.frontend && cfg.services.history && cfg.services.matching && cfg.services.worker, 'all four services configured');
});

test('bad input: unknown persistence and bad worker counts are refused by the CLI with one line', async () => {
  for (const [args, want] of [
    [['--persistence', 'foo'], /--persistence: "foo" is not one of sqlite, postgres/],
    [['--workers', '-1'], /--workers: "-1" is not a whole number/],
    [['--workers', 'abc'], /--workers: "abc" is not a whole number/],
  ] as const) {
    const res = await firebreak(['dev', ...args]);
    assert.equal(res.code, 2, `${args.join(' ')}: ${res.stdout}${res.stderr}`);
    assert.match(res.stderr, want);
    assert.equal(res.stderr.trim().split('\n').length, 1, `one line: ${res.stderr}`);
    assert.equal(res.stdout, '', 'nothing was started');
  }
});

test('bad input: a busy port and a half-initialised state dir are refused with one line, changing nothing', async (t) => {
  const dir = scratch(t, 'firebreak-pg-input-');
  const oneLine = (err: unknown) => {
    assert.doesNotMatch((err as Error).message, /\n/, 'one line');
    return true;
  };

  // A busy Temporal port: named, and nothing is created or started.
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  t.after(() => busy.close());
  const busyPort = (busy.address() as { port: number }).port;
  const state = join(dir, 'busy');
  await assert.rejects(
    startLocalStack({ persistence: 'postgres', stateDir: state, ports: { ...(await freePorts()), temporal: busyPort } }),
    (err: Error) => oneLine(err) && new RegExp(`port ${busyPort} \\(temporal\\) on 127\\.0\\.0\\.1 is already in use; nothing was started`).test(err.message),
  );
  assert.equal(existsSync(join(state, 'postgres')), false, 'no PostgreSQL cluster was created');

  // A cluster without the schema marker (a first start killed during setup): refused as is.
  const half = join(dir, 'half');
  mkdirSync(join(half, 'postgres', 'data', 'global'), { recursive: true });
  writeFileSync(join(half, 'postgres', 'data', 'PG_VERSION'), '15\n');
  writeFileSync(join(half, 'postgres', 'data', 'global', 'pg_control'), '');
  const before = readdirSync(join(half, 'postgres'), { recursive: true }).sort();
  await assert.rejects(
    startLocalStack({ persistence: 'postgres', stateDir: half, ports: await freePorts() }),
    (err: Error) => oneLine(err) && /half-initialised: .*the Temporal schema setup never finished.*nothing was changed/.test(err.message),
  );
  assert.deepEqual(readdirSync(join(half, 'postgres'), { recursive: true }).sort(), before, 'the state dir is untouched');
  // Nothing of the Temporal side was started either: no server log.
  assert.equal(existsSync(join(half, 'temporal-server.log')), false);

  // As root, PostgreSQL runs as its own user: a state dir below a directory closed to others
  // (here the 0700 mkdtemp dir) is refused naming that directory, not a cryptic initdb error.
  if (process.getuid?.() === 0) {
    const closed = join(dir, 'nested', 'state');
    await assert.rejects(
      startLocalStack({ persistence: 'postgres', stateDir: closed, ports: await freePorts() }),
      (err: Error) => oneLine(err) && new RegExp(`cannot reach .*: ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is closed to other users \\(mode 0700\\); run chmod o\\+x`).test(err.message),
    );
    assert.equal(existsSync(join(closed, 'postgres', 'data')), false, 'no PostgreSQL cluster was created');
  }
});

test('a deploy on the postgres stack survives a worker SIGKILL and a server restart mid-soak; visibility finds it; a second start reuses the state', { timeout: 10 * 60_000 }, async (t) => {
  const stateDir = scratch(t, 'firebreak-pg-stack-');
  const ports = await freePorts();
  const t0 = Date.now();
  let stack: LocalStack | undefined = await startLocalStack({ persistence: 'postgres', workers: 0, stateDir, ports, deploySeconds: 0.5 });
  t.after(async () => stack?.stop());
  const first = stack.postgres!;
  t.diagnostic(`first start (fresh state): ${Date.now() - t0} ms; ${JSON.stringify(first.timings)}`);
  t.diagnostic(`schema setup ${first.timings.schemaMs} ms; server start ${first.timings.serverMs} ms; namespace + search attributes ${first.timings.namespaceMs} ms`);
  assert.ok(first.timings.schemaMs > 0, 'a fresh state dir gets the schema');
  assert.ok(stack.uiUrl, 'the Web UI runs');
  assert.equal((await fetch(stack.uiUrl!)).status, 200, 'the Web UI answers');
  assert.ok(existsSync(join(stateDir, 'postgres', 'data', 'PG_VERSION')) && existsSync(join(stateDir, 'temporal-server.log')));

  const workerOpts = { address: stack.temporalAddress, taskQueue: stack.taskQueue, env: { FIREBREAK_SIM_URL: stack.simUrl, ...(stack.prometheusUrl ? { PROMETHEUS_URL: stack.prometheusUrl } : {}) } };
  const tw = Date.now();
  const workers: WorkerProcess[] = await Promise.all([startWorkerProcess(workerOpts), startWorkerProcess(workerOpts)]);
  t.diagnostic(`2 worker processes ready in ${Date.now() - tw} ms`);
  t.after(async () => {
    for (const w of workers) {
      w.kill('SIGKILL');
      await w.exited;
    }
  });

  const client = await connectClient({ address: stack.temporalAddress });
  t.after(() => client.connection.close());
  const service = 'pgstack';
  const plan = testPlan({ service, regions: [['small', 100, '12s'], ['medium', 5_000, '4s'], ['large', 90_000, '3s']], interval: '1s', minSamples: 3 }, '2.0.0');
  const { handle } = await startDeploy(client, { plan, taskQueue: stack.taskQueue, startedBy: 'test' });
  const deployStarted = Date.now();

  await waitFor(handle, (s) => regionState(s, 'small') === 'soaking', 'small to soak', 60_000);
  await sleep(2_000);
  // A worker dies mid-soak: the other one (and a replacement) carry on.
  workers[0].kill('SIGKILL');
  assert.equal((await workers[0].exited).signal, 'SIGKILL');
  workers.push(await startWorkerProcess(workerOpts));
  await sleep(1_000);
  // The Temporal server process dies mid-soak and comes back on the same PostgreSQL state.
  const killedPid = first.serverProcess().pid;
  const restartMs = await first.restartServer('SIGKILL');
  assert.notEqual(first.serverProcess().pid, killedPid, 'a new server process');
  t.diagnostic(`Temporal server killed and restarted (ready again) in ${restartMs} ms`);

  const done = await settle(handle, 240_000);
  t.diagnostic(`deploy finished in ${Date.now() - deployStarted} ms`);
  assert.equal(done.phase, 'succeeded', JSON.stringify(done.events, null, 1));

  const deployments = (await (await fetch(`${stack.simUrl}/deployments`)).json()) as { service: string; region: string; version: string }[];
  assert.deepEqual(
    deployments.filter((d) => d.service === service && d.version === '2.0.0').map((d) => d.region),
    ['small', 'medium', 'large'],
    'each region deployed exactly once, smallest first',
  );

  // Advanced visibility on PostgreSQL: the search attributes are registered and queryable.
  const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace: 'default' });
  for (const key of SEARCH_ATTRIBUTES) assert.equal(customAttributes?.[key.name], 2, `${key.name} is a Keyword search attribute`);
  const listed = async (query: string) => {
    const ids: string[] = [];
    for await (const wf of client.workflow.list({ query })) ids.push(wf.workflowId);
    return ids;
  };
  const deadline = Date.now() + 15_000;
  let found: string[] = [];
  while (Date.now() < deadline) {
    found = await listed(`FirebreakService="${service}" AND FirebreakPhase="succeeded"`);
    if (found.length) break;
    await sleep(250);
  }
  assert.deepEqual(found, [handle.workflowId], 'visibility finds the deploy by service and phase');
  assert.deepEqual(await listed('FirebreakService="no-such-service"'), [], 'and not by another service');

  // Stop and start again on the same state: no schema setup, the deploy is still there.
  // SIGKILL: a worker's graceful shutdown is not what this test is about, and takes ~13 s here.
  for (const w of workers) {
    w.kill('SIGKILL');
    await w.exited;
  }
  await client.connection.close();
  const tstop = Date.now();
  await stack.stop();
  stack = undefined;
  t.diagnostic(`stack stopped in ${Date.now() - tstop} ms`);
  const t1 = Date.now();
  stack = await startLocalStack({ persistence: 'postgres', workers: 2, stateDir, ports: await freePorts() });
  t.diagnostic(`second start (same state): ${Date.now() - t1} ms; ${JSON.stringify(stack.postgres!.timings)}`);
  assert.equal(stack.postgres!.timings.schemaMs, 0, 'the schema is not set up again');
  assert.equal(stack.postgres!.timings.initdbMs, 0, 'the cluster is not created again');
  assert.equal(stack.workers, 2, 'two workers inside the stack (--workers 2)');
  const again = await connectClient({ address: stack.temporalAddress });
  try {
    const desc = await again.workflow.getHandle(handle.workflowId).describe();
    assert.equal(desc.status.name, 'COMPLETED', 'the finished deploy is still in the persisted history');
  } finally {
    await again.connection.close();
  }
});
