// A deploy record: one row per deploy run, kept in the records database (PostgreSQL) so a review
// sees a quarter although Temporal keeps closed runs for days only. It holds the deploy's status
// as the workflow last wrote it (every pause, and its end) and what came after it (a rollback).
// Pure types: the workflow, the activity and the review agree on this shape.

/** The commit a deploy ships, for lead time: `deploy --commit SHA --commit-time T` or the CI's environment. */
export interface CommitInfo {
  sha: string;
  /** ISO time the commit was made (lead time starts here); absent when unknown. */
  time?: string;
}

export interface RecordedEvent {
  at: string;
  kind: string;
  message?: string;
  by?: string;
  region?: string;
}

/** What a record needs of a deploy's status (the workflow's DeployStatus has all of it and more). */
export interface RecordedStatus {
  service: string;
  version: string;
  phase: string;
  startedAt: string;
  endedAt?: string;
  hotfix?: unknown;
  overrideFreeze?: unknown;
  commit?: CommitInfo;
  events: RecordedEvent[];
  stages: { index: number; regions: { name: string; customers: number; state: string }[] }[];
}

export interface DeployRecord<S extends RecordedStatus = RecordedStatus> {
  workflowId: string;
  runId: string;
  /**
   * Grows with every write of the run: a retried write that arrives late never replaces a newer
   * one (the upsert keeps the highest revision).
   */
  revision: number;
  /** True for the write at the deploy's end. */
  final: boolean;
  status: S;
  /** sha256 of the plan the deploy ran (its pipeline and version), when known. */
  pipelineHash?: string;
  /** Set when a later `firebreak rollback` of the service took this deploy back. */
  rolledBackAfter?: { at: string; by?: string };
}

/** The input of the recordDeploy activity: the record and nothing secret (the URL is the worker's). */
export type RecordDeployInput = DeployRecord;

export interface RecordDeployResult {
  /** False when the worker has no records database (FIREBREAK_RECORDS_URL unset). */
  written: boolean;
  /** Why nothing was written. */
  reason?: string;
}

/** The environment variable naming the records database (postgres://...). */
export const RECORDS_URL_ENV = 'FIREBREAK_RECORDS_URL';

/** The record-write retry: a records database down for a minute or so loses nothing. */
export const RECORD_RETRY = {
  initialIntervalMs: 1_000,
  backoffCoefficient: 2,
  maximumIntervalMs: 15_000,
  /** One attempt's limit (connect, migrate, upsert). */
  attemptTimeoutMs: 15_000,
  /** Retries (of the local activity) after a backoff longer than this wait on a workflow timer. */
  localRetryThresholdMs: 1_500,
  /**
   * Every attempt and backoff together: the longest a write can hold an ended run open. A
   * records database down for a minute can meet a Temporal restart and lost workers: the chaos
   * campaign lost 7 of 83 records with 100 s. A new deploy waits for the previous run to close
   * at least this long (src/client/start.ts CLOSE_TIMEOUT_MS).
   */
  totalMs: 240_000,
} as const;

/** The last time a region was promoted: where a successful deploy's lead time ends. */
export function lastPromotedAt(s: RecordedStatus): number | undefined {
  const times = s.events.filter((e) => e.kind === 'promoted').map((e) => Date.parse(e.at)).filter(Number.isFinite);
  return times.length ? Math.max(...times) : undefined;
}

/** Reads a commit time as the CLI gets it (ISO 8601, or Unix seconds as git's %ct prints). */
export function parseCommitTime(text: string): string | undefined {
  const t = text.trim();
  if (/^\d{9,11}$/.test(t)) return new Date(Number(t) * 1000).toISOString();
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(t)) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
