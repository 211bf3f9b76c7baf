// The activities: everything that touches the world. Dependencies are injected (environment
// for ${VAR}) so tests and the simulator can swap them; the worker passes nothing.
import { Context } from '@temporalio/activity';
import type { Check } from '../src/pipeline/schema.js';
import { checkClient } from './checks/client.js';
import { HttpCheckProvider } from './checks/http.js';
import { PrometheusProvider } from './checks/prometheus.js';
import type { CheckProvider } from './checks/provider.js';
import { activityWatchDeps, watchRegion } from './checks/watch.js';
import { adapterFor } from './deploy/adapter.js';
import { createMigrationActivities } from './migrations.js';
import { createNotifyActivities } from './notify.js';
import { CURRENT_HEARTBEAT_EVERY_MS } from './limits.js';
import type { CurrentVersionInput, DeployRegionInput, WatchInput, WatchResult } from './types.js';

export interface ActivityDeps {
  /** Where ${VAR} is read and what commands inherit; defaults to the worker's process.env. */
  env?: NodeJS.ProcessEnv;
}

export function createActivities(deps: ActivityDeps = {}) {
  const env = deps.env ?? process.env;
  const checks = checkClient();
  const prometheus = new PrometheusProvider({ env, client: checks });
  const http = new HttpCheckProvider({ env, client: checks });
  const providerFor = (check: Check): CheckProvider => (check.prometheus ? prometheus : http);

  return {
    ...createMigrationActivities({ env }),
    ...createNotifyActivities({ env }),
    /** The version a region runs before this deploy: its rollback target (null: runs nothing). */
    async currentVersion({ deploy, target }: CurrentVersionInput): Promise<string | null> {
      const ctx = Context.current();
      // A read may take up to a minute (a slow `current` command). Heartbeats let the server
      // notice a lost worker within the heartbeat timeout instead of the start-to-close one.
      ctx.heartbeat();
      const beat = setInterval(() => ctx.heartbeat(), CURRENT_HEARTBEAT_EVERY_MS);
      try {
        return await adapterFor(deploy, env).current(target, ctx.cancellationSignal);
      } finally {
        clearInterval(beat);
      }
    },

    /** Deploy target.version to target.region; idempotent per key; heartbeats while it runs. */
    async deployRegion({ deploy, target, key }: DeployRegionInput): Promise<void> {
      const ctx = Context.current();
      await adapterFor(deploy, env).deploy(target, key, ctx.cancellationSignal, (details) =>
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
