// The rollback of a finished deploy (`firebreak rollback`, docs/temporal.md): its workflow
// type, id, input, the `release` message that lifts the hold it keeps on the service's train,
// and the activities it calls beyond the deploy's. Imported by the workflow, the worker, the
// client and the CLI alike; the status is a DeployStatus, so `status`, the Web UI details and
// the renderers read a rollback as they read a deploy.
import { defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';
import type { Plan } from '../src/domain/pipeline/plan.js';
import type { DeployStatus } from './messages.js';
import type { Parsed } from './inputs.js';

/** The rollback's workflow type: the function workflows/index.ts exports. */
export const ROLLBACK_WORKFLOW_TYPE = 'serviceRollback';

/** One rollback per service at a time, made unique by Temporal's workflow-id uniqueness. */
export function rollbackIdFor(service: string): string {
  return `rollback-${service}`;
}

const version = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/, 'must be a version (letters, digits, . _ + -)');
const text = (max: number) => z.string().trim().min(1).max(max);

export const rollbackInput = z.strictObject({
  service: z.string().min(1).max(128),
  /** Every region to this version; absent: each region to the version it ran before the last deploy. */
  to: version.optional(),
  reason: text(500),
  by: text(100),
  /** Region by region in the stage order of the last deploy; default: every region at once. */
  inOrder: z.boolean().optional(),
});
export type RollbackInput = z.infer<typeof rollbackInput>;

export const releaseInput = z.strictObject({ reason: text(500), by: text(100).optional() });
export type ReleaseInput = z.infer<typeof releaseInput>;

export function parseReleaseInput(args: readonly unknown[]): Parsed<ReleaseInput> {
  const parsed = releaseInput.safeParse(args[0]);
  if (parsed.success) return { ok: true, input: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, reason: `release needs {"reason":"...","by":"..."}: ${issue?.path.join('.') || 'input'} ${issue?.message ?? 'is invalid'}` };
}

/** Lifts the hold: queued and new versions of the service may start again. */
export const releaseSignal = defineSignal<[ReleaseInput]>('release');
export const releaseUpdate = defineUpdate<DeployStatus, [ReleaseInput]>('release');

/**
 * What the rollback's status adds to a deploy's (status.rollback): where it stands, what it undoes,
 * and who holds the train and why.
 */
export interface RollbackInfo {
  /** stopping: the running deploy is aborted first; rolling_back; holding: until `release`; released. */
  stage: 'stopping' | 'rolling_back' | 'holding' | 'released';
  reason: string;
  by: string;
  to?: string;
  /** The deploy run rolled back (its version and run). */
  of?: { workflowId: string; runId: string; version: string; aborted: boolean };
  /** Regions whose rollback failed, each with its reason. */
  failed: { region: string; reason: string }[];
  releasedBy?: string;
  releaseReason?: string;
}

/** The last deploy of a service, as the rollback reads it: its plan (from its input) and its status. */
export interface LastDeploy {
  workflowId: string;
  runId: string;
  plan: Plan;
  status: DeployStatus;
  /** True when this rollback aborted it (it was still running). */
  aborted: boolean;
}

/** Who holds a service's train (the open rollback), or null. */
export interface TrainHolder {
  workflowId: string;
  runId: string;
  by?: string;
  reason?: string;
}

export interface StopDeployInput {
  service: string;
  /** Recorded in the aborted deploy's audit trail. */
  by: string;
  reason: string;
}

export interface AwaitReleaseInput {
  service: string;
  /** How long to wait for the release before answering "still held" (0: answer at once). */
  waitMs: number;
}

/**
 * The activities a rollback and a held deploy call beyond the deploy's (src/worker registers
 * them): they talk to Temporal through the activity's client, so they live above activities/.
 */
export interface UndoActivities {
  /** Aborts the service's running deploy (rollback none) and waits until it has closed; null: never deployed. */
  stopDeploy(input: StopDeployInput): Promise<LastDeploy | null>;
  /** The open rollback holding the service's train once waitMs has passed; null once released. */
  awaitRelease(input: AwaitReleaseInput): Promise<TrainHolder | null>;
}
