// Rollback: a region back to the version it ran before this deploy (its fromVersion, learned
// from the adapter, never guessed). A failed region is rolled back and held until `retry` or
// `abort`; under rollback.onFailure `all`, the whole rollout is cancelled instead.
import { CancellationScope } from '@temporalio/workflow';
import { failureMessage } from './activities.js';
import type { RegionStatus } from './messages.js';
import { nextCommand } from './notifications.js';
import type { DeployRun } from './run.js';

/** Raised inside the rollout scope when a region fails under rollback.onFailure `all`. */
export class RollbackAll extends Error {}

/** Back to the version the region ran before; false when it has none or the rollback failed. */
export async function rollBack(run: DeployRun, region: RegionStatus, why: string): Promise<boolean> {
  const { state } = run;
  const name = region.name;
  if (!region.fromVersion) {
    state.record('rollback_skipped', `${name} has no previous version to roll back to (${why})`, { region: name });
    return false;
  }
  state.setRegionState(region, 'rolling_back');
  state.record('rollback_started', `rolling ${name} back to ${region.fromVersion}: ${why}`, { region: name });
  run.publish();
  try {
    await run.deployVersion(region, region.fromVersion, `rollback#${region.attempt}`, `rollback ${name} to ${region.fromVersion}`);
    state.setRegionState(region, 'rolled_back');
    state.record('rolled_back', `${name} rolled back to ${region.fromVersion}`, { region: name });
    return true;
  } catch (err) {
    state.setRegionState(region, 'failed');
    region.error = `${region.error ?? why}; rollback to ${region.fromVersion} failed: ${failureMessage(err)}`;
    state.record('rollback_failed', `rollback of ${name} to ${region.fromVersion} failed: ${failureMessage(err)}`, { region: name });
    return false;
  } finally {
    run.publish();
  }
}

/** Rolls back every region `which` picks, in parallel, even while the rollout is cancelled. */
export async function rollBackRegions(run: DeployRun, which: (region: RegionStatus) => boolean, why: string): Promise<void> {
  const regions = run.status.stages.flatMap((stage) => stage.regions).filter(which);
  await CancellationScope.nonCancellable(() => Promise.all(regions.map((region) => rollBack(run, region, why))));
}

/** A region failed (its deploy, or its gate): roll it back and hold it for a person. */
export async function failRegion(run: DeployRun, region: RegionStatus, reason: string): Promise<void> {
  const { state } = run;
  const name = region.name;
  state.setRegionState(region, 'failed');
  region.error = reason;
  state.setGate(region, 'failed');
  state.record('region_failed', `${name} failed: ${reason}`, { region: name });
  run.publish();
  if (run.plan.rollback.onFailure === 'all') {
    run.rollbackAll = `${name} failed: ${reason}`;
    run.rollout?.cancel();
    throw new RollbackAll(run.rollbackAll);
  }
  const rolledBack = await rollBack(run, region, reason);
  if (rolledBack) {
    run.notifications.send('rolled_back', `${name} failed and was rolled back to ${region.fromVersion}: ${reason}`, nextCommand.retry(run.service, name), name);
  }
  state.holds.set(name, {
    kind: 'failed',
    reason: rolledBack ? `failed and rolled back to ${region.fromVersion}: ${reason}` : `failed, not rolled back: ${region.error}`,
  });
  run.publish();
}
