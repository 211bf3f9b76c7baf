// Starting a deploy: one workflow per service (`deploy-<service>`), made unique by Temporal's
// workflow-id uniqueness rather than a racy look-up. Starting the version already running
// attaches to it (CI retries are safe); another version is refused unless superseding.
//
// A run keeps its workflow id until it closes, and an ended run (aborted, succeeded...) closes
// only once its last notifications are delivered (workflows/ending.ts awaits them). So a new
// run starts only after the old one has closed: we wait for it, bounded by the delivery limits
// below, and never start while it still holds the id.
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
  type WorkflowExecutionDescription,
} from '@temporalio/client';
import type { Plan } from '../domain/pipeline/plan.js';
import { abortUpdate, enqueueUpdate, TERMINAL_PHASES, type DeployInput, type DeployPhase } from '../../workflows/messages.js';
import { stageOf } from '../../workflows/train.js';
import { deployHandle, WORKFLOW_TYPE, type DeployHandle, type DeployWorkflow } from './workflow.js';
import { FirebreakOwner, FirebreakPhase, FirebreakService, FirebreakVersion } from '../../workflows/search-attributes.js';
import { workflowIdFor } from '../domain/names.js';
import { count } from '../domain/format.js';
import { text } from '../../workflows/details.js';
import { NOTIFY_ACTIVITY_TIMEOUT_MS, NOTIFY_DELIVERY_MS } from '../domain/notify-limits.js';
import type { CommitInfo } from '../domain/records/record.js';
import { createHash } from 'node:crypto';
import { RECORD_RETRY } from '../domain/records/record.js';

export { NOTIFY_DELIVERY_MS };

/**
 * How long a start waits for an ended or superseded run to close before giving up (nothing new
 * is started then): the hard cap on its deliveries and on its deploy record's write, plus time
 * for its last workflow tasks. A live worker needs at most NOTIFY_DELIVERY_MS while the records
 * database is up; only a missing or stuck worker, or a records database down, reaches this.
 */
export const CLOSE_TIMEOUT_MS = Math.max(NOTIFY_ACTIVITY_TIMEOUT_MS, RECORD_RETRY.totalMs) + 30_000;
/** How often a wait for a run to close asks the server. */
const CLOSE_POLL_MS = 250;

/** A start that was refused, with one line that says why and that nothing new was started. */
export class StartRefused extends Error {
  override name = 'StartRefused';
}

/** Start attempts before giving up on a workflow id that other starts keep taking. */
const MAX_START_ATTEMPTS = 5;

const CLOSED = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'CONTINUED_AS_NEW', 'TIMED_OUT']);

export interface StartOptions {
  plan: Plan;
  taskQueue: string;
  previous?: string;
  startedBy?: string;
  supersede?: boolean;
  /** train.mode queue: another version running means wait in its queue, not a refusal. */
  queue?: boolean;
  /** deploy --override-freeze: the deploy passes freezes, each one recorded. */
  overrideFreeze?: { reason: string; by?: string };
  /** The commit the deploy ships (lead time), kept in its status and record. */
  commit?: CommitInfo;
  /** Told what a start waits for (a run to close), for the CLI to show; default: silent. */
  progress?: (line: string) => void;
}

export interface Started {
  /** Pinned to the run this start started, attached to, or queued on. */
  handle: DeployHandle;
  /** True when the same version was already running and we attached to it. */
  attached: boolean;
  /** The version whose run this start aborted (--supersede). */
  superseded?: string;
  /** Set when this version waits in the queue of the run `handle` names (train.mode queue). */
  queued?: { behind: string; stage: string };
}

/** sha256 of the plan (pipeline and version): a deploy record tells which pipeline ran. */
export function pipelineHash(plan: Plan): string {
  return createHash('sha256').update(JSON.stringify(plan)).digest('hex');
}

export function staticSummary(plan: Plan): string {
  return `${plan.hotfix ? 'HOTFIX ' : ''}${plan.service} ${plan.version}: ${plan.stages.map((s) => s.regions.map((r) => r.name).join('+')).join(' > ')}`;
}

/** Owner, runbook and size; the pipeline's text made inert, but a plain web address stays a link. */
export function staticDetails(plan: Plan): string {
  const runbook = /^https?:\/\/[\w\-.~%/?#=&+:@!$,;]+$/.test(plan.runbook) ? plan.runbook : text(plan.runbook, 200);
  return `- owner: ${text(plan.owner, 80)}\n- runbook: ${runbook}\n- stages: ${count(plan.stages.length)}, customers: ${count(plan.totalCustomers)}`;
}

export async function startDeploy(client: Client, opts: StartOptions): Promise<Started> {
  const { plan } = opts;
  const workflowId = workflowIdFor(plan.service);
  const input: DeployInput = {
    plan,
    previous: opts.previous,
    startedBy: opts.startedBy,
    ...(opts.overrideFreeze ? { overrideFreeze: opts.overrideFreeze } : {}),
    ...(opts.commit ? { commit: opts.commit } : {}),
    pipelineHash: pipelineHash(plan),
  };
  const start = () =>
    client.workflow.start<DeployWorkflow>(WORKFLOW_TYPE, {
      workflowId,
      taskQueue: opts.taskQueue,
      args: [input],
      staticSummary: staticSummary(plan),
      staticDetails: staticDetails(plan),
      // A hotfix shows in `list` (and the Web UI's memo) without a query to a worker.
      ...(plan.hotfix ? { memo: { firebreakHotfix: plan.hotfix.reason } } : {}),
      typedSearchAttributes: [
        { key: FirebreakService, value: plan.service },
        { key: FirebreakVersion, value: plan.version },
        { key: FirebreakOwner, value: plan.owner },
        { key: FirebreakPhase, value: 'running' },
      ],
    });

  let superseded: string | undefined;
  /** Set once this start has waited for a run: a deploy running after that was started meanwhile. */
  let waited = false;
  for (let attempt = 1; attempt <= MAX_START_ATTEMPTS; attempt++) {
    try {
      const handle = await start();
      return { handle: deployHandle(client, workflowId, handle.firstExecutionRunId), attached: false, superseded };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    let desc: WorkflowExecutionDescription;
    try {
      desc = await deployHandle(client, workflowId).describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) continue; // gone in between: start again
      throw err;
    }
    if (isClosed(desc)) continue; // it closed in between: start again
    const version = desc.typedSearchAttributes.get(FirebreakVersion);
    const phase = desc.typedSearchAttributes.get(FirebreakPhase);
    // A run that has ended (its phase is final) only holds the id while it delivers its last
    // notifications: it is waited for, as if it had closed already, whatever its version.
    const ended = TERMINAL_PHASES.includes(phase as DeployPhase);
    const run = deployHandle(client, workflowId, desc.runId); // pinned: never abort a later run
    if (!ended && version === plan.version) return { handle: run, attached: true, superseded };
    if (!ended && opts.queue && !opts.supersede) {
      const queued = await enqueue(run, input);
      if (queued) return { handle: run, attached: false, superseded, queued };
      continue; // it ended in between: its queue is settled, so go round and find the next run
    }

    const what = `${plan.service} ${version} (${workflowId}, run ${desc.runId})`;
    if (!ended) {
      if (waited) {
        throw new StartRefused(
          `${workflowId} is now deploying ${plan.service} ${version} (phase ${phase}, run ${desc.runId}, ` +
            `started ${desc.startTime.toISOString()}): someone started it while this start waited` +
            `${superseded ? ` for the superseded ${superseded} to close` : ''}; nothing new was started. ` +
            `Deploy ${plan.version} again (with --supersede) if it should replace ${version}`,
        );
      }
      if (!opts.supersede) {
        throw new StartRefused(
          `${workflowId} is already deploying ${plan.service} ${version} (phase ${phase}); ` +
            `wait for it, abort it (firebreak abort ${plan.service}), or start with --supersede`,
        );
      }
      const since = Date.now();
      const deadline = since + CLOSE_TIMEOUT_MS;
      // In queue mode this version goes to the head of the queue first, so the abort hands over
      // to it (continue-as-new), not to an older queued version.
      if (opts.queue) await enqueue(run, input);
      if (await abortRun(run, plan.version, opts.startedBy, deadline, what)) superseded = version;
      await waitClosed(run, since, deadline, `the superseded run of ${what}`, () =>
        opts.progress?.(`waiting for the superseded ${what} to close (it delivers its last notifications first)`),
      );
    } else {
      // Ended (by itself, or by someone else's abort), still delivering its last notifications.
      const since = Date.now();
      await waitClosed(run, since, since + CLOSE_TIMEOUT_MS, `the ended run of ${what} (phase ${phase})`, () =>
        opts.progress?.(`waiting for the ended ${what} (phase ${phase}) to close (it delivers its last notifications first)`),
      );
    }
    waited = true;
  }
  throw new StartRefused(
    `${workflowId}: other runs took the workflow id ${MAX_START_ATTEMPTS} times while this start waited; nothing new was started`,
  );
}

/**
 * Puts the version in the running deploy's queue; undefined when the run has ended meanwhile
 * (an ended run settles its queue and refuses more). Any other refusal is a StartRefused.
 */
async function enqueue(run: DeployHandle, input: DeployInput): Promise<Started['queued']> {
  const { plan } = input;
  try {
    // Accepted means queued on this run, even if the run ended in the same workflow task: the
    // queue is settled at the end, so this version is either next or superseded, never lost.
    const status = await run.executeUpdate(enqueueUpdate, { args: [{ plan, previous: input.previous, by: input.startedBy }] });
    // The same version queued twice keeps its one place: this start attaches to it.
    return { behind: status.version, stage: stageOf(status) };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    if (err instanceof WorkflowUpdateFailedError) {
      const reason = (err.cause as Error | undefined)?.message ?? err.message;
      if (/has already ended/.test(reason)) return undefined;
      throw new StartRefused(`cannot queue ${plan.service} ${plan.version} behind the running deploy: ${reason}; nothing new was started`);
    }
    throw err;
  }
}

/**
 * Asks the run to end with "superseded by <version>" in its audit trail (rollback: none). True
 * when it accepted; false when it refused because it has already ended or is already being
 * aborted by someone else (then it closes by itself), or it closed in between.
 */
async function abortRun(run: DeployHandle, version: string, by: string | undefined, deadline: number, what: string): Promise<boolean> {
  try {
    await run.client.withDeadline(deadline, () =>
      run.executeUpdate(abortUpdate, { args: [{ reason: `superseded by ${version}`, by, rollback: 'none' }] }),
    );
    return true;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError || err instanceof WorkflowNotFoundError) return false;
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError && Date.now() >= deadline) {
      throw new StartRefused(
        `the superseded run of ${what} has not answered the abort after ${formatSeconds(CLOSE_TIMEOUT_MS)} ` +
          `(is a worker polling its task queue?); nothing new was started`,
      );
    }
    throw err;
  }
}

/** Waits (bounded by deadline) until the pinned run has closed; a StartRefused if it does not. */
async function waitClosed(run: DeployHandle, since: number, deadline: number, what: string, onWait: () => void): Promise<void> {
  for (let polls = 0; ; polls++) {
    const desc = await run.describe();
    if (isClosed(desc)) return;
    if (polls === 0) onWait(); // said only when there is something to wait for
    if (Date.now() >= deadline) {
      const phase = desc.typedSearchAttributes.get(FirebreakPhase);
      throw new StartRefused(
        `${what} has not closed after ${formatSeconds(Date.now() - since)} (phase ${phase}; a live worker delivers its ` +
          `notifications within ${formatSeconds(NOTIFY_DELIVERY_MS)}: is one polling its task queue?); nothing new was started`,
      );
    }
    await new Promise((r) => setTimeout(r, Math.min(CLOSE_POLL_MS, Math.max(0, deadline - Date.now()))));
  }
}

function isClosed(desc: WorkflowExecutionDescription): boolean {
  return CLOSED.has(desc.status.name);
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
