// The type names of the ApplicationFailures Firebreak raises, in one place: activities throw
// them, the workflow names them in retry policies (nonRetryableErrorTypes) and tests match them.
// Pure: the workflow imports it.

export const FailureType = {
  /** A deploy (or rollback) that failed for good: the region fails, no retry. */
  DeployFailed: 'DeployFailed',
  /** The deploy API answered with a server error: retried. */
  DeployRequestFailed: 'DeployRequestFailed',
  /** Reading the version a region runs failed: retried. */
  CurrentVersionFailed: 'CurrentVersionFailed',
  /** A ${VAR} is not set on the worker: a misconfiguration no retry fixes. */
  MissingEnv: 'MissingEnv',
  /** A migration's SQL failed: a person must look at the database. */
  MigrationFailed: 'MigrationFailed',
  /** A migration that ran has since changed on disk. */
  MigrationChecksumMismatch: 'MigrationChecksumMismatch',
  /** The database could not be reached: retried. */
  DatabaseUnavailable: 'DatabaseUnavailable',
  /** A pipeline setting that only fails when used (a bad JSON path in deploy.http.status). */
  InvalidPipeline: 'InvalidPipeline',
  /** A webhook did not take a notification (5xx, 408, 429, no answer): retried. */
  NotifyFailed: 'NotifyFailed',
  /** A webhook refused a notification (another 4xx) or is not a URL: not retried. */
  NotifyRefused: 'NotifyRefused',
  /** An operator command (update) refused by the workflow. */
  CommandRefused: 'CommandRefused',
} as const;

export type FailureType = (typeof FailureType)[keyof typeof FailureType];
