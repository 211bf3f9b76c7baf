// Waiting in a deploy's queue (train.mode queue), client side. The version waits on the run it
// was queued on, pinned by run id; when that run ends it names the version that starts next
// (status.next). If that is ours, we follow the new run it continued as; otherwise ours ended
// superseded before it started.
import { WorkflowContinuedAsNewError, type Client } from '@temporalio/client';
import { statusQuery, TERMINAL_PHASES, type DeployStatus } from '../../workflows/messages.js';
import { deployHandle, type DeployHandle } from './workflow.js';

export type QueueOutcome =
  | { started: DeployHandle }
  | { supersededBy: string; status: DeployStatus };

export interface QueueWaitOptions {
  /** Stop waiting (the deploy goes on) at this time: a QueueWaitTimedOut. */
  deadline?: number;
  pollMs?: number;
  /** Read the status of the run waited on; default: its status query. */
  read?: (run: DeployHandle) => Promise<DeployStatus>;
  /** Errors worth waiting out (no worker answering yet); anything else is thrown. */
  isTransient?: (err: unknown) => boolean;
}

/** The wait reached its deadline; the queued version still waits, untouched. */
export class QueueWaitTimedOut extends Error {
  override name = 'QueueWaitTimedOut';
}

/** Waits until the run `run` ends and tells what became of `version` in its queue. */
export async function waitInQueue(client: Client, run: DeployHandle, version: string, opts: QueueWaitOptions = {}): Promise<QueueOutcome> {
  const pollMs = opts.pollMs ?? 1000;
  const read = opts.read ?? ((h: DeployHandle) => h.query(statusQuery));
  for (;;) {
    let status: DeployStatus | undefined;
    try {
      status = await read(run);
    } catch (err) {
      if (!opts.isTransient?.(err)) throw err;
    }
    if (status?.next === version) return { started: deployHandle(client, run.workflowId, await nextRunId(run)) };
    if (status?.next) return { supersededBy: status.next, status };
    if (status && TERMINAL_PHASES.includes(status.phase) && !(status.queue ?? []).some((q) => q.version === version)) {
      throw new Error(`${run.workflowId} ended (${status.phase}) without ${version} in its queue`);
    }
    const left = opts.deadline === undefined ? pollMs : opts.deadline - Date.now();
    if (left <= 0) throw new QueueWaitTimedOut(`still queued behind ${status?.version ?? 'the running deploy'}`);
    await new Promise((r) => setTimeout(r, Math.min(pollMs, left)));
  }
}

/** The run a pinned run continued as, once it has closed (it delivers its last notifications first). */
async function nextRunId(run: DeployHandle): Promise<string> {
  try {
    await run.result();
  } catch (err) {
    if (err instanceof WorkflowContinuedAsNewError) return err.newExecutionRunId;
    throw err;
  }
  throw new Error(`${run.workflowId} ended without starting the next version`);
}
