// The deploy's status as the workflow keeps it, and the rules deciding which operator commands
// make sense in which state. Pure: no Temporal APIs, so it is unit-testable on its own.
import type { Plan } from '../src/domain/pipeline/plan.js';
import {
  type AbortInput,
  type ApproveInput,
  type DeployEvent,
  type DeployEventKind,
  type DeployStatus,
  type DeployPhase,
  type EnqueueInput,
  type QueuedVersion,
  type GateState,
  type PauseInput,
  type RegionState,
  type RegionStatus,
  type ResumeInput,
  type RetryInput,
  type StageStatus,
} from './messages.js';
import { stageGate } from './gate.js';
import { describeFreeze, freezeFor, type Freeze } from '../src/domain/freeze.js';

/**
 * Why a region is waiting for an operator: failed and rolled back, a check inconclusive, or
 * `environment` (the region and its control breach alike: the fleet is sick, not this
 * version; no rollback, and no approval either: retry re-soaks, abort ends).
 */
export type Hold = { kind: 'failed' | 'inconclusive' | 'environment'; reason: string };

export class DeployState {
  readonly status: DeployStatus;
  manualPause?: { reason: string; by?: string };
  readonly holds = new Map<string, Hold>();
  readonly retries = new Set<string>();
  readonly approvals = new Map<string, string | undefined>();
  abortRequest?: AbortInput;
  /** Set while a rollback of the service holds its train (workflows/train-hold.ts): why this deploy waits. */
  trainHold?: { reason: string };
  terminal?: DeployPhase;
  /** The queue (train.mode queue), oldest first: each version's entry and the input its run will get. */
  readonly queue = new Map<string, { entry: QueuedVersion; input: EnqueueInput }>();
  /** The freezes as the freeze workflow last told this deploy (freeze-changed); read at approve. */
  knownFreezes: Freeze[] = [];
  /** Set by freeze-changed: a deploy held by a freeze reads it again at once. */
  freezeNudged = false;

  constructor(plan: Plan, now: () => Date) {
    this.clock = now;
    this.status = {
      service: plan.service,
      version: plan.version,
      owner: plan.owner,
      runbook: plan.runbook,
      phase: 'running',
      currentStage: 0,
      stages: plan.stages.map<StageStatus>((s) => ({
        index: s.index,
        regions: s.regions.map<RegionStatus>((r) => ({
          name: r.name,
          customers: r.customers,
          state: 'pending',
          attempt: 1,
          checks: [],
          gate: { state: 'pending' },
        })),
        gate: { name: s.gate.name, approval: s.gate.approval, state: 'pending' },
      })),
      events: [],
      startedAt: now().toISOString(),
      ...(plan.hotfix ? { hotfix: plan.hotfix } : {}),
    };
  }

  private readonly clock: () => Date;

  /** The workflow's one clock: every time the deploy records or computes comes from here. */
  now(): Date {
    return this.clock();
  }

  /**
   * The one door for a region's state word: nothing else assigns `region.state`, so a search
   * for this method finds every transition the deploy can make.
   */
  setRegionState(region: RegionStatus, state: RegionState): void {
    region.state = state;
  }

  region(name: string): RegionStatus | undefined {
    for (const s of this.status.stages) for (const r of s.regions) if (r.name === name) return r;
    return undefined;
  }

  /** Sets a region's gate; its stage's gate state follows from its regions' (workflows/gate.ts). */
  setGate(region: RegionStatus, state: GateState, by?: string): void {
    region.gate = by ? { state, by } : { state };
    const stage = this.status.stages.find((s) => s.regions.includes(region));
    if (!stage) return;
    const { state: stageState, by: stageBy } = stageGate(stage.regions);
    stage.gate.state = stageState;
    if (stageBy) stage.gate.by = stageBy;
    else delete stage.gate.by;
  }

  record(kind: DeployEventKind, message: string, extra: { by?: string; region?: string } = {}): void {
    const event: DeployEvent = { at: this.now().toISOString(), kind, message };
    if (extra.by) event.by = extra.by;
    if (extra.region) event.region = extra.region;
    this.status.events.push(event);
  }

  /** The phase follows from the facts: terminal, else paused when anything waits for a person. */
  refreshPhase(): void {
    const status = this.status;
    if (this.terminal) {
      status.phase = this.terminal;
      delete status.pausedReason;
      return;
    }
    const reasons: string[] = [];
    if (this.manualPause) {
      reasons.push(`paused by ${this.manualPause.by ?? 'an operator'}: ${this.manualPause.reason}`);
    }
    if (status.frozen) reasons.push(`frozen at ${status.frozen.at}: ${status.frozen.scope === '*' ? 'every service' : status.frozen.scope} frozen${status.frozen.by ? ` by ${status.frozen.by}` : ''}: ${status.frozen.reason}`);
    for (const [region, hold] of this.holds) reasons.push(`${region}: ${hold.reason}`);
    if (this.trainHold) reasons.push(this.trainHold.reason);
    status.phase = reasons.length > 0 ? 'paused' : 'running';
    if (reasons.length > 0) status.pausedReason = reasons.join('; ');
    else delete status.pausedReason;
  }

  isTerminal(): boolean {
    return this.terminal !== undefined;
  }

  /** Paused by a freeze alone: no pauseTimeout applies, the deploy goes on by itself when it ends. */
  onlyFrozen(): boolean {
    return this.status.frozen !== undefined && !this.manualPause && this.holds.size === 0;
  }

  /** The freeze that holds this deploy now, as last read or told; none with --override-freeze. */
  freezeNow(): Freeze | undefined {
    if (this.status.overrideFreeze) return undefined;
    const f = this.status.frozen;
    if (f) return { scope: f.scope, reason: f.reason, from: f.since, ...(f.by ? { by: f.by } : {}), ...(f.until ? { until: f.until } : {}) };
    return freezeFor(this.knownFreezes, this.status.service, this.now().getTime());
  }

  /** Regions waiting on an approval: a manual gate that passed, or an inconclusive check. */
  awaitingApproval(): string[] {
    const out: string[] = [];
    for (const s of this.status.stages) {
      for (const r of s.regions) if (r.state === 'awaiting_approval' && this.holds.get(r.name)?.kind !== 'environment') out.push(r.name);
    }
    return out;
  }

  // --- validation: the reason a command is refused, or undefined when it makes sense now ---

  whyNotPause(_input: PauseInput): string | undefined {
    if (this.terminal) return `the deploy has already ended (${this.terminal})`;
    if (this.abortRequest) return 'the deploy is being aborted';
    if (this.manualPause) return `already paused by ${this.manualPause.by ?? 'an operator'}: ${this.manualPause.reason}`;
    return undefined;
  }

  whyNotResume(_input: ResumeInput): string | undefined {
    if (this.terminal) return `the deploy has already ended (${this.terminal})`;
    if (this.abortRequest) return 'the deploy is being aborted';
    if (!this.manualPause) {
      if (this.holds.size > 0) {
        const [region, hold] = [...this.holds][0];
        return `not paused by an operator; ${region} is held (${hold.reason}): use retry or abort${hold.kind === 'inconclusive' ? ' or approve' : ''}`;
      }
      return 'the deploy is running, not paused';
    }
    return undefined;
  }

  whyNotApprove(input: ApproveInput): string | undefined {
    if (this.terminal) return `the deploy has already ended (${this.terminal})`;
    if (this.abortRequest) return 'the deploy is being aborted';
    const waiting = this.awaitingApproval();
    if (input.region !== undefined) {
      const r = this.region(input.region);
      if (!r) return `no region ${input.region} in this deploy`;
      if (this.holds.get(input.region)?.kind === 'environment') {
        return `${input.region} is held because its control breaches too (environment): retry re-soaks it once the fleet recovers, or abort`;
      }
      if (r.state !== 'awaiting_approval') {
        return `${input.region} is ${r.state}, not awaiting approval${waiting.length ? ` (awaiting: ${waiting.join(', ')})` : ''}`;
      }
      return this.whyFrozen();
    }
    if (waiting.length === 0) return 'no region is awaiting approval';
    return this.whyFrozen();
  }

  private whyFrozen(): string | undefined {
    const freeze = this.freezeNow();
    return freeze ? `${describeFreeze(freeze)}; approve after firebreak unfreeze` : undefined;
  }

  whyNotRetry(input: RetryInput): string | undefined {
    if (this.terminal) return `the deploy has already ended (${this.terminal})`;
    if (this.abortRequest) return 'the deploy is being aborted';
    if (!input || typeof input.region !== 'string') return 'retry needs a region';
    const r = this.region(input.region);
    if (!r) return `no region ${input.region} in this deploy`;
    if (!this.holds.has(input.region)) {
      const held = [...this.holds.keys()];
      return `${input.region} is ${r.state}: nothing to retry${held.length ? ` (held: ${held.join(', ')})` : ''}`;
    }
    if (this.retries.has(input.region)) return `a retry of ${input.region} is already under way`;
    return undefined;
  }

  whyNotEnqueue(input: EnqueueInput, max: number): string | undefined {
    // Once ended, the queue is settled (workflows/train.ts): a start must wait for the next run.
    if (this.terminal) return `the deploy has already ended (${this.terminal})`;
    const { service, version } = this.status;
    if (input.plan.service !== service) return `this is the deploy of ${service}, not of ${input.plan.service}`;
    if (input.plan.version === version) return `${version} is the version this deploy rolls out: attach to it instead`;
    if (!this.queue.has(input.plan.version) && this.queue.size >= max) {
      return `the queue is full (${max} versions); the newest queued version starts next, so wait or abort`;
    }
    return undefined;
  }

  whyNotAbort(input: AbortInput): string | undefined {
    if (this.terminal) return `the deploy has already ended (${this.terminal})`;
    if (this.abortRequest) return 'the deploy is already being aborted';
    if (input?.rollback !== undefined && !['none', 'failed', 'all'].includes(input.rollback)) {
      return `rollback must be none, failed or all, not ${JSON.stringify(input.rollback)}`;
    }
    return undefined;
  }
}
