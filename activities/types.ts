// The inputs and results of the activities. Pure types: the workflow imports them with
// `import type`, so nothing here runs inside the workflow sandbox. The activity signatures
// themselves are derived from the factory (`Activities` in activities/index.ts).
import type { Deploy } from '../src/domain/pipeline/schema.js';
import type { AppliedStep, ApplyMigrationsInput } from './migrations.js';
import type { NotifyInput, NotifyResult, NotifyWebhookInput } from './notify.js';
import type { MigrationStep } from '../src/domain/migrations/phases.js';
import type { Target } from '../src/domain/target.js';
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

// The watch's input, result and tally belong to the soak (src/domain/soak), which the workflow and
// the CLI read too.
export type {
  CompareTally,
  Judgement,
  JudgementVerdict,
  WatchControl,
  WatchInput,
  WatchResult,
  WatchTally,
  WatchVerdict,
} from '../src/domain/soak/types.js';
