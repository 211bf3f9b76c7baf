// A Firebreak worker: the workflow and the real activities on one task queue.
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';

export interface WorkerSetup {
  connection: NativeConnection;
  namespace?: string;
  taskQueue: string;
  /** A prebuilt workflow bundle (tests cache one); else workflows/ is bundled at start. */
  workflowBundle?: { codePath: string };
  activities?: object;
  options?: Partial<WorkerOptions>;
}

export const WORKFLOWS_PATH = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));
/** Workflow interceptors, in every bundle: reserved message names must not wedge a deploy. */
export const WORKFLOW_INTERCEPTOR_MODULES = [fileURLToPath(new URL('../../workflows/reserved-names.ts', import.meta.url))];

export async function createWorker(setup: WorkerSetup): Promise<Worker> {
  return Worker.create({
    connection: setup.connection,
    namespace: setup.namespace ?? 'default',
    taskQueue: setup.taskQueue,
    ...(setup.workflowBundle
      ? { workflowBundle: setup.workflowBundle }
      : { workflowsPath: WORKFLOWS_PATH, interceptors: { workflowModules: WORKFLOW_INTERCEPTOR_MODULES } }),
    activities: setup.activities ?? createActivities(),
    // The machine has two cores; watches are I/O-bound and long, so allow many at once.
    maxConcurrentActivityTaskExecutions: 200,
    // Live check values during a soak come from watch heartbeats: send them at least every 2 s.
    maxHeartbeatThrottleInterval: '2s',
    ...setup.options,
  });
}
