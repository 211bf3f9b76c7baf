// The freeze workflow as clients use it: freeze and unfreeze are updates-with-start (the first
// freeze of a namespace starts the workflow; later ones reach the running one), the list a query.
import { WithStartWorkflowOperation, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { FREEZE_WORKFLOW_ID, type Freeze, type FreezeAnswer, type FreezeInput, type UnfreezeInput } from '../domain/freeze.js';
import { freezesQuery, freezeUpdate, unfreezeUpdate, type firebreakFreezes } from '../../workflows/freeze.js';

/** The freeze workflow's answer to a refused update: its one-line reason. */
export class FreezeRefused extends Error {
  override name = 'FreezeRefused';
}

export async function setFreeze(client: Client, taskQueue: string, input: FreezeInput): Promise<FreezeAnswer> {
  return refusal(() => client.workflow.executeUpdateWithStart(freezeUpdate, { args: [input], startWorkflowOperation: startOperation(taskQueue) }));
}

export async function liftFreeze(client: Client, taskQueue: string, input: UnfreezeInput): Promise<FreezeAnswer> {
  return refusal(() => client.workflow.executeUpdateWithStart(unfreezeUpdate, { args: [input], startWorkflowOperation: startOperation(taskQueue) }));
}

/** Every freeze set (started, scheduled); none when no freeze was ever set. */
export async function listFreezes(client: Client): Promise<Freeze[]> {
  try {
    return await client.workflow.getHandle<typeof firebreakFreezes>(FREEZE_WORKFLOW_ID).query(freezesQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return [];
    throw err;
  }
}

function startOperation(taskQueue: string) {
  return new WithStartWorkflowOperation<typeof firebreakFreezes>('firebreakFreezes', {
    workflowId: FREEZE_WORKFLOW_ID,
    taskQueue,
    args: [{}],
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: 'firebreak freezes: every freeze of this namespace (firebreak freeze --list)',
  });
}

async function refusal<T>(send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) throw new FreezeRefused((err.cause as Error | undefined)?.message ?? err.message);
    throw err;
  }
}
