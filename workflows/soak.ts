// The soak and the gate of one region. The soak is a bake, time and evidence: it ends when its
// time has passed and every check has minSamples. Samples lost to a dead worker or a slow source
// extend it, up to maxExtension; only then does onNoData apply. The gate then decides: a breach
// fails the region, missing data fails it or waits for a person, a manual gate waits for an
// approval.
import { CancellationScope, condition, patched, sleep } from '@temporalio/workflow';
import type { WatchControl, WatchResult, WatchTally } from '../activities/types.js';
import { formatDuration } from '../src/domain/pipeline/duration.js';
import type { PlanRegion } from '../src/domain/pipeline/plan.js';
import { watchRegion } from './activities.js';
import type { RegionStatus } from './messages.js';
import { nextCommand } from './notifications.js';
import { failRegion } from './rollback.js';
import type { DeployRun } from './run.js';

/** Marks histories whose soaks extend for missing samples (before it: no_data paused at once). */
const SOAK_BAKE_PATCH = 'soak-bake';
/** Marks histories whose soaks hold a pass until their own durable timer has fired. */
const SOAK_TIMER_PATCH = 'soak-timer';
/** Marks histories whose last stage reads the promoted regions for the environment rule. */
const PROMOTED_CONTROL_PATCH = 'soak-promoted-control';

export async function soak(run: DeployRun, region: RegionStatus, planned: PlanRegion): Promise<WatchResult> {
  const started = run.state.now().getTime();
  const deadline = started + planned.soakMs;
  run.state.setRegionState(region, 'soaking');
  region.checks = [];
  delete region.soakExtendedUntil;
  region.soakStartedAt = new Date(started).toISOString();
  region.soakEndsAt = new Date(deadline).toISOString();
  run.publish();
  const timer = patched(SOAK_TIMER_PATCH) ? soakTimer(planned.soakMs) : undefined;
  return timer ? timer.hold(await bake(run, region, planned, deadline, started)) : bake(run, region, planned, deadline, started);
}

/**
 * The soak's own length, kept by the server: a durable timer started with the soak. A `pass`
 * rests on the watcher's clock and on when the workflow task that reads it runs, and after a
 * lost worker or server neither is the soak's length; the timer is, and a pass waits for it.
 * Any other verdict cancels it (a breach rolls back at once). An abort cancels it with the
 * rollout, and the cancellation goes on up.
 */
function soakTimer(ms: number): { hold(result: WatchResult): Promise<WatchResult> } {
  const scope = new CancellationScope();
  const fired = scope.run(() => sleep(ms));
  fired.catch(() => undefined); // a cancelled, unawaited timer is no failure of the workflow
  return {
    async hold(result) {
      if (result.verdict !== 'pass') {
        scope.cancel();
        return result;
      }
      await fired;
      return result;
    },
  };
}

/** The watch, then the bake extension when samples are missing. */
async function bake(run: DeployRun, region: RegionStatus, planned: PlanRegion, deadline: number, started: number): Promise<WatchResult> {
  const result = await watch(run, region, planned, deadline, started);
  // Plans from before the bake carry no maxExtensionMs: half the soak, as the schema says.
  const extension = planned.maxExtensionMs ?? Math.round(planned.soakMs / 2);
  if (result.verdict !== 'no_data' || extension <= 0 || !patched(SOAK_BAKE_PATCH)) return result;
  // From when the shortfall is known: a verdict delayed by a lost or busy worker still gets
  // the whole extension to collect what that worker could not.
  const until = Math.max(deadline, run.state.now().getTime()) + extension;
  region.checks = result.checks;
  region.soakExtendedUntil = new Date(until).toISOString();
  run.state.record('soak_extended', `${region.name} soak extended until ${region.soakExtendedUntil} to collect samples: ${result.reason}`, { region: region.name });
  run.publish();
  return watch(run, region, planned, deadline, started, { until, resume: result.tally });
}

function watch(
  run: DeployRun,
  region: RegionStatus,
  planned: PlanRegion,
  deadline: number,
  startedAt: number,
  extension?: { until?: number; resume?: WatchTally },
): Promise<WatchResult> {
  const summary = extension ? `soak ${region.name} extended to collect samples` : `soak ${region.name} ${formatDuration(planned.soakMs)}`;
  const more = { ...(extension?.until !== undefined ? { until: extension.until } : {}), ...(extension?.resume ? { resume: extension.resume } : {}) };
  const control = controlOf(run, region, planned);
  return watchRegion(summary, {
    target: run.target(region.name, run.plan.version),
    gate: planned.gate,
    deadline,
    startedAt,
    ...more,
    ...(control ? { control } : {}),
  }, run.state.now().getTime());
}

/**
 * Peer judgement (docs/judgement.md): the control of a region whose gate has a check with `compare:`:
 * the regions of later stages, still on the previous version (none for the last stage, which
 * falls back to its own history before the deploy, and reads the regions already promoted to
 * tell a sick fleet). Undefined without compare checks, so the watch input of every other
 * deploy is as before.
 */
function controlOf(run: DeployRun, region: RegionStatus, planned: PlanRegion): WatchControl | undefined {
  if (!planned.gate.checks.some((c) => c.compare)) return undefined;
  const stage = run.plan.stages.findIndex((s) => s.regions.some((r) => r.name === region.name));
  const peers = run.plan.stages.slice(stage + 1).flatMap((s) => s.regions.map((r) => r.name));
  const deployStartedAt = region.deployStartedAt ? Date.parse(region.deployStartedAt) : undefined;
  const promoted =
    peers.length > 0
      ? []
      : run.plan.stages
          .slice(0, stage)
          .flatMap((s) => s.regions.map((r) => r.name))
          .filter((name) => run.state.region(name)?.state === 'promoted');
  return {
    peers,
    ...(promoted.length > 0 && patched(PROMOTED_CONTROL_PATCH) ? { promoted } : {}),
    fromVersion: region.fromVersion ?? null,
    ...(deployStartedAt !== undefined ? { deployStartedAt } : {}),
    soakMs: planned.soakMs,
    stepMs: planned.gate.intervalMs,
  };
}

/**
 * The gate after a soak: `passed` when the region may be promoted (on its checks, or on a
 * person's approval), `held` when it failed or waits for a retry.
 */
export async function gate(run: DeployRun, region: RegionStatus, planned: PlanRegion, soaked: WatchResult): Promise<'passed' | 'held'> {
  const { state } = run;
  const name = region.name;
  // Peer judgement: each compare check's verdict is recorded (shadow ones too).
  for (const j of soaked.judgements ?? []) {
    const mode = j.enforce ? '' : ' (shadow: never fails a region)';
    state.record('judgement', `${name} ${j.verdict.replace(/_/g, ' ')}: ${j.text}${mode}`, { region: name });
  }
  if (soaked.verdict === 'environment') {
    // The region and its control breach alike: the fleet is sick, not this version. No
    // rollback (it would make the incident worse); a person retries (re-soak) or aborts.
    state.setRegionState(region, 'awaiting_approval');
    state.setGate(region, 'inconclusive');
    state.holds.set(name, { kind: 'environment', reason: `environment: ${soaked.reason}` });
    state.record('environment', `${name}: ${soaked.reason}; not rolled back`, { region: name });
    run.publish(); // pauses the deploy, which notifies `paused` with the reason
    await condition(() => state.retries.has(name));
    return 'held';
  }
  if (soaked.verdict === 'breach') {
    state.record('breach', soaked.reason, { region: name });
    await failRegion(run, region, soaked.reason);
    return 'held';
  }
  if (soaked.verdict === 'no_data') {
    if (planned.gate.onNoData === 'fail') {
      await failRegion(run, region, `no data: ${soaked.reason}`);
      return 'held';
    }
    // Inconclusive: never promote on missing data. A person decides: retry re-soaks,
    // approve promotes on their judgement, abort ends the deploy.
    state.setRegionState(region, 'awaiting_approval');
    state.setGate(region, 'inconclusive');
    state.holds.set(name, { kind: 'inconclusive', reason: `checks inconclusive: ${soaked.reason}` });
    state.record('inconclusive', `${name}: ${soaked.reason}`, { region: name });
    run.publish();
    await condition(() => state.approvals.has(name) || state.retries.has(name));
    if (state.retries.has(name)) return 'held';
  } else if (planned.gate.approval === 'manual') {
    state.setRegionState(region, 'awaiting_approval');
    state.setGate(region, 'awaiting_approval');
    state.record('awaiting_approval', `${name} passed its checks; waiting for approval of gate "${planned.gate.name}"`, { region: name });
    run.publish();
    run.notifications.send('awaiting_approval', `${name} passed gate "${planned.gate.name}" and waits for approval`, nextCommand.approve(run.service, name), name);
    await condition(() => state.approvals.has(name));
  }
  if (state.approvals.has(name)) {
    state.setGate(region, 'approved', state.approvals.get(name));
    state.approvals.delete(name);
  } else {
    state.setGate(region, 'passed');
  }
  return 'passed';
}
