// serviceRollback: a finished (or running) deploy undone fast (docs/operating.md, "Roll back a
// finished deploy"). It aborts the service's running deploy first (as --supersede does), then
// takes every region to the version it ran before that deploy, or to `to`: no soaks, no
// windows, every region at once (or stage by stage with inOrder). Each region's checks are
// read once afterwards and reported, never gating. Then it holds the service's train: it stays
// open in `holding` until `release`, and every deploy of the service waits for that before
// touching a region (workflows/train-hold.ts). Deterministic code only.
import { ApplicationFailure, allHandlersFinished, condition, proxyActivities, setCurrentDetails, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import { FailureType } from '../src/domain/failures.js';
import { deployTimeoutMs } from '../src/domain/pipeline/deploy-timeout.js';
import type { Plan } from '../src/domain/pipeline/plan.js';
import { deployRegion, failureMessage } from './activities.js';
import { detailsMarkdown } from './details.js';
import { statusQuery, type DeployStatus, type RegionStatus } from './messages.js';
import { workflowClock } from './run.js';
import { FirebreakPhase, FirebreakRegion, FirebreakVersion } from './search-attributes.js';
import { DeployState } from './state.js';
import { rollbackInput, parseReleaseInput, releaseSignal, releaseUpdate, type LastDeploy, type RollbackInfo, type RollbackInput, type UndoActivities } from './undo-messages.js';
import { rollbackTargets, targetLabel, type RegionTarget } from './undo-targets.js';
import { claimedBy } from './inputs.js';

export type RollbackStatus = DeployStatus & { rollback: RollbackInfo };

const undo = proxyActivities<UndoActivities>({
  // Aborting a deploy waits for its last notifications (bounded) before it closes.
  startToCloseTimeout: '10m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '10s', maximumAttempts: 10 },
});
const reads = proxyActivities<Pick<Activities, 'readChecks' | 'currentVersion'>>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', maximumInterval: '10s', maximumAttempts: 3 },
});

export async function serviceRollback(raw: RollbackInput): Promise<RollbackStatus> {
  const parsed = rollbackInput.safeParse(raw);
  if (!parsed.success) throw ApplicationFailure.nonRetryable(`bad rollback input: ${parsed.error.issues[0]?.message}`, FailureType.CommandRefused);
  const run = new UndoRun(parsed.data);
  run.listen();
  run.state.record('started', `rollback of ${run.input.service}${run.input.to ? ` to ${run.input.to}` : ''} started: ${run.input.reason}`, { by: run.input.by });
  run.publish();

  const last = await undo.stopDeploy({ service: run.input.service, by: run.input.by, reason: `rolled back by ${run.input.by}: ${run.input.reason}` });
  if (!last) return run.end('failed', `no deploy of ${run.input.service} ever ran: nothing to roll back`);
  const targets = rollbackTargets(last.status, run.input.to);
  run.adopt(last, targets);
  if (!targets.some((t) => 'to' in t)) return run.end('failed', `the last deploy (${last.status.version}) left no region to take back`);

  run.info.stage = 'rolling_back';
  run.publish();
  const byRegion = new Map(targets.map((t) => [t.region, t]));
  const stages = last.plan.stages.map((stage) => stage.regions.map((r) => byRegion.get(r.name)).filter((t): t is RegionTarget => t !== undefined));
  if (run.input.inOrder) for (const stage of stages) await Promise.all(stage.map((t) => run.rollBack(t)));
  else await Promise.all(stages.flat().map((t) => run.rollBack(t)));

  run.info.stage = 'holding';
  const failed = run.info.failed.map((f) => `${f.region}: ${f.reason}`).join('; ');
  run.state.record('held', `${run.input.service}'s train is held: no version starts until firebreak release ${run.input.service} --reason R${failed ? ` (failed: ${failed})` : ''}`);
  run.publish();
  await condition(() => run.info.stage === 'released');
  return run.end(run.info.failed.length ? 'failed' : 'succeeded', failed || undefined);
}

/** The rollback's state: a DeployStatus (so every reader of a deploy reads it) plus `rollback`. */
class UndoRun {
  state: DeployState;
  readonly info: RollbackInfo;
  private plan?: Plan;
  private published = { phase: '', version: '', region: '' };
  private readonly workflowId: string;
  private readonly runId: string;

  constructor(readonly input: RollbackInput) {
    const { workflowId, runId } = workflowInfo();
    this.workflowId = workflowId;
    this.runId = runId;
    this.info = { stage: 'stopping', reason: input.reason, by: input.by, failed: [], ...(input.to ? { to: input.to } : {}) };
    // Until the last deploy is read, a status with no regions.
    this.state = new DeployState(
      { service: input.service, version: input.to ?? '-', owner: '', runbook: '', stages: [] } as unknown as Plan,
      workflowClock,
    );
  }

  get status(): RollbackStatus {
    return Object.assign(this.state.status, { rollback: this.info });
  }

  listen(): void {
    setHandler(statusQuery, () => this.status);
    setHandler(releaseSignal, (...args: unknown[]) => {
      const why = this.whyNotRelease(args);
      if (why) this.state.record('ignored', `release signal ignored: ${why}`, { by: claimedBy(args) });
      else this.release(args);
      this.publish();
    });
    setHandler(
      releaseUpdate,
      (...args: unknown[]): DeployStatus => {
        const why = this.whyNotRelease(args);
        if (why) throw ApplicationFailure.nonRetryable(why, FailureType.CommandRefused);
        this.release(args);
        this.publish();
        return JSON.parse(JSON.stringify(this.status)) as DeployStatus;
      },
      {
        validator: (...args: unknown[]) => {
          const why = this.whyNotRelease(args);
          if (why) throw new Error(why);
        },
      },
    );
  }

  private whyNotRelease(args: unknown[]): string | undefined {
    const parsed = parseReleaseInput(args);
    if (!parsed.ok) return parsed.reason;
    const { stage } = this.info;
    if (stage === 'released') return `the train of ${this.input.service} is already released`;
    if (stage !== 'holding') return `the rollback of ${this.input.service} is still under way (${stage.replace('_', ' ')}): release once every region is back`;
    return undefined;
  }

  private release(args: unknown[]): void {
    const parsed = parseReleaseInput(args);
    if (!parsed.ok) return;
    this.info.stage = 'released';
    this.info.releaseReason = parsed.input.reason;
    if (parsed.input.by) this.info.releasedBy = parsed.input.by;
    this.state.record('released', `${this.input.service}'s train released: ${parsed.input.reason}`, { by: parsed.input.by });
  }

  /** The last deploy read: its regions become this rollback's, its plan says how to deploy. */
  adopt(last: LastDeploy, targets: RegionTarget[]): void {
    this.plan = last.plan;
    const events = this.state.status.events;
    this.state = new DeployState({ ...last.plan, version: this.input.to ?? targetLabel(targets) }, workflowClock);
    this.state.status.events.unshift(...events);
    this.state.status.startedAt = events[0]?.at ?? this.state.status.startedAt;
    this.info.of = { workflowId: last.workflowId, runId: last.runId, version: last.status.version, aborted: last.aborted };
    if (last.aborted) {
      this.state.record('abort', `aborted the running deploy of ${last.status.version} (${last.workflowId}, run ${last.runId}) first`, { by: this.input.by });
    }
  }

  /** One region back to its target: read what it runs, deploy the target (once per key), read its checks. */
  async rollBack(t: RegionTarget): Promise<void> {
    const { state } = this;
    const region = state.region(t.region);
    const plan = this.plan;
    if (!region || !plan) return;
    if ('skip' in t) {
      state.record('rollback_skipped', t.skip, { region: t.region });
      return this.publish();
    }
    if ('fail' in t) return this.fail(region, t.fail);
    const target = { service: plan.service, region: region.name, version: t.to, deployId: `${this.workflowId}/${this.runId}` };
    state.setRegionState(region, 'rolling_back');
    state.setGate(region, 'watching');
    region.deployStartedAt = state.now().toISOString();
    this.publish();
    try {
      region.fromVersion = await reads.currentVersion({ deploy: plan.deploy, target });
      if (region.fromVersion === t.to) {
        state.record('rolled_back', `${region.name} already runs ${t.to}`, { region: region.name });
      } else {
        state.record('rollback_started', `rolling ${region.name} back to ${t.to} (was ${region.fromVersion ?? 'nothing'})`, { region: region.name });
        this.publish();
        // Idempotency key: the adapter deploys once per key, however often this is retried or replayed.
        await deployRegion(`rollback ${region.name} to ${t.to}`, deployTimeoutMs(plan.deploy), {
          deploy: plan.deploy,
          target,
          key: `${this.workflowId}/${this.runId}/${region.name}/${t.to}/rollback`,
        });
        state.record('rolled_back', `${region.name} rolled back to ${t.to}`, { region: region.name });
      }
      state.setRegionState(region, 'rolled_back');
    } catch (err) {
      return this.fail(region, `rollback to ${t.to} failed: ${failureMessage(err)}`);
    }
    this.publish();
    await this.readChecks(region, t.to);
  }

  /** Each check read once and reported: a rollback never waits for a soak or a gate. */
  private async readChecks(region: RegionStatus, version: string): Promise<void> {
    const planned = this.plan?.stages.flatMap((s) => s.regions).find((r) => r.name === region.name);
    const checks = planned?.gate.checks ?? [];
    if (checks.length === 0 || !this.plan) return;
    const target = { service: this.plan.service, region: region.name, version, deployId: `${this.workflowId}/${this.runId}` };
    try {
      region.checks = await reads.readChecks({ checks, target });
      const words = region.checks.map((c) => `${c.name} = ${c.value ?? 'no data'}${c.threshold ? ` (${c.threshold})` : ''}${c.breaches ? ' BREACHED' : ''}`);
      this.state.record('checks_read', `${region.name} on ${version}: ${words.join(', ')}`, { region: region.name });
      this.state.setGate(region, region.checks.some((c) => c.breaches > 0) ? 'failed' : region.checks.some((c) => c.value === null) ? 'inconclusive' : 'passed');
    } catch (err) {
      this.state.record('checks_read', `${region.name}: checks could not be read: ${failureMessage(err)}`, { region: region.name });
      this.state.setGate(region, 'inconclusive');
    }
    this.publish();
  }

  private fail(region: RegionStatus, reason: string): void {
    this.state.setRegionState(region, 'failed');
    region.error = reason;
    this.info.failed.push({ region: region.name, reason });
    this.state.record('rollback_failed', `${region.name}: ${reason}`, { region: region.name });
    this.publish();
  }

  /** The phase a deploy's reader understands: running, paused while holding, then the ending. */
  publish(): void {
    const { status } = this.state;
    if (this.state.terminal) status.phase = this.state.terminal;
    else if (this.info.stage === 'holding') {
      status.phase = 'paused';
      status.pausedReason = `holding the train of ${this.input.service}: firebreak release ${this.input.service} --reason R`;
    } else status.phase = 'running';
    if (status.phase !== 'paused') delete status.pausedReason;
    const region = status.stages.flatMap((s) => s.regions).filter((r) => r.state === 'rolling_back').map((r) => r.name).join(',');
    if (status.phase !== this.published.phase || status.version !== this.published.version || region !== this.published.region) {
      upsertSearchAttributes([
        { key: FirebreakPhase, value: status.phase },
        { key: FirebreakVersion, value: status.version },
        { key: FirebreakRegion, value: region || null },
      ]);
      this.published = { phase: status.phase, version: status.version, region };
    }
    setCurrentDetails(detailsMarkdown(status));
  }

  async end(outcome: 'succeeded' | 'failed', failure?: string): Promise<RollbackStatus> {
    const { state } = this;
    state.terminal = outcome;
    state.status.endedAt = state.now().toISOString();
    if (failure) state.status.failure = failure;
    const back = state.status.stages.flatMap((s) => s.regions).filter((r) => r.state === 'rolled_back').length;
    state.record(outcome, outcome === 'succeeded' ? `rollback of ${this.input.service} ended: ${back} regions back on ${state.status.version}` : `rollback of ${this.input.service} failed: ${failure}`);
    this.publish();
    await condition(allHandlersFinished);
    return this.status;
  }
}
