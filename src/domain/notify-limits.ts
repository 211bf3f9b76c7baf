// How long a notification may take, in one place: the notify activity's defaults, the
// workflow's cap on the activity, and how long a new deploy waits for an ended run that is
// still delivering (src/client/start.ts) all derive from these. Pure: the workflow imports it.

/** One POST's hard time limit. */
export const NOTIFY_POST_TIMEOUT_MS = 5_000;
/** Attempts per webhook. */
export const NOTIFY_ATTEMPTS = 3;
/** Backoff before the 2nd attempt, doubled before each later one. */
export const NOTIFY_BACKOFF_MS = 250;
/**
 * The longest one webhook (one that never answers, say) can hold a delivery open on a live
 * worker: 3 attempts of 5 s plus 0.25 s and 0.5 s of backoff = 15.75 s. A run delivers its
 * notifications in parallel, so this is also the most they keep an ended run from closing.
 */
export const NOTIFY_DELIVERY_MS = NOTIFY_ATTEMPTS * NOTIFY_POST_TIMEOUT_MS + NOTIFY_BACKOFF_MS * (2 ** (NOTIFY_ATTEMPTS - 1) - 1);
/**
 * One notifyWebhook attempt's startToCloseTimeout: the POST's own limit plus room to start
 * and answer. Only an attempt whose worker died reaches it; Temporal then retries.
 */
export const NOTIFY_ATTEMPT_TIMEOUT_MS = NOTIFY_POST_TIMEOUT_MS + 5_000;
/** The (pre-patch) notify activity's startToCloseTimeout: a hard cap on a delivery, even one whose worker died. */
export const NOTIFY_ACTIVITY_TIMEOUT_MS = 2 * 60_000;
