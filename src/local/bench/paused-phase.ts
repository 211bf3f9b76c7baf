// The bench's paused phase (docs/benchmarks.md): N deploys paused for a person at once, on one
// worker process whose workflow cache holds fewer than N. A paused deploy waits on a condition,
// with no timer and no activity; once evicted from the cache it costs the worker nothing, and
// a status query replays it from its history. Measured: the worker's RSS idle and with the N
// paused, and the time to answer a status query on an evicted deploy and on a cached one.
import type { Client } from '@temporalio/client';
import { parsePipeline } from '../../domain/pipeline/load.js';
import { plan } from '../../domain/pipeline/plan.js';
import { startDeploy } from '../../client/start.js';
import type { DeployHandle } from '../../client/workflow.js';
import { pipelineYaml } from '../pipelines.js';
import { statusQuery } from '../../../workflows/messages.js';
import { percentile } from './hops.js';
import { pool, sleep, startWorker } from './soak-phase.js';

export interface PausedPhase {
  deploys: number;
  paused: number;
  maxCachedWorkflows: number;
  /** After a full GC: idle before the deploys, and with them all paused. */
  rssIdleMiB: number;
  rssPausedMiB: number;
  rssPeakMiB: number;
  heapIdleMiB: number;
  heapPausedMiB: number;
  /** Status query on deploys evicted from the cache (the first started), and on cached ones (the last). */
  queryEvictedMs: { p50: number; max: number; n: number; failed: string[] };
  queryCachedMs: { p50: number; max: number; n: number; failed: string[] };
  wallS: number;
}

const QUERIED = 20;

export async function runPausedPhase(opts: {
  client: Client;
  address: string;
  simUrl: string;
  prometheusUrl: string;
  bundlePath: string;
  deploys: number;
  maxCachedWorkflows: number;
}): Promise<PausedPhase> {
  const { client, deploys: N } = opts;
  const taskQueue = `bench-paused-${N}`;
  const t0 = Date.now();
  const worker = await startWorker(opts, taskQueue, { BENCH_MAX_CACHED: String(opts.maxCachedWorkflows) });
  const handles: DeployHandle[] = [];
  try {
    const retained = async () => {
      worker.child.kill('SIGHUP'); // a full GC, then the next report (SIGUSR2 would stop the worker: the SDK's shutdown signals)
      await sleep(2500);
      return { rss: worker.last?.rssMiB ?? NaN, heap: worker.last?.heapMiB ?? NaN };
    };
    const idle = await retained();
    // A check whose series never exists: the soak and its extension end without data, and the
    // gate (onNoData: pause) waits for a person.
    const yaml = (i: number) =>
      pipelineYaml({ service: `paused-${N}-${i}`, regions: [['r', 1000]], soak: '1s', interval: '500ms', minSamples: 1, maxExtension: '1s', checks: 'nodata' });
    await pool(
      Array.from({ length: N }, (_, i) => i),
      50,
      async (i) => {
        handles[i] = (await startDeploy(opts.client, { plan: plan(parsePipeline(yaml(i)).pipeline, '2.0.0'), taskQueue, startedBy: 'bench' })).handle;
      },
    );
    const query = `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running' AND FirebreakPhase = 'paused'`;
    let paused = 0;
    const deadline = Date.now() + 300_000;
    let exited = false;
    void worker.exited.then(() => (exited = true));
    while (Date.now() < deadline) {
      if (exited) throw new Error('the worker process exited before every deploy paused');
      paused = (await client.workflow.count(query)).count;
      if (paused >= N) break;
      await sleep(2000);
    }
    await sleep(5000); // let the worker settle after the last workflow task
    const held = await retained();
    const time = async (hs: DeployHandle[]) => {
      const ms: number[] = [];
      const failed: string[] = [];
      for (const h of hs) {
        const t = performance.now();
        try {
          await h.query(statusQuery);
          ms.push(performance.now() - t);
        } catch (err) {
          failed.push(`${h.workflowId}: ${err instanceof Error ? `${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}` : String(err)}`);
        }
      }
      return { p50: Math.round(percentile(ms, 50)), max: Math.round(Math.max(...ms)), n: ms.length, failed };
    };
    // The cache evicts the least recently used: the first deploys started are long gone from it.
    const queryEvictedMs = await time(handles.slice(0, QUERIED));
    const queryCachedMs = await time(handles.slice(-QUERIED));
    return {
      deploys: N,
      paused,
      maxCachedWorkflows: opts.maxCachedWorkflows,
      rssIdleMiB: idle.rss,
      rssPausedMiB: held.rss,
      rssPeakMiB: worker.peakRss,
      heapIdleMiB: idle.heap,
      heapPausedMiB: held.heap,
      queryEvictedMs, queryCachedMs, wallS: (Date.now() - t0) / 1000 };
  } finally {
    await pool(handles, 50, async (h) => void (await h.terminate('bench: paused phase over').catch(() => undefined)));
    worker.child.kill('SIGTERM');
    await Promise.race([worker.exited, sleep(15_000)]);
    worker.child.kill('SIGKILL');
  }
}
