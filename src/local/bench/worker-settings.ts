// The worker settings both bench workers share, so Firebreak and the bare chain are held to the
// same limits: only the workflow and activities differ between them.
import type { WorkerOptions } from '@temporalio/worker';

export const BENCH_WORKER_SETTINGS = {
  maxConcurrentActivityTaskExecutions: 500,
  // Terminated soaks learn of it on their next heartbeat; never let shutdown hang the bench.
  shutdownGraceTime: '2s',
  shutdownForceTime: '30s',
} satisfies Partial<WorkerOptions>;
