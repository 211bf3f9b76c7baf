// Deploy records made from what Temporal still keeps (the review's fallback, and `firebreak
// records import`): each finished deploy run's final status, and each `firebreak rollback`
// marking the deploy it took back.
import type { DeployRecord } from '../domain/records/record.js';
import type { DeployStatus } from '../../workflows/messages.js';
import type { RollbackInfo } from '../../workflows/undo-messages.js';
import { pipelineHash } from './start.js';

/** A finished run of either workflow, with its ids: a deploy's status, or a rollback's. */
export interface FinishedRun {
  workflowId: string;
  runId: string;
  status: DeployStatus & { rollback?: RollbackInfo };
  /** The deploy's input plan, when read (for the pipeline hash). */
  plan?: Parameters<typeof pipelineHash>[0];
}

/** Records imported from Temporal carry this revision: above any the workflow writes. */
export const IMPORTED_REVISION = 2_147_483_647;

/** The deploy records of the runs (rollbacks are not deploys: they mark the deploy they took back). */
export function recordsFromRuns(runs: FinishedRun[]): DeployRecord<DeployStatus>[] {
  const records = runs
    .filter((r) => !r.status.rollback)
    .map((r): DeployRecord<DeployStatus> => ({
      workflowId: r.workflowId,
      runId: r.runId,
      revision: IMPORTED_REVISION,
      final: true,
      status: r.status,
      ...(r.plan ? { pipelineHash: pipelineHash(r.plan) } : {}),
    }));
  for (const m of rollbackMarks(runs)) {
    const target = records.find((r) => r.workflowId === m.workflowId && r.runId === m.runId);
    if (target && !target.rolledBackAfter) target.rolledBackAfter = { at: m.at, ...(m.by ? { by: m.by } : {}) };
  }
  return records;
}

/** Which deploy run each rollback took back, and when. */
export function rollbackMarks(runs: FinishedRun[]): { workflowId: string; runId: string; at: string; by?: string }[] {
  return runs.flatMap((r) => {
    const of = r.status.rollback?.of;
    return of ? [{ workflowId: of.workflowId, runId: of.runId, at: r.status.startedAt, by: r.status.rollback?.by }] : [];
  });
}
