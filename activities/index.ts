// The activities: everything that touches the world. Dependencies are injected (environment
// for ${VAR}) so tests and the simulator can swap them; the worker passes nothing.
import { CompleteAsyncError, Context } from '@temporalio/activity';
import type { Check } from '../src/domain/pipeline/schema.js';
import { checkClient } from './checks/client.js';
import { HttpCheckProvider } from './checks/http.js';
import { PrometheusProvider } from './checks/prometheus.js';
import { CommandCheckProvider } from './checks/command.js';
import { KubernetesCheckProvider } from './checks/kubernetes.js';
import { readChecksOnce, type ReadChecksInput } from './checks/read-once.js';
import type { CheckProvider } from '../src/domain/soak/provider.js';
import { SoakWatcher, type WatcherOptions } from './checks/watcher.js';
import { clientWatcherDeps } from './checks/watcher-client.js';
import { soakingGauge, timedProviders } from './checks/metrics.js';
import { adapterFor } from './deploy/adapter.js';
import { whoStarted } from './deploy/who.js';
import { createMigrationActivities } from './migrations.js';
import { createNotifyActivities } from './notify.js';
import { createFreezeActivities } from './freeze.js';
import { createRecordActivities } from './records.js';
import { CURRENT_HEARTBEAT_EVERY_MS } from '../src/domain/limits.js';
import type { CurrentVersionInput, DeployRegionInput, WatchInput, WatchResult } from './types.js';

export interface ActivityDeps {
  /** Where ${VAR} is read and what commands inherit; defaults to the worker's process.env. */
  env?: NodeJS.ProcessEnv;
  /** The soak watcher's settings (the bench and tests tune them). */
  watcher?: WatcherOptions;
}

/** Each activities object's soak watcher, once its first soak arrives (the worker stops it on shutdown). */
const watchers = new WeakMap<object, SoakWatcher>();
export const watcherOf = (activities: object): SoakWatcher | undefined => watchers.get(activities);

export function createActivities(deps: ActivityDeps = {}) {
  const env = deps.env ?? process.env;
  const checks = checkClient();
  const prometheus = new PrometheusProvider({ env, client: checks });
  const http = new HttpCheckProvider({ env, client: checks });
  const command = new CommandCheckProvider({ env });
  const kubernetes = new KubernetesCheckProvider({ env });
  const providerFor = (check: Check): CheckProvider =>
    check.prometheus ? prometheus : check.command ? command : check.kubernetes ? kubernetes : http;
  // Read at start, so a worker given a bad value refuses to start instead of failing its first soak.
  const skewMs = watchClockSkew(env);

  let watcher: SoakWatcher | undefined;
  const activities = {
    ...createMigrationActivities({ env }),
    ...createNotifyActivities({ env }),
    ...createFreezeActivities({ env }),
    ...createRecordActivities({ env }),
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
      await adapterFor(deploy, env, { who: whoStarted }).deploy(target, key, ctx.cancellationSignal, (details) =>
        ctx.heartbeat(details),
      );
    },

    /** Each check read once in the region (a rollback reports them, never gates on them). */
    async readChecks(input: ReadChecksInput) {
      return readChecksOnce(providerFor, input, Context.current().cancellationSignal);
    },

    /**
     * Soak a region: hand it to this worker's soak watcher (checks/watcher.ts), which evaluates
     * the gate's checks until a verdict and completes this activity with it. Returning at once
     * frees the activity slot for the soak's whole length.
     */
    async watchRegion(input: WatchInput): Promise<WatchResult> {
      const ctx = Context.current();
      if (!watcher) {
        // The worker's meter (its Prometheus endpoint under `firebreak worker --metrics`; else nowhere).
        const meter = ctx.metricMeter;
        watcher = new SoakWatcher({ ...clientWatcherDeps(ctx.client, timedProviders(providerFor, meter), skewMs), soaking: soakingGauge(meter) }, deps.watcher);
        watchers.set(activities, watcher);
      }
      const { workflowExecution: run, activityId } = ctx.info;
      watcher.adopt(`${run?.workflowId}/${run?.runId}/${activityId}`, ctx.info.taskToken, input, ctx.info.heartbeatDetails);
      throw new CompleteAsyncError();
    },
  };
  return activities;
}

/**
 * A fault for tests and chaos campaigns only: the soak watcher's clock runs this many ms ahead,
 * so its soaks answer early, as a watcher on a wrong clock would. The workflow's own soak timer
 * holds every soak to its full length regardless; this proves it. Refused when not a number.
 */
export function watchClockSkew(env: NodeJS.ProcessEnv): number {
  const raw = env.FIREBREAK_FAULT_WATCH_CLOCK_SKEW_MS;
  if (raw === undefined || raw === '') return 0;
  const ms = Number(raw);
  if (!Number.isFinite(ms)) throw new Error(`FIREBREAK_FAULT_WATCH_CLOCK_SKEW_MS=${raw} is not a number of milliseconds`);
  console.warn(`firebreak worker: FAULT INJECTED: the soak watcher's clock runs ${ms} ms ahead (FIREBREAK_FAULT_WATCH_CLOCK_SKEW_MS)`);
  return ms;
}

/** What the workflow may call (proxyActivities<Activities>): the factory's own signatures, never written twice. */
export type Activities = ReturnType<typeof createActivities>;
