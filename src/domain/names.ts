// Fixed names and default ports shared by the CLI, the worker, `firebreak dev` and the tests,
// so a deploy started by one is found by the others.

/** Task queue the worker polls and the client starts deploys on. */
export const DEFAULT_TASK_QUEUE = 'firebreak';

/** Namespace used when neither TEMPORAL_NAMESPACE nor a profile names one. */
export const DEFAULT_NAMESPACE = 'default';

/** One deploy per service at a time: the workflow id is derived from the service alone. */
export function workflowIdFor(service: string): string {
  return `deploy-${service}`;
}

/** Default ports of the local stack (`firebreak dev`). Tests use free ports instead. */
export const PORTS = {
  temporal: 7233,
  ui: 8233,
  sim: 7070,
  prometheus: 9090,
  /** The in-process workers' Prometheus endpoint (`firebreak worker --metrics`). */
  metrics: 9464,
  /** The dev stack's deploy records database (PostgreSQL). */
  records: 7432,
} as const;

export const DEFAULT_TEMPORAL_ADDRESS = `localhost:${PORTS.temporal}`;
