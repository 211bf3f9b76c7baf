// The last deploy of a service, as a rollback reads it: the latest run of deploy-<service>,
// its plan (the run's own input, from history) and its status (the result of a closed run,
// the status query of a running one or of one that continued as new). Stopping it aborts it
// as --supersede does (rollback none: the rollback does the undoing) and waits until it closes.
import {
  WorkflowContinuedAsNewError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowExecutionDescription,
} from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { workflowIdFor } from '../domain/names.js';
import { abortUpdate, statusQuery, type DeployInput, type DeployStatus } from '../../workflows/messages.js';
import type { LastDeploy } from '../../workflows/undo-messages.js';
import { deployHandle, type DeployHandle } from './workflow.js';

const CLOSED = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'CONTINUED_AS_NEW', 'TIMED_OUT']);
const isClosed = (d: WorkflowExecutionDescription) => CLOSED.has(d.status.name);

export interface ReadOptions {
  /** How long a status query may take (a running deploy needs a worker to answer). */
  queryTimeoutMs?: number;
}

/** The latest run of the service's deploy, or null when it never deployed. */
export async function readLastDeploy(client: Client, service: string, opts: ReadOptions = {}): Promise<(LastDeploy & { running: boolean }) | null> {
  let desc: WorkflowExecutionDescription;
  try {
    desc = await deployHandle(client, workflowIdFor(service)).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
  const run = deployHandle(client, desc.workflowId, desc.runId);
  const running = !isClosed(desc);
  const [plan, status] = await Promise.all([planOf(client, run, desc.runId), statusOf(client, run, running, opts.queryTimeoutMs ?? 10_000)]);
  return { workflowId: desc.workflowId, runId: desc.runId, plan, status, aborted: false, running };
}

export interface StopOptions {
  by: string;
  reason: string;
  /** Called while waiting for the aborted run to close (an activity heartbeats). */
  onWait?: () => void;
  pollMs?: number;
}

/**
 * Aborts the service's running deploy (rollback none) and waits until that run has closed,
 * then reads it: the last deploy as it ended. Safe to repeat: an abort already under way or a
 * run already ended is only waited for.
 */
export async function stopDeploy(client: Client, service: string, opts: StopOptions): Promise<LastDeploy | null> {
  const last = await readLastDeploy(client, service);
  if (!last || !last.running) return last;
  const run = deployHandle(client, last.workflowId, last.runId);
  let aborted = false;
  try {
    await run.executeUpdate(abortUpdate, { args: [{ reason: opts.reason, by: opts.by, rollback: 'none' }] });
    aborted = true;
  } catch (err) {
    // Already ended or being aborted by someone else: it closes by itself.
    if (!(err instanceof WorkflowUpdateFailedError || err instanceof WorkflowNotFoundError)) throw err;
  }
  for (;;) {
    if (isClosed(await run.describe())) break;
    opts.onWait?.();
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
  }
  const status = await statusOf(client, run, false, 30_000);
  return { ...last, status, aborted: aborted || last.aborted };
}

/** A run's own input plan: the first event of its history. */
async function planOf(client: Client, run: DeployHandle, runId: string): Promise<DeployInput['plan']> {
  const history = await run.fetchHistory();
  const payloads = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
  const input = (await decode(client, payloads)) as DeployInput | undefined;
  if (!input?.plan) throw new Error(`${run.workflowId} (run ${runId}) has no plan in its input`);
  return input.plan;
}

async function statusOf(client: Client, run: DeployHandle, running: boolean, queryTimeoutMs: number): Promise<DeployStatus> {
  const query = () => client.withDeadline(Date.now() + queryTimeoutMs, () => run.query(statusQuery));
  if (running) return query();
  try {
    return await run.result();
  } catch (err) {
    // A run that continued as the next queued version has no result: a worker replays its status.
    if (err instanceof WorkflowContinuedAsNewError) return query();
    throw err;
  }
}

async function decode(client: Client, payloads: Payload[] | null | undefined): Promise<unknown> {
  if (!payloads?.length) return undefined;
  const dc = client.options.loadedDataConverter;
  let decoded: Payload[] = payloads;
  for (const codec of [...dc.payloadCodecs].reverse()) decoded = await codec.decode(decoded);
  return dc.payloadConverter.fromPayload(decoded[0]);
}
