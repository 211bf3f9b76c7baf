// Starting a deploy: one workflow per service (`deploy-<service>`), made unique by Temporal's
// workflow-id uniqueness rather than a racy look-up. Starting the version already running
// attaches to it (CI retries are safe); another version is refused unless superseding.
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { Plan } from '../pipeline/plan.js';
import { abortUpdate, WORKFLOW_TYPE, type DeployInput } from '../../workflows/messages.js';
import { FirebreakOwner, FirebreakPhase, FirebreakService, FirebreakVersion } from '../../workflows/search-attributes.js';
import { workflowIdFor } from '../temporal/names.js';
import { CliError } from '../cli/fail.js';

export interface StartOptions {
  plan: Plan;
  taskQueue: string;
  previous?: string;
  startedBy?: string;
  supersede?: boolean;
}

export interface Started {
  handle: WorkflowHandle;
  /** True when the same version was already running and we attached to it. */
  attached: boolean;
  superseded?: string;
}

export function staticSummary(plan: Plan): string {
  return `${plan.service} ${plan.version}: ${plan.stages.map((s) => s.regions.map((r) => r.name).join('+')).join(' > ')}`;
}

export async function startDeploy(client: Client, opts: StartOptions): Promise<Started> {
  const { plan } = opts;
  const workflowId = workflowIdFor(plan.service);
  const input: DeployInput = { plan, previous: opts.previous, startedBy: opts.startedBy };
  const start = () =>
    client.workflow.start(WORKFLOW_TYPE, {
      workflowId,
      taskQueue: opts.taskQueue,
      args: [input],
      staticSummary: staticSummary(plan),
      staticDetails: `- owner: ${plan.owner}\n- runbook: ${plan.runbook}\n- stages: ${plan.stages.length}, customers: ${plan.totalCustomers}`,
      typedSearchAttributes: [
        { key: FirebreakService, value: plan.service },
        { key: FirebreakVersion, value: plan.version },
        { key: FirebreakOwner, value: plan.owner },
        { key: FirebreakPhase, value: 'running' },
      ],
    });
  try {
    return { handle: await start(), attached: false };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  const running = client.workflow.getHandle(workflowId);
  const desc = await running.describe();
  const version = desc.typedSearchAttributes.get(FirebreakVersion);
  const phase = desc.typedSearchAttributes.get(FirebreakPhase);
  if (version === plan.version) return { handle: running, attached: true };
  if (!opts.supersede) {
    throw new CliError(
      `${workflowId} is already deploying ${plan.service} ${version} (phase ${phase}); ` +
        `wait for it, abort it (firebreak abort ${plan.service}), or start with --supersede`,
    );
  }
  await running.executeUpdate(abortUpdate, {
    args: [{ reason: `superseded by ${plan.version}`, by: opts.startedBy, rollback: 'none' }],
  });
  return { handle: await start(), attached: false, superseded: version };
}
