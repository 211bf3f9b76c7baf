// The activities: everything that touches the world. Dependencies are injected (environment
// for ${VAR}, fetch) so tests and the simulator can swap them; the worker passes nothing.
import { Context } from '@temporalio/activity';
import type { Check } from '../src/pipeline/schema.js';
import { HttpCheckProvider } from './checks/http.js';
import { PrometheusProvider } from './checks/prometheus.js';
import type { CheckProvider } from './checks/provider.js';
import { activityWatchDeps, watchRegion } from './checks/watch.js';
import { adapterFor } from './deploy/adapter.js';
import { createMigrationActivities } from './migrations.js';
import { createNotifyActivities } from './notify.js';
import type { CurrentVersionInput, DeployRegionInput, WatchInput, WatchResult } from './types.js';

/** How often currentVersion heartbeats while it reads (the workflow's heartbeat timeout is a few of these). */
const CURRENT_HEARTBEAT_EVERY_MS = 2_000;

export interface ActivityDeps {
  /** Where ${VAR} is read and what commands inherit; defaults to the worker's process.env. */
  env?: NodeJS.ProcessEnv;
  fetch?: typeof fetch;
}

export function createActivities(deps: ActivityDeps = {}) {
  const env = deps.env ?? process.env;
  const fetchFn = deps.fetch ?? globalThis.fetch;
  const prometheus = new PrometheusProvider({ env, fetch: fetchFn });
  const http = new HttpCheckProvider({ env, fetch: fetchFn });
  const providerFor = (check: Check): CheckProvider => (check.prometheus ? prometheus : http);

  return {
    ...createMigrationActivities({ env }),
    ...createNotifyActivities({ env, fetch: fetchFn }),
    /** The version a region runs before this deploy: its rollback target (null: runs nothing). */
    async currentVersion({ deploy, target }: CurrentVersionInput): Promise<string | null> {
      const ctx = Context.current();
      // A read may take up to a minute (a slow `current` command). Heartbeats let the server
      // notice a lost worker within the heartbeat timeout instead of the start-to-close one.
      ctx.heartbeat();
      const beat = setInterval(() => ctx.heartbeat(), CURRENT_HEARTBEAT_EVERY_MS);
      try {
        return await adapterFor(deploy, env, fetchFn).current(target, ctx.cancellationSignal);
      } finally {
        clearInterval(beat);
      }
    },

    /** Deploy target.version to target.region; idempotent per key; heartbeats while it runs. */
    async deployRegion({ deploy, target, key }: DeployRegionInput): Promise<void> {
      const ctx = Context.current();
      await adapterFor(deploy, env, fetchFn).deploy(target, key, ctx.cancellationSignal, (details) =>
        ctx.heartbeat(details),
      );
    },

    /** Soak a region: evaluate its gate's checks until a verdict (see checks/watch.ts). */
    async watchRegion(input: WatchInput): Promise<WatchResult> {
      return watchRegion(input, activityWatchDeps(providerFor));
    },
  };
}

/** What the workflow may call (proxyActivities<Activities>): the factory's own signatures, never written twice. */
export type Activities = ReturnType<typeof createActivities>;
