// `npm run bench`: speed and memory, measured (never asserted in tests).
//   1. pipeline: load + validate + plan + lint of a 50-region pipeline (the schema's maximum)
//   2. deploys: N concurrent deploys of R regions each on the real dev server + simulator,
//      one worker: wall time, per-region overhead beyond the soak, history events per
//      region-stage, worker heap and RSS.
// Results print as a Markdown table; docs/benchmarks.md records a run.
import { performance } from 'node:perf_hooks';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { parsePipeline } from '../src/pipeline/load.js';
import { plan } from '../src/pipeline/plan.js';
import { lint } from '../src/pipeline/lint.js';
import { startDevServer } from '../src/temporal/server.js';
import { connectClient, connectWorkerConnection } from '../src/temporal/connect.js';
import { startSimulator } from '../src/sim/server.js';
import { startDeploy } from '../src/deploy/start.js';
import { createActivities } from '../activities/index.js';
import { WORKFLOWS_PATH } from '../src/worker/run.js';
import { pipelineYaml } from '../test/helpers/pipelines.js';
import type { DeployStatus } from '../workflows/messages.js';

const DEPLOYS = Number(process.env.BENCH_DEPLOYS ?? 20);
const REGIONS = Number(process.env.BENCH_REGIONS ?? 5);
const SOAK_S = Number(process.env.BENCH_SOAK_S ?? 2);

Runtime.install({ logger: new DefaultLogger('WARN') });
const rows: [string, string][] = [];
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MiB`;

// --- 1. pipeline ---
{
  const regions: [string, number][] = Array.from({ length: 50 }, (_, i) => [`region-${String(i).padStart(2, '0')}`, 1000 + ((i * 7919) % 50000)]);
  const yaml = pipelineYaml({ service: 'bench', regions, soak: '45m' });
  const N = 200;
  for (let i = 0; i < 20; i++) lint(parsePipeline(yaml, 'bench.yaml'));
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const loaded = parsePipeline(yaml, 'bench.yaml');
    plan(loaded.pipeline, '1.0.0');
    lint(loaded);
  }
  rows.push(['load + validate + plan + lint, 50 regions', `${((performance.now() - t0) / N).toFixed(2)} ms`]);
}

// --- 2. deploys on the real dev server ---
const server = await startDevServer({ headless: true });
const sim = await startSimulator({ port: 0, deploySeconds: 0.2 });
try {
  const client = await connectClient({ address: server.address });
  const { connection } = await connectWorkerConnection({ address: server.address });
  const taskQueue = 'bench';
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowsPath: WORKFLOWS_PATH,
    activities: createActivities({ env: { ...process.env, FIREBREAK_SIM_URL: sim.url } }),
    maxConcurrentActivityTaskExecutions: 500,
  });
  const heapBefore = process.memoryUsage();
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
  const t0 = performance.now();
  const results = await worker.runUntil(async () => {
    const handles = await Promise.all(
      Array.from({ length: DEPLOYS }, async (_, d) => {
        const regions: [string, number][] = Array.from({ length: REGIONS }, (_, i) => [`r${i}`, (i + 1) * 1000]);
        const p = plan(parsePipeline(pipelineYaml({ service: `bench-${d}`, regions, soak: `${SOAK_S}s`, interval: '500ms', minSamples: 2 })).pipeline, '2.0.0');
        return (await startDeploy(client, { plan: p, taskQueue, previous: '1.0.0' })).handle;
      }),
    );
    return Promise.all(
      handles.map(async (h) => ({ status: (await h.result()) as DeployStatus, events: (await h.fetchHistory()).events?.length ?? 0 })),
    );
  });
  clearInterval(sampler);
  const wall = (performance.now() - t0) / 1000;
  const ok = results.filter((r) => r.status.phase === 'succeeded').length;
  const eventsPerRegion = results.map((r) => r.events / REGIONS);
  const perRegionOverhead = wall / REGIONS - SOAK_S;
  rows.push([`deploys succeeded`, `${ok}/${DEPLOYS} (${REGIONS} regions each, ${SOAK_S}s soak)`]);
  rows.push(['wall time, all deploys concurrently', `${wall.toFixed(1)} s`]);
  rows.push(['overhead per region-stage beyond the soak', `${perRegionOverhead.toFixed(2)} s (deploy 0.2 s + first check + task round trips)`]);
  rows.push(['history events per region-stage', `${Math.min(...eventsPerRegion).toFixed(1)}–${Math.max(...eventsPerRegion).toFixed(1)}`]);
  rows.push(['worker process RSS peak', `${mb(peakRss)} (before: ${mb(heapBefore.rss)})`]);
  rows.push(['worker process heap after', mb(process.memoryUsage().heapUsed)]);
  await connection.close();
} finally {
  await sim.close();
  await server.stop();
}

console.log(`\n| measure | result |\n| --- | --- |\n${rows.map(([k, v]) => `| ${k} | ${v} |`).join('\n')}`);
console.log(`\nnode ${process.version}, ${(await import('node:os')).cpus().length} cores, ${new Date().toISOString()}`);
process.exit(0);
