// The activities of a rollback and of a held deploy that talk to Temporal itself, through the
// activity's own client (src/client does the talking): stop the service's running deploy, and
// wait for the release of the rollback holding its train. Both are safe to retry.
import { Context } from '@temporalio/activity';
import { stopDeploy } from '../client/last-deploy.js';
import { openRollback } from '../client/rollback.js';
import type { UndoActivities } from '../../workflows/undo-messages.js';
import { markRolledBack, withRecords } from '../../activities/records/store.js';
import { RECORDS_URL_ENV } from '../domain/records/record.js';

const POLL_MS = 1000;

export function createUndoActivities(env: NodeJS.ProcessEnv = process.env): UndoActivities {
  return {
    async stopDeploy({ service, by, reason }) {
      const ctx = Context.current();
      ctx.heartbeat();
      const last = await stopDeploy(ctx.client, service, { by, reason, onWait: () => ctx.heartbeat() });
      // The deploy's record learns it was rolled back (a change failure in the review). Best
      // effort: a records database that is down must not hold up the rollback; `records import`
      // marks it later from the rollback's own result.
      const url = env[RECORDS_URL_ENV];
      if (last && url) {
        await withRecords(url, (c) => markRolledBack(c, last.workflowId, last.runId, new Date().toISOString(), by)).catch((err: Error) =>
          ctx.log.warn('the deploy record could not be marked rolled back', { error: err.message }),
        );
      }
      return last;
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
