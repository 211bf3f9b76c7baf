// The operator's vocabulary (docs/temporal.md). Each command exists as a Signal (durable, accepted with
// no worker running) and as an Update of the same name (validated synchronously). Imported by
// the workflow, the CLI and the tests alike.
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Plan } from '../src/domain/pipeline/plan.js';
import type { PlanHotfix } from '../src/domain/pipeline/hotfix.js';
import type { AbortInput, ApproveInput, Command, CommandInput, EnqueueInput, PauseInput, ResumeInput, RetryInput } from './inputs.js';
import type { DeployEventKind } from './events.js';
import type { CheckStatus } from '../src/domain/status.js';
import type { CommitInfo } from '../src/domain/records/record.js';

export { COMMANDS, parseCommandInput, type Command } from './inputs.js';
export type { AbortInput, AbortScope, ApproveInput, EnqueueInput, PauseInput, ResumeInput, RetryInput } from './inputs.js';
export { DEPLOY_EVENT_KINDS, type DeployEventKind } from './events.js';
export type { CheckStatus, CompareStatus } from '../src/domain/status.js';

export type DeployPhase = 'running' | 'paused' | 'succeeded' | 'rolled_back' | 'aborted' | 'failed';
export const TERMINAL_PHASES: readonly DeployPhase[] = ['succeeded', 'rolled_back', 'aborted', 'failed'];

export type RegionState =
  | 'pending'
  | 'deploying'
  | 'soaking'
  | 'awaiting_approval'
  | 'promoted'
  | 'failed'
  | 'rolling_back'
  | 'rolled_back';

export type GateState = 'pending' | 'watching' | 'passed' | 'awaiting_approval' | 'approved' | 'inconclusive' | 'failed';

/** A region's own gate: regions of one wave pass (or fail) their gates independently. */
export interface RegionGate {
  state: GateState;
  /** Who approved it (manual gate, or an inconclusive soak promoted on a person's judgement). */
  by?: string;
}

export interface RegionStatus {
  name: string;
  customers: number;
  state: RegionState;
  /** Absent only in statuses of deploys from before gates were kept per region. */
  gate?: RegionGate;
  /** The version the region ran before this deploy (the rollback target); null when none. */
  fromVersion?: string | null;
  attempt: number;
  checks: CheckStatus[];
  soakStartedAt?: string;
  soakEndsAt?: string;
  /** Set when the soak ran past soakEndsAt to collect the samples its checks lacked (the bake). */
  soakExtendedUntil?: string;
  /** When this deploy last started deploying the region: a compare against `before` reads the window ending then. */
  deployStartedAt?: string;
  error?: string;
}

export interface StageStatus {
  index: number;
  regions: RegionStatus[];
  /** state and by are derived from the regions' gates (workflows/gate.ts), never written apart. */
  gate: { name: string; approval: 'auto' | 'manual'; state: GateState; by?: string };
}

export interface DeployEvent {
  at: string;
  kind: DeployEventKind;
  message: string;
  by?: string;
  region?: string;
}

export interface MigrationRun {
  id: string;
  phase: 'expand' | 'contract';
  direction: 'up' | 'down';
  /** applied: run by this deploy; already_applied: found in the database's migrations table. */
  state: 'applied' | 'already_applied' | 'skipped' | 'failed';
  at: string;
  error?: string;
}

export interface DeployStatus {
  service: string;
  version: string;
  owner: string;
  runbook: string;
  phase: DeployPhase;
  pausedReason?: string;
  currentStage: number;
  stages: StageStatus[];
  events: DeployEvent[];
  startedAt: string;
  endedAt?: string;
  /**
   * Why the deploy ended failed or rolled_back, or what went wrong while it ended (a
   * down-migration that failed after an abort).
   */
  failure?: string;
  /** Schema migrations run by this deploy (docs/migrations.md), in order. */
  migrations?: MigrationRun[];
  /** Set while promotion waits for a deploy window: when the next one opens. */
  windowOpensAt?: string;
  /** Versions waiting for this deploy to end (train.mode queue), oldest first; absent when none ever queued. */
  queue?: QueuedVersion[];
  /**
   * Set when the deploy ends with a queue: the newest queued version, which starts next as a new
   * run of this workflow id (continue-as-new); every other queued version ended superseded by it.
   */
  next?: string;
  /** How this run came out of a queue: behind which version, since when, and whom it superseded. */
  queued?: QueuedStart;
  /** Set while a freeze holds the deploy at a gate (hold kind `freeze`): nothing is rolled back. */
  frozen?: FrozenHold;
  /** Set when started with --override-freeze: it passes every freeze, recorded at each one it passes. */
  overrideFreeze?: { reason: string; by?: string };
  /** Set for a hotfix (deploy --hotfix): the reason, and the lane's soak scale, floor and gates. */
  hotfix?: HotfixStatus;
  /** The commit this deploy ships (deploy --commit, --commit-time, or the CI's environment): lead time starts at its time. */
  commit?: CommitInfo;
  /**
   * How the deploy's final record went (workflows/records.ts): written to the records database,
   * missing (every attempt failed: `firebreak records import` can still write it), or off (the
   * worker has no FIREBREAK_RECORDS_URL). Absent while the deploy runs, and before records existed.
   */
  record?: { final: 'written' } | { final: 'missing'; error: string } | { final: 'off'; reason?: string };
}

/** The freeze holding a deploy, as the deploy last read it. */
export interface FrozenHold {
  /** A service name, or "*" for every service. */
  scope: string;
  reason: string;
  by?: string;
  since: string;
  until?: string;
  /** Where it holds: "stage 2 (eu-west-1)", "promotion of eu-west-1". */
  at: string;
}

export type HotfixStatus = PlanHotfix;

/** A version waiting in a deploy's queue. */
export interface QueuedVersion {
  version: string;
  by?: string;
  /** When it was queued (the workflow's clock). */
  since: string;
}

export interface QueuedStart extends QueuedVersion {
  /** The version it waited behind. */
  behind: string;
  /** Versions queued before it that never started: they ended superseded by this one. */
  superseded: QueuedVersion[];
}

export interface DeployInput {
  plan: Plan;
  /** Rollback target for every region when the adapter cannot read the running version. */
  previous?: string;
  startedBy?: string;
  /** Set when this run is a queued version, started as the deploy before it ended. */
  queued?: QueuedStart;
  /** deploy --override-freeze --reason R: this deploy passes freezes (each one recorded). */
  overrideFreeze?: { reason: string; by?: string };
  /** The commit it ships, for lead time; kept in the status and the deploy record. */
  commit?: CommitInfo;
  /** sha256 of the plan (src/client/start.ts), kept in the deploy record. */
  pipelineHash?: string;
}

export const pauseSignal = defineSignal<[PauseInput]>('pause');
export const resumeSignal = defineSignal<[ResumeInput]>('resume');
export const approveSignal = defineSignal<[ApproveInput]>('approve');
export const retrySignal = defineSignal<[RetryInput]>('retry');
export const abortSignal = defineSignal<[AbortInput]>('abort');

export const pauseUpdate = defineUpdate<DeployStatus, [PauseInput]>('pause');
export const resumeUpdate = defineUpdate<DeployStatus, [ResumeInput]>('resume');
export const approveUpdate = defineUpdate<DeployStatus, [ApproveInput]>('approve');
export const retryUpdate = defineUpdate<DeployStatus, [RetryInput]>('retry');
export const abortUpdate = defineUpdate<DeployStatus, [AbortInput]>('abort');

/** Each command's signal and update, by command name (the workflow sets both for each). */
export const commandSignals: { [C in Command]: SignalDefinition<[CommandInput<C>]> } = {
  pause: pauseSignal,
  resume: resumeSignal,
  approve: approveSignal,
  retry: retrySignal,
  abort: abortSignal,
};
export const commandUpdates: { [C in Command]: UpdateDefinition<DeployStatus, [CommandInput<C>]> } = {
  pause: pauseUpdate,
  resume: resumeUpdate,
  approve: approveUpdate,
  retry: retryUpdate,
  abort: abortUpdate,
};

/** Adds a version to the queue of the running deploy (train.mode queue); the same version again attaches. */
export const enqueueSignal = defineSignal<[EnqueueRequest]>('enqueue');
export const enqueueUpdate = defineUpdate<DeployStatus, [EnqueueRequest]>('enqueue');

/** What a client sends to queue a version; the workflow checks it with the EnqueueInput schema. */
export interface EnqueueRequest extends Omit<EnqueueInput, 'plan'> {
  plan: Plan;
}

export const statusQuery = defineQuery<DeployStatus>('status');
