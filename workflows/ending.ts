// How a deploy ends: the undoing an ending calls for (rollbacks, the down-migration), run
// outside the cancelled rollout scope; then the final state, the last notification, and a
// wait for every delivery and handler so nothing is lost with the workflow.
import { CancellationScope, allHandlersFinished, condition, log } from '@temporalio/workflow';
import { downSteps } from '../src/domain/migrations/phases.js';
import type { DeployStatus, RegionState } from './messages.js';
import { migrate } from './migrations.js';
import { nextCommand } from './notifications.js';
import { rollBackRegions } from './rollback.js';
import type { DeployRun } from './run.js';
import { settleQueue } from './train.js';

export type Outcome = 'succeeded' | 'aborted' | 'rolled_back' | 'failed';

export interface Ending {
  outcome: Outcome;
  /** Why it failed or rolled back; or what went wrong while undoing an abort. */
  failure?: string;
}

/** Regions not proven by this deploy: what an abort with rollback `failed` takes back. */
const UNPROVEN = new Set<RegionState>(['deploying', 'soaking', 'awaiting_approval', 'failed']);

/** Undoes what the ending calls for; the ending, with any failure of the undoing added. */
export async function undo(run: DeployRun, ending: Ending): Promise<Ending> {
  const touched = (r: { state: RegionState }) => r.state !== 'pending' && r.state !== 'rolled_back';
  if (ending.outcome === 'rolled_back') {
    run.state.record('rollback_all', `rolling back every region (rollback.onFailure: all): ${ending.failure}`);
    await rollBackRegions(run, touched, ending.failure ?? 'rollback all');
  } else if (ending.outcome === 'aborted') {
    const scope = run.state.abortRequest?.rollback ?? 'none';
    if (scope === 'all') {
      await rollBackRegions(run, touched, 'abort');
      // Only once every region runs its previous version again may the schema go back.
      const down = await CancellationScope.nonCancellable(() =>
        migrate(run, downSteps(run.plan.migrations), 'down').then(
          () => undefined,
          (err: Error) => `the down-migration failed, the schema is not back to where it was: ${err.message}`,
        ),
      );
      if (down) return { ...ending, failure: down };
    } else if (scope === 'failed') await rollBackRegions(run, (r) => UNPROVEN.has(r.state), 'abort');
  }
  return ending;
}

/** Records the end, sends its notification, and waits for every delivery and handler. */
export async function finish(run: DeployRun, { outcome, failure }: Ending): Promise<DeployStatus> {
  const { state, status } = run;
  state.terminal = outcome;
  status.endedAt = state.now().toISOString();
  if (failure) status.failure = failure;
  const summary = summaryOf(outcome, status);
  state.record(outcome, endEvent(outcome, summary, failure));
  run.next = settleQueue(run);
  run.publish();
  const next = nextCommand.status(run.service);
  if (outcome === 'succeeded') run.notifications.send('succeeded', summary, next);
  else if (outcome === 'aborted') run.notifications.send('aborted', [state.abortRequest?.reason ?? 'aborted', failure].filter(Boolean).join('; '), next);
  else if (outcome === 'rolled_back') run.notifications.send('rolled_back', failure ?? 'rolled back', next);
  // Deliveries and the record are bounded (timeouts, few attempts): wait so none is lost with the workflow.
  await Promise.all([run.notifications.delivered(), run.records.final()]);
  log.info('deploy ended', { outcome });
  await condition(allHandlersFinished);
  return status;
}

/** The last event: the summary, or for a failed deploy its cause, and what went wrong on the way out. */
function endEvent(outcome: Outcome, summary: string, failure: string | undefined): string {
  if (!failure || outcome === 'rolled_back') return summary; // the rollback_all event said why
  return outcome === 'failed' ? `failed: ${failure}` : `${summary}; ${failure}`;
}

/** Where every region stands at the end. */
function summaryOf(outcome: Outcome, status: DeployStatus): string {
  const regions = status.stages.flatMap((stage) => stage.regions);
  const count = (state: RegionState) => regions.filter((r) => r.state === state).length;
  if (outcome === 'succeeded') return `${status.service} ${status.version} promoted in all ${regions.length} regions`;
  return `${outcome}: ${count('promoted')} promoted, ${count('rolled_back')} rolled back, ${count('failed')} failed, ${count('pending')} never deployed`;
}
