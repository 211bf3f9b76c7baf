// A Firebreak worker: the workflow and the real activities on one task queue.
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, watcherOf } from '../../activities/index.js';
import { createUndoActivities } from './undo-activities.js';

export interface WorkerSetup {
  connection: NativeConnection;
  namespace?: string;
  taskQueue: string;
  /** A prebuilt workflow bundle (tests cache one); else workflows/ is bundled at start. */
  workflowBundle?: { codePath: string };
  activities?: object;
  options?: Partial<WorkerOptions>;
}

// The workflow code the bundler starts from, beside this file: in a checkout (tsx) the .ts
// source, src/worker/run.ts -> workflows/index.ts; compiled (`npm run build`, the installed
// package, which has no .ts files) the JavaScript, dist/src/worker/run.js -> dist/workflows/index.js.
const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
export const WORKFLOWS_PATH = fileURLToPath(new URL(`../../workflows/index${EXT}`, import.meta.url));
/** Workflow interceptors, in every bundle: reserved message names must not wedge a deploy. */
export const WORKFLOW_INTERCEPTOR_MODULES = [fileURLToPath(new URL(`../../workflows/reserved-names${EXT}`, import.meta.url))];

export async function createWorker(setup: WorkerSetup): Promise<Worker> {
  const activities = setup.activities ?? createActivities();
  const worker = await Worker.create({
    connection: setup.connection,
    namespace: setup.namespace ?? 'default',
    taskQueue: setup.taskQueue,
    ...(setup.workflowBundle
      ? { workflowBundle: setup.workflowBundle }
      : { workflowsPath: WORKFLOWS_PATH, interceptors: { workflowModules: WORKFLOW_INTERCEPTOR_MODULES } }),
    // The rollback's activities talk to Temporal, so every worker adds them to its own.
    activities: { ...createUndoActivities(), ...activities },
    // Soaks hold no slot (the soak watcher completes them asynchronously); these are deploys,
    // version reads, migrations and notifications, mostly waiting on the network.
    maxConcurrentActivityTaskExecutions: 200,
    // A deploy's progress (the http adapter's poll state) and a long read show within 2 s.
    maxHeartbeatThrottleInterval: '2s',
    ...setup.options,
  });
  handOverSoaksOnShutdown(worker, activities);
  return worker;
}

const handOvers = new WeakMap<Worker, () => Promise<void>>();

/**
 * When the worker begins to shut down, its soak watcher gives every soak back to the server
 * with its tally, so another worker resumes them at once rather than after the heartbeat
 * timeout. The SDK has no shutdown hook, so the state is looked at (cheaply) every 100 ms;
 * runWorker also waits for the hand-over before returning, while the connection is open.
 */
function handOverSoaksOnShutdown(worker: Worker, activities: object): void {
  const handOver = async () => watcherOf(activities)?.handOver();
  handOvers.set(worker, handOver);
  const look = setInterval(() => {
    const state = worker.getState();
    if (state === 'INITIALIZED' || state === 'RUNNING') return;
    clearInterval(look);
    void handOver();
  }, 100).unref();
}

/** Runs the worker until it shuts down, then hands its soaks over; close the connection after. */
export async function runWorker(worker: Worker): Promise<void> {
  try {
    await worker.run();
  } finally {
    await handOvers.get(worker)?.();
  }
}
