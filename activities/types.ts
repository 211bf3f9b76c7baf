// The inputs and results of the activities. Pure types: the workflow imports them with
// `import type`, so nothing here runs inside the workflow sandbox. The activity signatures
// themselves are derived from the factory (`Activities` in activities/index.ts).
import type { Deploy } from '../src/pipeline/schema.js';
import type { PlanGate } from '../src/pipeline/plan.js';
import type { CheckStatus } from '../workflows/messages.js';
import type { AppliedStep, ApplyMigrationsInput } from './migrations.js';
import type { NotifyInput, NotifyResult, NotifyWebhookInput } from './notify.js';
import type { MigrationStep } from '../src/migrations/phases.js';
import type { Target } from './target.js';
export type { AppliedStep, ApplyMigrationsInput, NotifyInput, NotifyResult, NotifyWebhookInput, MigrationStep, Target };

export interface CurrentVersionInput {
  deploy: Deploy;
  target: Target;
}

export interface DeployRegionInput {
  deploy: Deploy;
  target: Target;
  /** Idempotency key: <workflowId>/<runId>/<region>/<version>/<step>. */
  key: string;
}

export interface WatchInput {
  target: Target;
  gate: PlanGate;
  /** Absolute end of the soak (epoch ms), fixed by the workflow so a retried watch keeps it. */
  deadline: number;
  /** When the soak began (epoch ms): a watch that starts late evaluates from then, not from its own start. */
  startedAt?: number;
  /**
   * Set for a soak extended to collect missing samples (the bake): the watch runs past the
   * deadline and passes as soon as every check has minSamples, or gives up at `until`.
   */
  until?: number;
  /** The tally the extended soak carries on from (samples and breach runs so far). */
  resume?: WatchTally;
}

export type WatchVerdict = 'pass' | 'breach' | 'no_data';

export interface WatchResult {
  verdict: WatchVerdict;
  reason: string;
  checks: CheckStatus[];
  /** With no_data: where the tally stood, so an extension of the soak carries on from it. */
  tally?: WatchTally;
}

/** The heartbeat details of a watch: enough to resume after a worker crash. */
export interface WatchTally {
  checks: CheckStatus[];
  /** Consecutive breaching evaluations, per check name. */
  consecutive: Record<string, number>;
  evaluations: number;
  /** When the last evaluation ran (epoch ms): a resumed watch evaluates at once if one is overdue. */
  lastEvaluatedAt?: number;
}
