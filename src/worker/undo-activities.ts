// The activities of a rollback and of a held deploy that talk to Temporal itself, through the
// activity's own client (src/client does the talking): stop the service's running deploy, and
// wait for the release of the rollback holding its train. Both are safe to retry.
import { Context } from '@temporalio/activity';
import { stopDeploy } from '../client/last-deploy.js';
import { openRollback } from '../client/rollback.js';
import type { UndoActivities } from '../../workflows/undo-messages.js';

const POLL_MS = 1000;

export function createUndoActivities(): UndoActivities {
  return {
    async stopDeploy({ service, by, reason }) {
      const ctx = Context.current();
      ctx.heartbeat();
      return stopDeploy(ctx.client, service, { by, reason, onWait: () => ctx.heartbeat() });
    },

    async awaitRelease({ service, waitMs }) {
      const ctx = Context.current();
      const until = Date.now() + waitMs;
      for (;;) {
        const holder = await openRollback(ctx.client, service);
        if (!holder || Date.now() >= until) return holder && { workflowId: holder.workflowId, runId: holder.runId, by: holder.by, reason: holder.reason };
        ctx.heartbeat();
        await ctx.sleep(POLL_MS); // throws when the activity is cancelled (the held deploy was aborted)
      }
    },
  };
}
