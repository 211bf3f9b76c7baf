// One worker process of the bench's soak phase: the production worker (createWorker, its
// default settings) with the real activities, in a process of its own so its RSS is its own.
// Configured by environment: TEMPORAL_ADDRESS (envconfig), TASK_QUEUE, WORKFLOW_BUNDLE,
// FIREBREAK_SIM_URL, PROMETHEUS_URL; BENCH_MAX_CACHED sets maxCachedWorkflows.
// Prints `ready`, then one JSON line a second: {rssMiB, heapMiB, watcher} (the soak watcher's
// stats: soaks held, evaluation lag, heartbeats). SIGHUP collects garbage (the process runs
// with --expose-gc), so the next report shows what the worker retains.
import { createActivities, watcherOf } from '../../../activities/index.js';
import { connectWorkerConnection } from '../../client/connect.js';
import { createWorker, runWorker } from '../../worker/run.js';

const mib = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;
const { connection, namespace } = await connectWorkerConnection();
const activities = createActivities();
const maxCached = process.env.BENCH_MAX_CACHED ? Number(process.env.BENCH_MAX_CACHED) : undefined;
const worker = await createWorker({
  connection,
  namespace,
  taskQueue: process.env.TASK_QUEUE!,
  workflowBundle: { codePath: process.env.WORKFLOW_BUNDLE! },
  activities,
  options: maxCached === undefined ? {} : { maxCachedWorkflows: maxCached },
});
process.on('SIGHUP', () => (globalThis as { gc?: () => void }).gc?.());
const report = setInterval(() => {
  const m = process.memoryUsage();
  process.stdout.write(`${JSON.stringify({ rssMiB: mib(m.rss), heapMiB: mib(m.heapUsed), watcher: watcherOf(activities)?.stats() ?? null })}\n`);
}, 1000);
const running = runWorker(worker);
console.log('ready');
try {
  await running;
} finally {
  clearInterval(report);
  await connection.close();
}
