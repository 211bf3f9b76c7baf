// The kinds of event in a deploy's audit trail (status.events), shared by the workflow that
// records them and the renderers that read them (the CI log derives region transitions from
// them). Pure: no Temporal APIs.

export const DEPLOY_EVENT_KINDS = [
  // the deploy's life
  'started',
  'succeeded',
  'aborted',
  'rolled_back',
  'failed',
  // operator commands, and the ones refused
  'paused',
  'resumed',
  'approved',
  'retry',
  'abort',
  'ignored',
  // a region's way through its stage
  'deploying',
  'soak_extended',
  'breach',
  'inconclusive',
  // peer judgement: the fleet is sick (no rollback), and each compare check's verdict
  'environment',
  'judgement',
  'awaiting_approval',
  'promoted',
  'region_failed',
  // rollbacks (`rolled_back` above also ends a region's rollback)
  'rollback_started',
  'rollback_failed',
  'rollback_skipped',
  'rollback_all',
  // deploy windows
  'window_wait',
  'window_open',
  // schema migrations
  'migrating',
  'migrated',
  'migration_failed',
  // the train: a version queued behind this deploy, and one that never started
  'queued',
  'superseded',
  // freezes: held at a gate, going on after it, passed with --override-freeze; the hotfix lane
  'frozen',
  'unfrozen',
  'freeze_override',
  'hotfix',
  // a rollback of a finished deploy (workflows/service-rollback.ts): each region's checks read
  // once, and the hold on the service's train, kept until `release`, which a deploy waits out
  'checks_read',
  'held',
  // the deploy record (workflows/records.ts) that could not be written at the end
  'record_failed',
  'released',
  // notifications that could not be delivered
  'notify_failed',
] as const;

export type DeployEventKind = (typeof DEPLOY_EVENT_KINDS)[number];
