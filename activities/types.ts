// The contract between the workflow and its activities. Pure types: the workflow imports
// them with `import type`, so nothing here runs inside the workflow sandbox.
import type { Deploy } from '../src/pipeline/schema.js';
import type { PlanGate } from '../src/pipeline/plan.js';
import type { CheckStatus } from '../workflows/messages.js';
import type { AppliedStep } from './migrations.js';
import type { NotifyInput, NotifyResult } from './notify.js';
import type { MigrationStep } from '../src/migrations/phases.js';

export type { AppliedStep, NotifyInput, NotifyResult, MigrationStep };

export interface ApplyMigrationsInput {
  steps: MigrationStep[];
  deployId: string;
  service: string;
}

/** What templates are filled with: {{service}}, {{region}}, {{version}}, {{deployId}}. */
export interface Target {
  service: string;
  region: string;
  version: string;
  deployId: string;
}

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
}

export type Verdict = 'pass' | 'breach' | 'no_data';

export interface WatchResult {
  verdict: Verdict;
  reason: string;
  checks: CheckStatus[];
}

/** The heartbeat details of a watch: enough to resume after a worker crash. */
export interface WatchTally {
  checks: CheckStatus[];
  /** Consecutive breaching evaluations, per check name. */
  consecutive: Record<string, number>;
  evaluations: number;
}

export interface Activities {
  currentVersion(input: CurrentVersionInput): Promise<string | null>;
  deployRegion(input: DeployRegionInput): Promise<void>;
  watchRegion(input: WatchInput): Promise<WatchResult>;
  applyMigrations(input: ApplyMigrationsInput): Promise<AppliedStep[]>;
  notify(input: NotifyInput): Promise<NotifyResult>;
}
