// How the workflow calls each activity: timeouts, retries and cancellation in one place. Each
// helper returns the activity's promise as is (no extra await), so the order in which parallel
// regions schedule their activities, and so the recorded histories, stay as they were.
import { ActivityCancellationType, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { ApplyMigrationsInput, CurrentVersionInput, DeployRegionInput, NotifyInput, NotifyWebhookInput, WatchInput } from '../activities/types.js';
import { FailureType } from '../src/domain/failures.js';
import { RECORD_RETRY, type RecordDeployInput } from '../src/domain/records/record.js';
import { NOTIFY_ACTIVITY_TIMEOUT_MS, NOTIFY_ATTEMPT_TIMEOUT_MS, NOTIFY_ATTEMPTS, NOTIFY_BACKOFF_MS } from '../src/domain/notify-limits.js';
import { DEPLOY_HEARTBEAT_TIMEOUT_MS, MIGRATE_HEARTBEAT_TIMEOUT_MS, WATCH_HEARTBEAT_TIMEOUT_MS } from '../src/domain/limits.js';

const activities = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
});

/** The version a region runs now: its rollback target. */
export function readCurrentVersion(input: CurrentVersionInput) {
  return activities.currentVersion.executeWithOptions(
    { summary: `read version ${input.target.region}`, heartbeatTimeout: WATCH_HEARTBEAT_TIMEOUT_MS },
    [input],
  );
}

/** A deploy (or a rollback: a deploy of the previous version); waits for a cancelled one to stop. */
export function deployRegion(summary: string, deployTimeoutMs: number, input: DeployRegionInput) {
  return activities.deployRegion.executeWithOptions(
    {
      summary,
      startToCloseTimeout: deployTimeoutMs + 60_000,
      heartbeatTimeout: DEPLOY_HEARTBEAT_TIMEOUT_MS,
      retry: { initialInterval: '1s', maximumAttempts: 3, nonRetryableErrorTypes: [FailureType.DeployFailed, FailureType.MissingEnv] },
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    },
    [input],
  );
}

/** One watch of a soak: the checks evaluated until a verdict, or until `input.until` when extended. */
/** `now`: the workflow's clock (DeployState.now), so the watch may run to its deadline plus 5 minutes. */
export function watchRegion(summary: string, input: WatchInput, now: number) {
  return activities.watchRegion.executeWithOptions(
    {
      summary,
      startToCloseTimeout: (input.until ?? input.deadline) - now + 5 * 60_000,
      heartbeatTimeout: WATCH_HEARTBEAT_TIMEOUT_MS,
      retry: { initialInterval: '1s', maximumInterval: '10s', maximumAttempts: 20 },
      cancellationType: ActivityCancellationType.TRY_CANCEL,
    },
    [input],
  );
}

export function applyMigrations(summary: string, input: ApplyMigrationsInput) {
  return activities.applyMigrations.executeWithOptions(
    {
      summary,
      startToCloseTimeout: '2h',
      heartbeatTimeout: MIGRATE_HEARTBEAT_TIMEOUT_MS,
      retry: {
        initialInterval: '2s',
        maximumAttempts: 10,
        nonRetryableErrorTypes: [FailureType.MigrationFailed, FailureType.MigrationChecksumMismatch, FailureType.MissingEnv],
      },
    },
    [input],
  );
}

/**
 * One webhook, one POST per attempt, retried by Temporal's policy (each attempt shows in the
 * Web UI): a few attempts with a short backoff, none for a refusal or a missing ${VAR}.
 */
export function notifyWebhook(summary: string, input: NotifyWebhookInput) {
  return activities.notifyWebhook.executeWithOptions(
    {
      summary,
      startToCloseTimeout: NOTIFY_ATTEMPT_TIMEOUT_MS,
      retry: {
        initialInterval: NOTIFY_BACKOFF_MS,
        backoffCoefficient: 2,
        maximumAttempts: NOTIFY_ATTEMPTS,
        nonRetryableErrorTypes: [FailureType.NotifyRefused, FailureType.MissingEnv],
      },
    },
    [input],
  );
}

/**
 * The deploy's record (workflows/records.ts), as a local activity: run by the worker that runs
 * the workflow task, so an ended deploy closes in the task that ended it (no other worker
 * needed) and a write costs one marker event. Retried with backoff for about as long as a
 * records database may be down without anyone noticing, and no longer; past the first second
 * the retries wait on workflow timers, so a write never holds a workflow task (and so a query
 * or an operator command) for long.
 */
const recordWrites = proxyLocalActivities<Activities>({
  startToCloseTimeout: RECORD_RETRY.attemptTimeoutMs,
  scheduleToCloseTimeout: RECORD_RETRY.totalMs,
  localRetryThreshold: RECORD_RETRY.localRetryThresholdMs,
  retry: {
    initialInterval: RECORD_RETRY.initialIntervalMs,
    backoffCoefficient: RECORD_RETRY.backoffCoefficient,
    maximumInterval: RECORD_RETRY.maximumIntervalMs,
  },
});

export function recordDeploy(summary: string, input: RecordDeployInput) {
  return recordWrites.recordDeploy.executeWithOptions({ summary }, [input]);
}

/** Before patched('notify-per-webhook'): one attempt, the activity retrying each webhook itself. */
export function notify(input: NotifyInput) {
  return activities.notify.executeWithOptions(
    { summary: `notify ${input.event}`, startToCloseTimeout: NOTIFY_ACTIVITY_TIMEOUT_MS, retry: { maximumAttempts: 1 } },
    [input],
  );
}

/** An activity failure wraps the activity's own error as its cause: the innermost message. */
export function failureMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  while (e && e.cause && typeof e.cause === 'object') e = e.cause as typeof e;
  return e?.message ?? String(err);
}
