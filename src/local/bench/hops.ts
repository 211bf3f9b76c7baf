// Hop latency from a workflow's history, and the small statistics the bench reports. Pure, so
// test/unit/bench-hops.test.ts can check them without a server.

/** The few history events a hop is measured from, with their times in epoch ms. */
export type HopEvent =
  | { kind: 'workflowStarted'; at: number }
  | { kind: 'activityScheduled'; at: number; id: number; activity: string }
  | { kind: 'activityStarted'; at: number; scheduledId: number }
  | { kind: 'activityCompleted'; at: number };

/**
 * One hop per activity of `activities`: from when the workflow could go on (its start, or the
 * last activity completion before the activity was scheduled) to the activity's start. That is a
 * workflow task round trip, whatever logic the workflow runs in it, plus the activity's
 * dispatch; the activity's own work is not in it.
 */
export function hopLatencies(events: HopEvent[], activities: ReadonlySet<string>): number[] {
  let readyAt: number | undefined;
  const readyAtOf = new Map<number, number>();
  const hops: number[] = [];
  for (const e of events) {
    if (e.kind === 'workflowStarted' || e.kind === 'activityCompleted') readyAt = e.at;
    else if (e.kind === 'activityScheduled' && activities.has(e.activity) && readyAt !== undefined) readyAtOf.set(e.id, readyAt);
    else if (e.kind === 'activityStarted') {
      const from = readyAtOf.get(e.scheduledId);
      if (from !== undefined) hops.push(e.at - from);
    }
  }
  return hops;
}

/** Nearest-rank percentile (p in 0..100); NaN for no values. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** a ÷ b, or null when either is missing or b is zero: a ratio is never made up. */
export function ratio(a: number | undefined, b: number | undefined): number | null {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null;
  return a / b;
}

export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((s, x) => s + x, 0) / xs.length;
}
