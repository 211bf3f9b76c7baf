// firebreakFreezes: the one long-lived workflow (id FREEZE_WORKFLOW_ID) that holds every freeze
// of the namespace (docs/operating.md "Freeze"). Updates `freeze` and `unfreeze` (validated: a
// refused one changes nothing and leaves no trace), query `freezes`. A durable timer wakes it
// when a scheduled freeze starts or ends, with nobody present; on every change it tells the
// running deploys (freeze-changed), which also read it themselves at every gate. History is
// bounded by continue-as-new, carrying the freezes over.
import { allHandlersFinished, condition, continueAsNew, defineQuery, defineUpdate, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import {
  checkFreeze,
  checkUnfreeze,
  FREEZE_MESSAGES,
  freezesOf,
  live,
  nextChange,
  sameFreeze,
  scopesOf,
  freezeFor,
  ALL,
  type Freeze,
  type FreezeAnswer,
  type FreezeInput,
  type UnfreezeInput,
} from '../src/domain/freeze.js';
import { freezeNow } from './freeze-clock.js';

export const freezeUpdate = defineUpdate<FreezeAnswer, [FreezeInput]>(FREEZE_MESSAGES.freeze);
export const unfreezeUpdate = defineUpdate<FreezeAnswer, [UnfreezeInput]>(FREEZE_MESSAGES.unfreeze);
export const freezesQuery = defineQuery<Freeze[]>(FREEZE_MESSAGES.query);

export interface FreezesInput {
  freezes?: Freeze[];
}

/** Past this many events the workflow continues as new (well under Temporal's warning). */
const HISTORY_LIMIT = 2000;

const { announceFreezes } = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 10 },
});

export async function firebreakFreezes(input: FreezesInput = {}): Promise<void> {
  let freezes: Freeze[] = live(input.freezes ?? [], freezeNow().getTime());
  let changed = true; // a new run tells the deploys what it holds
  setHandler(freezesQuery, () => freezes);
  setHandler(
    freezeUpdate,
    (raw: FreezeInput): FreezeAnswer => {
      const checked = checkFreeze(raw, freezeNow());
      if (!checked.ok) throw new Error(checked.reason); // unreachable after the validator
      const done: string[] = [];
      for (const f of freezesOf(checked.value, freezeNow())) {
        const old = freezes.find((o) => o.scope === f.scope);
        if (old && sameFreeze(old, f, freezeNow().getTime())) continue; // sent twice: nothing changes
        freezes = [...freezes.filter((o) => o.scope !== f.scope), f];
        done.push(f.scope);
      }
      if (done.length > 0) changed = true;
      return { freezes, changed: done };
    },
    { validator: (raw: FreezeInput) => fail(checkFreeze(raw, freezeNow())) },
  );
  setHandler(
    unfreezeUpdate,
    (raw: UnfreezeInput): FreezeAnswer => {
      const checked = checkUnfreeze(raw);
      if (!checked.ok) throw new Error(checked.reason);
      // --all lifts every freeze; a service lifts its own (a freeze of every service stays).
      const lift = checked.value.services === true ? freezes.map((f) => f.scope) : scopesOf(checked.value.services);
      const done = freezes.filter((f) => lift.includes(f.scope)).map((f) => f.scope);
      freezes = freezes.filter((f) => !lift.includes(f.scope));
      if (done.length > 0) changed = true;
      const all = checked.value.services === true ? undefined : freezeFor(freezes.filter((f) => f.scope === ALL), '', freezeNow().getTime());
      return { freezes, changed: done, ...(all ? { stillFrozen: all } : {}) };
    },
    { validator: (raw: UnfreezeInput) => fail(checkUnfreeze(raw)) },
  );

  for (;;) {
    const now = freezeNow().getTime();
    freezes = live(freezes, now);
    if (changed) {
      changed = false;
      await announceFreezes({ freezes });
      continue; // an update may have arrived meanwhile
    }
    if (workflowInfo().historyLength > HISTORY_LIMIT || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof firebreakFreezes>({ freezes });
    }
    const next = nextChange(freezes, now);
    // The durable timer: a scheduled freeze starts (or ends) on time with nobody present.
    const woken = next === undefined ? (await condition(() => changed), true) : await condition(() => changed, next - now);
    if (!woken) changed = true; // the timer fired: a freeze started or ended
  }
}

function fail(checked: { ok: true } | { ok: false; reason: string }): void {
  if (!checked.ok) throw new Error(checked.reason);
}
