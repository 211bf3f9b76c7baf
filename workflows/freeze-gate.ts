// A freeze at a gate (docs/operating.md "Freeze"). Every gate of a deploy (a stage's start, a
// region's promotion, the expand migrations) reads the freeze workflow through an activity, so
// a deploy started before a freeze stops at its next gate and one started during it touches no
// region. Held, the deploy waits (hold kind `freeze`, phase paused, nothing rolled back) until
// the freeze workflow tells it of a change (freeze-changed) or the worker's recheck interval
// passes (a durable timer), then reads again. --override-freeze passes, recorded each time.
import { condition, defineSignal, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { describeFreeze, FREEZE_MESSAGES, type Freeze } from '../src/domain/freeze.js';
import type { DeployRun } from './run.js';

/** Marks histories whose deploys read the freeze at every gate. */
const FREEZE_GATE_PATCH = 'freeze-gate';
/** A held deploy reads again at least this often, whatever the worker says (bounds history). */
const MIN_RECHECK_MS = 1000;
/** Freezes a freeze-changed may carry: more is a wrong payload, ignored. */
const MAX_FREEZES = 1000;

export const freezeChangedSignal = defineSignal<[{ freezes: Freeze[] }]>(FREEZE_MESSAGES.changed);

const { readFreeze } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '10s' }, // no attempt limit: the freeze must be read
});

/** The freeze workflow's news: kept for approve's validator, and wakes a held deploy. */
export function listenForFreezes(run: DeployRun): void {
  setHandler(freezeChangedSignal, (raw: unknown) => {
    const freezes = (raw as { freezes?: unknown } | null)?.freezes;
    if (!Array.isArray(freezes) || freezes.length > MAX_FREEZES || !freezes.every(isFreeze)) return;
    run.state.knownFreezes = freezes;
    run.state.freezeNudged = true;
  });
}

function isFreeze(f: unknown): f is Freeze {
  const x = f as Partial<Freeze> | null;
  return typeof x === 'object' && x !== null && typeof x.scope === 'string' && typeof x.reason === 'string' && typeof x.from === 'string';
}

/**
 * Resolves when no freeze holds the deploy (or it overrides them); `at` says which gate.
 * Undefined in histories from before the patch: the caller must not await anything then, since
 * even an empty await reorders the commands of the activation and breaks their replay.
 */
export function holdWhileFrozen(run: DeployRun, at: string): Promise<void> | undefined {
  return patched(FREEZE_GATE_PATCH) ? hold(run, at) : undefined;
}

async function hold(run: DeployRun, at: string): Promise<void> {
  const { state, status } = run;
  for (;;) {
    state.freezeNudged = false;
    const { freeze, recheckMs } = await readFreeze({ service: run.service });
    if (!freeze) {
      if (status.frozen) {
        state.record('unfrozen', `freeze over (${status.frozen.reason}): ${at} goes on`);
        delete status.frozen;
        run.publish();
      }
      return;
    }
    if (status.overrideFreeze) {
      state.record('freeze_override', `${at} passes a freeze (--override-freeze: ${status.overrideFreeze.reason}): ${describeFreeze(freeze)}`, {
        by: status.overrideFreeze.by,
      });
      run.publish();
      return;
    }
    if (!status.frozen || status.frozen.scope !== freeze.scope || status.frozen.reason !== freeze.reason) {
      status.frozen = { scope: freeze.scope, reason: freeze.reason, since: freeze.from, at, ...(freeze.by ? { by: freeze.by } : {}), ...(freeze.until ? { until: freeze.until } : {}) };
      state.record('frozen', `${at} holds: ${describeFreeze(freeze)}`, { by: freeze.by });
      run.publish(); // paused (hold kind freeze): notified as any pause is
    }
    await condition(() => state.freezeNudged, Math.max(MIN_RECHECK_MS, recheckMs));
  }
}
