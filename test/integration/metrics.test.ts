// Firebreak's metrics on the real stack: `firebreak worker --metrics` as a child process, a real
// Prometheus scraping it, a deploy whose smallest region breaches and is rolled back. Prometheus's
// HTTP API must find the rollback, the breach, the hold and the SDK's own metrics; and a metrics
// port that is taken stops the worker with one line instead of running it without metrics.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { runFirebreak } from '../helpers/cli.js';
import { phaseIs, regionState, seedVersion, settle, start, waitFor } from '../helpers/deploys.js';
import { startDeploy } from '../../src/client/start.js';
import { testPlan } from '../../src/local/pipelines.js';
import { freePort } from '../../src/local/ports.js';
import { instantQuery, startPrometheus, waitForFirstScrape, WORKERS_JOB, type PrometheusServer } from '../../src/local/prometheus.js';
import { REPO_ROOT } from '../../src/local/tools.js';
import { abortUpdate } from '../../workflows/messages.js';

let stack: TestStack;
let prom: PrometheusServer;
let worker: CliWorker;
let metricsAddress: string;

interface CliWorker {
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** `firebreak worker --metrics ADDRESS` as an operator runs it (it bundles the workflows itself at start). */
async function startCliWorker(metrics: string, taskQueue = stack.taskQueue): Promise<CliWorker> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'firebreak.js'), 'worker', '--metrics', metrics], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TEMPORAL_ADDRESS: stack.address, FIREBREAK_TASK_QUEUE: taskQueue, FIREBREAK_SIM_URL: stack.sim!.url },
  });
  let out = '';
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.includes('worker ready')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the worker exited (${code}) before it was ready:\n${out}`)));
  });
  return {
    child,
    output: () => out,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

before(async () => {
  stack = await startTestStack({ simulator: true });
  metricsAddress = `127.0.0.1:${await freePort()}`;
  worker = await startCliWorker(metricsAddress);
  prom = await startPrometheus({ targets: [`127.0.0.1:${stack.sim!.port}`], workers: [metricsAddress] });
  await waitForFirstScrape(prom.url, { job: WORKERS_JOB });
});

after(async () => {
  await worker?.stop();
  await prom?.stop();
  await stack?.stop();
});

/** The value of `expr` once Prometheus has scraped it, waiting until `ok` holds. */
async function until(expr: string, ok: (v: number) => boolean, what: string, timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last: number | undefined;
  for (;;) {
    const result = await instantQuery(prom.url, expr);
    last = result.length ? Number(result[0].value[1]) : undefined;
    if (last !== undefined && ok(last)) return last;
    if (Date.now() > deadline) assert.fail(`${what}: ${expr} = ${last ?? 'no sample'} within the wait\n${worker.output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('Prometheus scraping `firebreak worker --metrics` counts a breach, its rollback and the hold; the SDK metrics come from the same endpoint', async () => {
  const service = 'metrics-bad';
  await seedVersion(stack, service, ['small', 'large'], '1.0.0');
  const handle = await start(stack, testPlan({ service, regions: [['small', 2000], ['large', 90000]], soak: '8s', interval: '500ms' }, '1.1.0-bad'));
  const paused = await waitFor(handle, phaseIs('paused'), 'the breach to roll back and pause');
  assert.equal(regionState(paused, 'small'), 'rolled_back');
  const sel = `service="${service}"`;

  assert.equal(await until(`firebreak_region_rollbacks_total{${sel},region="small",outcome="rolled_back"}`, (v) => v >= 1, 'the rollback'), 1);
  assert.equal(await until(`firebreak_region_breaches_total{${sel},region="small"}`, (v) => v >= 1, 'the breach'), 1);
  assert.equal(await until(`firebreak_deploys_started_total{${sel}}`, (v) => v >= 1, 'the start'), 1);
  assert.equal(await until(`firebreak_holds{${sel},kind="failed"}`, (v) => v === 1, 'the failed region held'), 1);
  const since = await until(`firebreak_deploy_paused_since_timestamp_seconds{${sel}}`, (v) => v > 0, 'the pause');
  assert.ok(Math.abs(since - Date.parse(paused.events.at(-1)!.at) / 1000) < 60, `paused since ${since}`);
  assert.equal(await until(`firebreak_pause_timeout_seconds{${sel}}`, (v) => v > 0, 'the pause timeout'), 72 * 3600);
  await until(`sum(firebreak_check_evaluation_seconds_count{${sel},region="small",outcome="ok"})`, (v) => v >= 2, 'the timed check evaluations');
  await until(`firebreak_soak_watchers_active`, (v) => v === 0, 'no soak held once the breach ended it');
  // The Temporal SDK's own metrics, from the same endpoint: its pollers (the "no worker" alert reads them).
  // The labels the FirebreakNoWorkerPolling rule groups by (deploy/prometheus/firebreak-alerts.yml).
  await until(`sum(temporal_num_pollers{job="${WORKERS_JOB}",poller_type="workflow_task",task_queue="${stack.taskQueue}"})`, (v) => v >= 1, 'the SDK poller gauge');

  await handle.executeUpdate(abortUpdate, { args: [{ reason: 'test over', by: 'test' }] });
  assert.equal((await settle(handle)).phase, 'aborted');
  assert.equal(await until(`firebreak_deploys_ended_total{${sel},outcome="aborted"}`, (v) => v >= 1, 'the end'), 1);
  assert.equal(await until(`firebreak_holds{${sel},kind="failed"}`, (v) => v === 0, 'the hold released'), 0);
  assert.equal(await until(`firebreak_hold_duration_seconds_count{${sel},kind="failed"}`, (v) => v >= 1, 'the time held'), 1);
  assert.equal(await until(`firebreak_deploy_paused_since_timestamp_seconds{${sel}}`, (v) => v === 0, 'not paused any more'), 0);

  // Bounded labels: never a version, a deploy id or a workflow id on Firebreak's series.
  const series = await instantQuery(prom.url, `{__name__=~"firebreak_.+",job="${WORKERS_JOB}"}`);
  assert.ok(series.length > 10, `${series.length} Firebreak series`);
  const allowed = new Set(['__name__', 'job', 'instance', 'service', 'region', 'kind', 'outcome', 'le', 'namespace', 'taskQueue', 'workflowType', 'activityType']);
  const docs = readFileSync(join(REPO_ROOT, 'docs', 'metrics.md'), 'utf8');
  for (const s of series) {
    const name = s.metric.__name__.replace(/_(bucket|sum|count)$/, '');
    assert.ok(docs.includes(`| \`${name}\` |`), `${name} is listed in docs/metrics.md`);
    for (const label of Object.keys(s.metric)) assert.ok(allowed.has(label), `label ${label} on ${JSON.stringify(s.metric)}`);
    assert.ok(!Object.values(s.metric).some((v) => v.includes('1.1.0') || v.includes('deploy-')), JSON.stringify(s.metric));
  }
});

test('a metrics port that is already taken: the worker says so in one line and exits 2, never running without metrics', async () => {
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
  const port = (taken.address() as { port: number }).port;
  try {
    const run = await runFirebreak(stack, ['worker', '--metrics', `127.0.0.1:${port}`]);
    assert.equal(run.code, 2, run.stderr);
    assert.doesNotMatch(run.stdout, /worker ready/);
    const lines = run.stderr.trim().split('\n');
    assert.equal(lines.length, 1, run.stderr);
    assert.match(lines[0], new RegExp(`^firebreak: --metrics: 127\\.0\\.0\\.1:${port} is already in use`));
  } finally {
    taken.close();
  }
  for (const bad of ['nonsense', '127.0.0.1', '127.0.0.1:99999', '']) {
    const run = await runFirebreak(stack, ['worker', '--metrics', bad]);
    assert.equal(run.code, 2, `${bad}: ${run.stderr}`);
    assert.match(run.stderr.trim(), /^firebreak: --metrics: ".*" is not HOST:PORT/, bad);
    assert.equal(run.stderr.trim().split('\n').length, 1);
  }
});

test('a worker that takes over a deploy replays it without counting again: its counters hold only what it did', async () => {
  const queue = `${stack.taskQueue}-takeover`;
  const service = 'metrics-takeover';
  await seedVersion(stack, service, ['small', 'large'], '1.0.0');
  const first = await startCliWorker(`127.0.0.1:${await freePort()}`, queue);
  let second: CliWorker | undefined;
  try {
    const plan = testPlan({ service, regions: [['small', 2000], ['large', 90000]], soak: '8s', interval: '500ms' }, '1.1.0-bad');
    const { handle } = await startDeploy(stack.client, { plan, taskQueue: queue, startedBy: 'test' });
    await waitFor(handle, phaseIs('paused'), 'the breach to roll back and pause');
    await first.stop('SIGKILL'); // a crash: the next worker replays the whole history
    const address = `127.0.0.1:${await freePort()}`;
    second = await startCliWorker(address, queue);
    await handle.executeUpdate(abortUpdate, { args: [{ reason: 'test over', by: 'test' }] });
    assert.equal((await settle(handle)).phase, 'aborted');
    const text = await (await fetch(`http://${address}/metrics`)).text();
    const mine = text.split('\n').filter((l) => l.startsWith('firebreak_') && l.includes(`service="${service}"`));
    const value = (name: string) => mine.filter((l) => l.startsWith(`${name}{`)).reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
    assert.equal(value('firebreak_deploys_ended_total'), 1, mine.join('\n'));
    assert.equal(value('firebreak_deploys_started_total'), 0, 'the start was the first worker\'s, not counted again in the replay');
    assert.equal(value('firebreak_region_rollbacks_total'), 0, 'nor the rollback');
    assert.equal(value('firebreak_region_breaches_total'), 0, 'nor the breach');
  } finally {
    await second?.stop();
    await first.stop();
  }
});
