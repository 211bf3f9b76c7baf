// A rollback holds its service's train (workflows/service-rollback.ts): while it is open, no
// version of the service touches a region. A deploy asks before its first region (a queued
// version continued as new asks too, as every run does), and waits, paused with the reason,
// until `release`, or until it is aborted. The hold lives in one place, the open rollback
// workflow; the rollback aborts any deploy that started before it, so the two cannot miss each other.
import { CancellationScope, isCancellation, patched, proxyActivities } from '@temporalio/workflow';
import type { Ending } from './ending.js';
import type { DeployRun } from './run.js';
import type { UndoActivities } from './undo-messages.js';

export const ROLLBACK_HOLD_PATCH = 'rollback-hold';
/** How long one wait for the release lasts before it is asked again (bounds each activity). */
const RELEASE_POLL_MS = 10 * 60_000;

const undo = proxyActivities<UndoActivities>({
  startToCloseTimeout: RELEASE_POLL_MS + 60_000,
  heartbeatTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

/** Waits while a rollback holds the train; the ending when the deploy is aborted meanwhile. */
export async function waitForRelease(run: DeployRun): Promise<Ending | undefined> {
  if (!patched(ROLLBACK_HOLD_PATCH)) return undefined;
  const { state, service } = run;
  let holder = await undo.awaitRelease({ service, waitMs: 0 });
  if (!holder) return undefined;
  state.trainHold = {
    reason: `held by ${holder.workflowId} (rolled back${holder.by ? ` by ${holder.by}` : ''}${holder.reason ? `: ${holder.reason}` : ''}); it starts after firebreak release ${service} --reason R`,
  };
  state.record('held', `${run.plan.version} waits: ${state.trainHold.reason}`);
  run.publish();
  run.rollout = new CancellationScope();
  try {
    await run.rollout.run(async () => {
      while (holder) holder = await undo.awaitRelease({ service, waitMs: RELEASE_POLL_MS });
    });
  } catch (err) {
    if (isCancellation(err) && state.abortRequest) return { outcome: 'aborted' };
    throw err;
  } finally {
    delete state.trainHold;
  }
  state.record('released', `the rollback holding ${service} ended: ${run.plan.version} starts`);
  run.publish();
  return undefined;
}
