// The deploys' side of freezes: read the freeze that holds a service now (at every gate), and
// tell the running deploys when a freeze is set, starts, ends or is lifted, so one held at a
// gate goes on at once and an approval is refused while frozen.
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import { FREEZE_MESSAGES, FREEZE_WORKFLOW_ID, freezeFor, type Freeze, type FreezeReading } from '../src/domain/freeze.js';

/** How long a held deploy waits before reading again if no freeze-changed arrives: the fallback. */
const DEFAULT_RECHECK_MS = 60_000;
/** The deploy workflow's type (src/client/workflow.ts WORKFLOW_TYPE), which activities may not import. */
const DEPLOY_WORKFLOW_TYPE = 'multiRegionDeploy';

export function createFreezeActivities({ env }: { env: NodeJS.ProcessEnv }) {
  const recheckMs = recheckOf(env);
  return {
    /** The freeze holding `service` now (none when no freeze was ever set). */
    async readFreeze({ service }: { service: string }): Promise<FreezeReading> {
      const { client } = Context.current();
      let freezes: Freeze[];
      try {
        freezes = await client.workflow.getHandle(FREEZE_WORKFLOW_ID).query<Freeze[]>(FREEZE_MESSAGES.query);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return { recheckMs };
        throw err;
      }
      const freeze = freezeFor(freezes, service, Date.now());
      return freeze ? { freeze, recheckMs } : { recheckMs };
    },

    /** Signals every running deploy with the freezes as they are now. */
    async announceFreezes({ freezes }: { freezes: Freeze[] }): Promise<number> {
      const { client } = Context.current();
      let told = 0;
      const query = `WorkflowType = '${DEPLOY_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'`;
      for await (const wf of client.workflow.list({ query })) {
        try {
          await client.workflow.getHandle(wf.workflowId, wf.runId).signal(FREEZE_MESSAGES.changed, { freezes });
          told++;
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err; // it ended in between
        }
      }
      return told;
    },
  };
}

function recheckOf(env: NodeJS.ProcessEnv): number {
  const raw = env.FIREBREAK_FREEZE_RECHECK_MS;
  if (raw === undefined || raw === '') return DEFAULT_RECHECK_MS;
  const ms = Number(raw);
  if (!Number.isFinite(ms) || ms < 100) throw new Error(`FIREBREAK_FREEZE_RECHECK_MS=${raw} is not a number of milliseconds (at least 100)`);
  return ms;
}
