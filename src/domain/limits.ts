// Timeouts that depend on each other, derived here so they cannot drift apart. Plain numbers,
// no imports: the workflow (deterministic sandbox) imports its heartbeat timeouts from here.
//
// An activity heartbeats between requests, so one request must end well inside the activity's
// heartbeat timeout. The SDK sends heartbeats at most every 0.8 x the timeout; a request given
// the whole timeout would let a live activity, stuck on a hung endpoint, time out as if its
// worker were lost. Half the timeout leaves room for the poll pause and the throttle.
const REQUEST_SHARE_OF_HEARTBEAT = 0.5;

/** Soak watch (and the short version read): the server notices a lost worker within this. */
export const WATCH_HEARTBEAT_TIMEOUT_MS = 10_000;
/** Deploy of one region (the command adapter beats every second, the http adapter per poll). */
export const DEPLOY_HEARTBEAT_TIMEOUT_MS = 30_000;
/** Schema migrations (a long statement beats every 5 s, see activities/migrations.ts). */
export const MIGRATE_HEARTBEAT_TIMEOUT_MS = 15_000;

/** The cap on one check evaluation (one request to Prometheus or a health endpoint). */
export const CHECK_REQUEST_TIMEOUT_MS = WATCH_HEARTBEAT_TIMEOUT_MS * REQUEST_SHARE_OF_HEARTBEAT;
/** The cap on one request to a deployer (the deploy POST, one status poll). */
export const DEPLOY_REQUEST_TIMEOUT_MS = DEPLOY_HEARTBEAT_TIMEOUT_MS * REQUEST_SHARE_OF_HEARTBEAT;
/**
 * How often the soak watcher heartbeats each soak through the client. Every heartbeat is a
 * write on the server, so as seldom as is safe: 6 s, leaving 4 s of the timeout for one slow
 * heartbeat (the SDK's own throttle would leave 2 s).
 */
export const WATCH_BEAT_EVERY_MS = WATCH_HEARTBEAT_TIMEOUT_MS * 0.6;
/** How often the version read heartbeats: a few beats fit in its heartbeat timeout. */
export const CURRENT_HEARTBEAT_EVERY_MS = WATCH_HEARTBEAT_TIMEOUT_MS / 5;
/** How often a long migration statement heartbeats: three beats fit in its timeout. */
export const MIGRATE_HEARTBEAT_EVERY_MS = MIGRATE_HEARTBEAT_TIMEOUT_MS / 3;
