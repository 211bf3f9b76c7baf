// What the renderers draw: the status query result, optionally merged with the live check
// values of the soaks in flight (src/cli/live.ts reads them from the watch activities'
// heartbeats, since the status only carries a region's checks once its soak has ended).
import type { DeployStatus } from '../../../workflows/messages.js';

export interface LiveSoak {
  /** Evaluations the watcher has made so far (each evaluates every check once). */
  evaluations: number;
  /** When the watch last heartbeated (ISO); stale when no worker is running it. */
  lastHeartbeatAt?: string;
  /** Attempt of the watch activity (above 1 after a worker crash or a retry). */
  attempt: number;
}

export interface ViewStatus extends DeployStatus {
  /** Region name -> its running watch, for the regions whose checks are live values. */
  live?: Record<string, LiveSoak>;
  /** The workflow id, when known (shown in the header and in the next-step commands). */
  workflowId?: string;
}
