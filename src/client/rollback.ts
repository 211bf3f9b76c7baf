// Starting a rollback (`rollback-<service>`, workflows/service-rollback.ts): one per service,
// made unique by Temporal's workflow-id uniqueness. A second rollback while one is open
// attaches to it; one with another --to is refused. And who holds a service's train.
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { FirebreakOwner, FirebreakPhase, FirebreakService, FirebreakVersion } from '../../workflows/search-attributes.js';
import { TERMINAL_PHASES, type DeployPhase } from '../../workflows/messages.js';
import { ROLLBACK_WORKFLOW_TYPE, rollbackIdFor, type RollbackInput, type TrainHolder } from '../../workflows/undo-messages.js';
import type * as workflows from '../../workflows/index.js';

export type RollbackWorkflow = (typeof workflows)[typeof ROLLBACK_WORKFLOW_TYPE];
export type RollbackHandle = WorkflowHandle<RollbackWorkflow>;

/** Who started a rollback, why, and to what: kept in its memo, read without a worker. */
interface RollbackMemo {
  by?: string;
  reason?: string;
  to?: string;
}

export function rollbackHandle(client: Client, service: string, runId?: string): RollbackHandle {
  return client.workflow.getHandle<RollbackWorkflow>(rollbackIdFor(service), runId, runId ? { followRuns: false } : undefined);
}

/** The open rollback of the service (it holds the train until released), or null. */
export async function openRollback(client: Client, service: string): Promise<(TrainHolder & { to?: string }) | null> {
  let desc;
  try {
    desc = await rollbackHandle(client, service).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
  if (desc.status.name !== 'RUNNING') return null;
  // Released (or failed before holding): it only finishes its last workflow task.
  if (TERMINAL_PHASES.includes(desc.typedSearchAttributes.get(FirebreakPhase) as DeployPhase)) return null;
  const memo = (desc.memo ?? {}) as RollbackMemo;
  return { workflowId: desc.workflowId, runId: desc.runId, ...(memo.by ? { by: memo.by } : {}), ...(memo.reason ? { reason: memo.reason } : {}), ...(memo.to ? { to: memo.to } : {}) };
}

export class RollbackRefused extends Error {
  override name = 'RollbackRefused';
}

export interface RollbackStarted {
  handle: RollbackHandle;
  /** True when a rollback was already under way and this one attached to it. */
  attached: boolean;
}

/** Starts the rollback, or attaches to the one under way (refused when it goes to another version). */
/** `check` runs only when a new rollback would start: it throws a RollbackRefused to refuse. */
export async function startRollback(
  client: Client,
  input: RollbackInput & { owner?: string },
  taskQueue: string,
  check: () => Promise<void> = async () => {},
): Promise<RollbackStarted> {
  const { owner, ...args } = input;
  const attach = async (): Promise<RollbackStarted | undefined> => {
    const open = await openRollback(client, input.service);
    if (!open) return undefined;
    if (input.to && open.to !== input.to) {
      throw new RollbackRefused(
        `a rollback of ${input.service}${open.to ? ` to ${open.to}` : ''} is already under way (${open.workflowId}, by ${open.by ?? 'unknown'}: ${open.reason ?? ''}); ` +
          `release it first (firebreak release ${input.service} --reason R); nothing changed`,
      );
    }
    return { handle: rollbackHandle(client, input.service, open.runId), attached: true };
  };
  const existing = await attach();
  if (existing) return existing;
  await check();
  try {
    const memo: RollbackMemo = { by: input.by, reason: input.reason, ...(input.to ? { to: input.to } : {}) };
    const handle = await client.workflow.start<RollbackWorkflow>(ROLLBACK_WORKFLOW_TYPE, {
      workflowId: rollbackIdFor(input.service),
      taskQueue,
      args: [args],
      memo: memo as Record<string, unknown>,
      staticSummary: `rollback of ${input.service}${input.to ? ` to ${input.to}` : ''}: ${input.reason}`.slice(0, 200),
      typedSearchAttributes: [
        { key: FirebreakService, value: input.service },
        { key: FirebreakVersion, value: input.to ?? '-' },
        { key: FirebreakPhase, value: 'running' },
        ...(owner ? [{ key: FirebreakOwner, value: owner }] : []),
      ],
    });
    return { handle: rollbackHandle(client, input.service, handle.firstExecutionRunId), attached: false };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    // Started at the same moment by someone else (or a released one still closing).
    const raced = await attach();
    if (raced) return raced;
    throw new RollbackRefused(`${rollbackIdFor(input.service)} is closing (just released); run the rollback again; nothing changed`);
  }
}
