// The train (`train.mode: queue`): a version started while this deploy rolls out
// waits in its queue. When the deploy ends, however it ends, the newest queued version starts
// as a new run of the same workflow id (continue-as-new), so `deploy-<service>` stays the one
// name operators and CI use; the older queued versions end superseded by it, named in this
// run's audit trail and in the next run's `queued`. Nothing runs on old versions' behalf: a
// queued version touches no region before its own run starts, so each region's soak for it
// starts from zero and no sample of another version ever counts for it.
import { ApplicationFailure, continueAsNew, patched, setHandler } from '@temporalio/workflow';
import { FailureType } from '../src/domain/failures.js';
import type { Plan } from '../src/domain/pipeline/plan.js';
import { claimedBy, parseEnqueueInput, QUEUE_MAX, type EnqueueInput, type Parsed } from './inputs.js';
import { enqueueSignal, enqueueUpdate, type DeployInput, type DeployStatus } from './messages.js';
import type { DeployRun } from './run.js';

/** Sets the enqueue signal and update: one validator, one effect, as for operator commands. */
export function listenForQueue(run: DeployRun): void {
  setHandler(enqueueSignal, (...args: unknown[]) => {
    const verdict = judge(run, args);
    if (verdict.ok) enqueue(run, verdict.input);
    else run.state.record('ignored', `enqueue signal ignored: ${verdict.reason}`, { by: claimedBy(args) });
    run.publish();
  });
  setHandler(
    enqueueUpdate,
    (...args: unknown[]): DeployStatus => {
      const verdict = judge(run, args);
      if (!verdict.ok) throw ApplicationFailure.nonRetryable(verdict.reason, FailureType.CommandRefused);
      enqueue(run, verdict.input);
      run.publish();
      // A copy: the answer is serialized at the end of the activation, and the status as the
      // queue was joined is what the caller should read (not an ending in the same task).
      return JSON.parse(JSON.stringify(run.status)) as DeployStatus;
    },
    {
      validator: (...args: unknown[]) => {
        const verdict = judge(run, args);
        if (!verdict.ok) throw new Error(verdict.reason);
      },
    },
  );
}

function judge(run: DeployRun, args: unknown[]): Parsed<EnqueueInput> {
  const parsed = parseEnqueueInput(args);
  if (!parsed.ok) return parsed;
  const reason = run.state.whyNotEnqueue(parsed.input, QUEUE_MAX);
  return reason ? { ok: false, reason } : parsed;
}

function enqueue(run: DeployRun, input: EnqueueInput): void {
  const { state, status } = run;
  const { version } = input.plan;
  if (state.queue.has(version)) return; // the same version again keeps its place: it attaches
  const entry = { version, since: state.now().toISOString(), ...(input.by ? { by: input.by } : {}) };
  state.queue.set(version, { entry, input });
  status.queue = [...state.queue.values()].map((q) => q.entry);
  state.record('queued', `${version} queued behind ${status.version} (${stageOf(status)})`, { by: input.by });
}

/** "stage 3 of 5": where the running deploy is, for the queued line. */
export function stageOf(status: Pick<DeployStatus, 'currentStage' | 'stages'>): string {
  return `stage ${Math.min(status.currentStage + 1, status.stages.length)} of ${status.stages.length}`;
}

/**
 * Called once the deploy has ended: the newest queued version is the next run's input, and the
 * others end superseded by it. The queue is settled here, while enqueue refuses (the deploy
 * is terminal), so nothing queued later can be lost.
 */
export function settleQueue(run: DeployRun): DeployInput | undefined {
  const { state, status } = run;
  const queued = [...state.queue.values()];
  const newest = queued.pop();
  if (!newest) return undefined;
  const superseded = queued.map((q) => q.entry);
  for (const old of superseded) {
    state.record('superseded', `${old.version} superseded by ${newest.entry.version} before it started (queued ${old.since})`, { by: old.by });
  }
  status.next = newest.entry.version;
  const { plan, previous } = newest.input;
  return {
    // Checked by the enqueue validator; the rest of the plan is what the CLI's plan() made.
    plan: plan as unknown as Plan,
    ...(previous ? { previous } : {}),
    ...(newest.entry.by ? { startedBy: newest.entry.by } : {}),
    queued: { ...newest.entry, behind: status.version, superseded },
  };
}

/** Starts the queued version as a new run of this workflow id; a deploy that queued nothing just ends. */
export async function startNext(next: DeployInput | undefined): Promise<void> {
  if (next && patched('train-queue')) await continueAsNew<(input: DeployInput) => Promise<DeployStatus>>(next);
}
