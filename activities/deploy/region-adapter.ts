// A region adapter is how Firebreak changes and reads what a region runs. Rollback is not a
// separate operation: the workflow deploys the version the region ran before (read with
// current() before the first deploy), so the same idempotent path serves both directions.
import type { Target } from '../../src/domain/target.js';

export type Heartbeat = (details?: unknown) => void;

export interface RegionAdapter {
  /** The version the region runs now, or null when it runs nothing (or the adapter cannot tell). */
  current(target: Target, signal?: AbortSignal): Promise<string | null>;
  /**
   * Make the region run target.version and resolve once it does. `key` identifies this exact
   * step (<workflowId>/<runId>/<region>/<version>/<step>): a retried call with the same key must
   * not deploy twice. Rejects with a non-retryable 'DeployFailed' when the deploy failed.
   */
  deploy(target: Target, key: string, signal: AbortSignal, heartbeat: Heartbeat): Promise<void>;
}
