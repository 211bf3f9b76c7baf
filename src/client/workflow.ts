// The deploy workflow as clients see it: typed by the workflow function itself (types only, so
// no workflow code runs in the client), so a handle's result() is a DeployStatus without a cast.
import type { Client, WorkflowHandle } from '@temporalio/client';
import type * as workflows from '../../workflows/index.js';

/** The workflow type's name: it must name a function the worker's workflows module exports. */
export const WORKFLOW_TYPE = 'multiRegionDeploy' satisfies keyof typeof workflows;
export type DeployWorkflow = (typeof workflows)[typeof WORKFLOW_TYPE];
export type DeployHandle = WorkflowHandle<DeployWorkflow>;

/**
 * A deploy's handle: the latest run, or pinned to runId. A pinned handle stays on its run:
 * its result() does not follow a continue-as-new (train.mode queue) into the next version's
 * run, it throws WorkflowContinuedAsNewError naming that run.
 */
export function deployHandle(client: Client, workflowId: string, runId?: string): DeployHandle {
  return client.workflow.getHandle<DeployWorkflow>(workflowId, runId, runId ? { followRuns: false } : undefined);
}
