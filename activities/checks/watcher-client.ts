// The soak watcher's server side: heartbeats, completions and hand-overs by task token, through
// the worker's own client (Context.client: the worker's connection and namespace).
import { ActivityCancelledError, ActivityNotFoundError, ActivityPausedError, ActivityResetError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Check } from '../../src/domain/pipeline/schema.js';
import type { CheckProvider } from '../../src/domain/soak/provider.js';
import type { WatcherDeps } from './watcher.js';

/** The server no longer runs this attempt: timed out and retried, workflow closed, reset or paused. */
const gone = (err: unknown) => err instanceof ActivityNotFoundError || err instanceof ActivityResetError || err instanceof ActivityPausedError;

export function clientWatcherDeps(client: Client, providerFor: (check: Check) => CheckProvider, clockSkewMs = 0): WatcherDeps {
  return {
    now: () => Date.now() + clockSkewMs,
    providerFor,
    async heartbeat(token, tally) {
      try {
        await client.activity.heartbeat(token, tally);
        return 'ok';
      } catch (err) {
        if (err instanceof ActivityCancelledError) return 'cancelled';
        if (gone(err)) return 'gone';
        throw err;
      }
    },
    async complete(token, result) {
      try {
        await client.activity.complete(token, result);
        return 'ok';
      } catch (err) {
        if (gone(err)) return 'gone';
        throw err;
      }
    },
    async reportCancellation(token) {
      await client.activity.reportCancellation(token).catch(() => undefined);
    },
    async handOver(token, reason) {
      await client.activity.fail(token, ApplicationFailure.retryable(reason, 'WorkerShutdown'));
    },
  };
}
