// The rollout: expand, then each stage in plan order, then contract. The regions of a stage (a
// wave) run in parallel, each through attempts (deploy, soak, gate, promote) until promoted; a
// held region holds its stage, and so every later stage, until `retry` or `abort`.
import { CancellationScope, condition, isCancellation } from '@temporalio/workflow';
import { contractSteps, expandSteps } from '../src/domain/migrations/phases.js';
import type { PlanRegion, Stage } from '../src/domain/pipeline/plan.js';
import { failureMessage, readCurrentVersion } from './activities.js';
import type { Ending } from './ending.js';
import type { RegionStatus } from './messages.js';
import { migrate, SchemaMigrationFailed } from './migrations.js';
import { failRegion } from './rollback.js';
import type { DeployRun } from './run.js';
import { gate, soak } from './soak.js';
import { waitForWindow } from './windows.js';
import { holdWhileFrozen } from './freeze-gate.js';

/** Runs the rollout in its own scope (an abort cancels it) and says how it ended. */
export async function rollOut(run: DeployRun): Promise<Ending> {
  const { plan } = run;
  run.status.migrations = [];
  try {
    run.rollout = new CancellationScope();
    await run.rollout.run(async () => {
      const beforeExpand = expandSteps(plan.migrations).length > 0 ? holdWhileFrozen(run, 'the expand migrations') : undefined;
      if (beforeExpand) await beforeExpand;
      await migrate(run, expandSteps(plan.migrations), 'expand');
      for (const stage of plan.stages) await runStage(run, stage);
      // Every region promoted and soaked: old code is gone everywhere, the contract may run.
      await migrate(run, contractSteps(plan.migrations), 'contract');
    });
    return { outcome: 'succeeded' };
  } catch (err) {
    if (run.rollbackAll) return { outcome: 'rolled_back', failure: run.rollbackAll };
    if (isCancellation(err) && run.state.abortRequest) return { outcome: 'aborted' };
    if (err instanceof SchemaMigrationFailed) return { outcome: 'failed', failure: err.message };
    throw err;
  }
}

async function runStage(run: DeployRun, stage: Stage): Promise<void> {
  const { state, status } = run;
  const regions = status.stages[stage.index].regions;
  if (state.manualPause) await condition(() => !state.manualPause);
  const frozen = holdWhileFrozen(run, `stage ${stage.index + 1} (${stage.regions.map((r) => r.name).join(', ')})`);
  if (frozen) await frozen;
  await waitForWindow(run, `stage ${stage.index + 1} (${stage.regions.map((r) => r.name).join(', ')})`);
  status.currentStage = stage.index;
  run.publish();
  await Promise.all(stage.regions.map((planned, i) => runRegion(run, regions[i], planned)));
}

/** Attempts until promoted; between attempts, the region is held until a `retry`. */
async function runRegion(run: DeployRun, region: RegionStatus, planned: PlanRegion): Promise<void> {
  const { state } = run;
  let redeploy = true;
  for (;;) {
    if ((await attempt(run, region, planned, redeploy)) === 'promoted') return;
    // An inconclusive region is soaked again on retry, not redeployed.
    const inconclusive = region.state === 'awaiting_approval';
    await condition(() => state.retries.has(region.name));
    state.retries.delete(region.name);
    region.attempt += 1;
    redeploy = !inconclusive;
  }
}

/** One attempt at a region: deploy (unless only soaking again), soak, gate, promote. */
async function attempt(run: DeployRun, region: RegionStatus, planned: PlanRegion, redeploy: boolean): Promise<'promoted' | 'held'> {
  const { plan, state } = run;
  const name = region.name;
  if (region.fromVersion === undefined) {
    region.fromVersion = run.input.previous ?? (await readCurrentVersion({ deploy: plan.deploy, target: run.target(name, plan.version) }));
  }
  if (redeploy) {
    state.setRegionState(region, 'deploying');
    region.deployStartedAt = state.now().toISOString();
    delete region.error;
    state.record('deploying', `deploying ${plan.version} to ${name} (was ${region.fromVersion ?? 'nothing'})`, { region: name });
    run.publish();
    try {
      await run.deployVersion(region, plan.version, `deploy#${region.attempt}`, `deploy ${name} ${plan.version}`);
    } catch (err) {
      if (isCancellation(err)) throw err;
      await failRegion(run, region, `deploy failed: ${failureMessage(err)}`);
      return 'held';
    }
  }
  state.setGate(region, 'watching');
  const soaked = await soak(run, region, planned);
  region.checks = soaked.checks;
  if ((await gate(run, region, planned, soaked)) === 'held') return 'held';
  // A manual pause stops promotion, not watching: wait here until resumed.
  if (state.manualPause) {
    run.publish();
    await condition(() => !state.manualPause);
  }
  const frozen = holdWhileFrozen(run, `promotion of ${name}`);
  if (frozen) await frozen;
  await waitForWindow(run, `promotion of ${name}`);
  state.setRegionState(region, 'promoted');
  state.record('promoted', `${name} promoted: gate "${planned.gate.name}" ${region.gate?.state}`, { region: name, by: region.gate?.by });
  run.publish();
  return 'promoted';
}
