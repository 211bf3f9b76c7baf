// The four DORA keys over a period, per service and overall (docs/cli.md, "review"). Pure:
// records and a period in, numbers out. Definitions:
// - a change: a finished deploy started in the period that put its version in at least one region;
// - deployment frequency: changes per week of the period;
// - change failure: a change rolled back (a region failed, or the deploy ended rolled_back),
//   or followed by a `firebreak rollback`, or followed by a hotfix of the same service before
//   any other deploy of it;
// - lead time: commit time to the last region promoted, for changes that succeeded (also one
//   rolled back later) and carry a commit time;
// - time to restore: from the failure (the first region failure, or the deploy's end when the
//   failure was found after it) to the service restored (the first rollback after it, the
//   `firebreak rollback`, or the hotfix's last promotion).
import { lastPromotedAt, type DeployRecord, type RecordedStatus } from './record.js';
import { periodDays, type Period } from './period.js';

const WEEK = 7 * 86_400_000;
const FINISHED = new Set(['succeeded', 'rolled_back', 'aborted', 'failed']);

export interface Spread {
  count: number;
  medianMs: number | null;
  p90Ms: number | null;
}

export interface DoraKeys {
  /** Finished deploys started in the period. */
  deploys: number;
  /** Of those, the ones that reached a region. */
  changes: number;
  perWeek: number;
  failures: number;
  /** failures / changes; null with no change. */
  changeFailureRate: number | null;
  leadTime: Spread;
  timeToRestore: Spread;
}

export interface WeekCount {
  /** The week's first day (from the period's start, seven days each). */
  week: string;
  changes: number;
  failures: number;
}

export interface Dora {
  overall: DoraKeys;
  byService: Record<string, DoraKeys>;
  weeks: WeekCount[];
  /** Median minutes from a stage's first deploy to its last promotion, by stage (1-based). */
  stageMinutes: { stage: number; deploys: number; medianMinutes: number }[];
  /** Deploys still running or paused, started in the period: not counted above. */
  open: number;
}

/** One finished change and what the keys need of it. */
export interface ChangeFacts {
  service: string;
  startedAt: number;
  failed: boolean;
  leadTimeMs?: number;
  restoreMs?: number;
}

const parse = (t: string | undefined) => (t === undefined ? NaN : Date.parse(t));

/** True when the deploy put its version in at least one region. */
export function reachedProduction(s: RecordedStatus): boolean {
  return s.events.some((e) => e.kind === 'deploying' || e.kind === 'promoted' || e.kind === 'region_failed');
}

/** Each finished change of the records, judged against what came after it. */
export function changesOf(records: DeployRecord[]): ChangeFacts[] {
  // The latest write of each run only.
  const runs = new Map<string, DeployRecord>();
  for (const r of records) {
    const key = `${r.workflowId}/${r.runId}`;
    const had = runs.get(key);
    if (!had || had.revision < r.revision) runs.set(key, r);
  }
  const sorted = [...runs.values()].filter((r) => Number.isFinite(parse(r.status.startedAt))).sort((a, b) => parse(a.status.startedAt) - parse(b.status.startedAt));
  const out: ChangeFacts[] = [];
  sorted.forEach((r, i) => {
    const s = r.status;
    if (!FINISHED.has(s.phase) || !reachedProduction(s)) return;
    const ended = parse(s.endedAt);
    const regionFailedAt = s.events.filter((e) => e.kind === 'region_failed').map((e) => parse(e.at)).find(Number.isFinite);
    let failedAt: number | undefined;
    let restoredAt: number | undefined;
    if (regionFailedAt !== undefined || s.phase === 'rolled_back') {
      failedAt = regionFailedAt ?? ended;
      const back = s.events.map((e) => (e.kind === 'rolled_back' ? parse(e.at) : NaN)).find((t) => Number.isFinite(t) && t >= (failedAt ?? 0));
      restoredAt = back ?? (Number.isFinite(ended) ? ended : undefined);
    } else if (r.rolledBackAfter && Number.isFinite(parse(r.rolledBackAfter.at))) {
      failedAt = Number.isFinite(ended) ? ended : parse(r.rolledBackAfter.at);
      restoredAt = parse(r.rolledBackAfter.at);
    } else {
      // A hotfix of the service next, before any other deploy of it: this change needed fixing.
      const next = sorted.slice(i + 1).find((n) => n.status.service === s.service && parse(n.status.startedAt) >= (Number.isFinite(ended) ? ended : 0));
      if (next && next.status.hotfix) {
        failedAt = Number.isFinite(ended) ? ended : parse(s.startedAt);
        const fixed = lastPromotedAt(next.status);
        restoredAt = next.status.phase === 'succeeded' ? fixed : undefined;
      }
    }
    const promoted = lastPromotedAt(s);
    const commit = parse(s.commit?.time);
    const lead = s.phase === 'succeeded' && promoted !== undefined && Number.isFinite(commit) && promoted >= commit ? promoted - commit : undefined;
    const restore = failedAt !== undefined && restoredAt !== undefined && Number.isFinite(failedAt) && restoredAt >= failedAt ? restoredAt - failedAt : undefined;
    out.push({
      service: s.service,
      startedAt: parse(s.startedAt),
      failed: failedAt !== undefined,
      ...(lead !== undefined ? { leadTimeMs: lead } : {}),
      ...(restore !== undefined ? { restoreMs: restore } : {}),
    });
  });
  return out;
}

/** The median and 90th percentile (nearest rank) of the values. */
export function spread(values: number[]): Spread {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return { count: 0, medianMs: null, p90Ms: null };
  const rank = (q: number) => v[Math.min(v.length - 1, Math.max(0, Math.ceil(q * v.length) - 1))];
  const median = v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  return { count: v.length, medianMs: median, p90Ms: rank(0.9) };
}

function keysOf(changes: ChangeFacts[], deploys: number, weeks: number): DoraKeys {
  const failures = changes.filter((c) => c.failed).length;
  return {
    deploys,
    changes: changes.length,
    perWeek: weeks > 0 ? changes.length / weeks : 0,
    failures,
    changeFailureRate: changes.length ? failures / changes.length : null,
    leadTime: spread(changes.flatMap((c) => (c.leadTimeMs === undefined ? [] : [c.leadTimeMs]))),
    timeToRestore: spread(changes.flatMap((c) => (c.restoreMs === undefined ? [] : [c.restoreMs]))),
  };
}

/** Minutes from each stage's first `deploying` to its last `promoted`, per deploy that finished the stage. */
function stageMinutes(statuses: RecordedStatus[]): Dora['stageMinutes'] {
  const byStage = new Map<number, number[]>();
  for (const s of statuses) {
    for (const st of s.stages) {
      const names = new Set(st.regions.map((r) => r.name));
      const of = (kind: string) => s.events.filter((e) => e.kind === kind && e.region !== undefined && names.has(e.region)).map((e) => parse(e.at)).filter(Number.isFinite);
      const starts = of('deploying');
      const promos = of('promoted');
      if (!starts.length || promos.length < names.size) continue;
      const ms = Math.max(...promos) - Math.min(...starts);
      if (ms >= 0) byStage.set(st.index + 1, [...(byStage.get(st.index + 1) ?? []), ms]);
    }
  }
  return [...byStage.entries()].sort(([a], [b]) => a - b).map(([stage, ms]) => ({ stage, deploys: ms.length, medianMinutes: (spread(ms).medianMs ?? 0) / 60_000 }));
}

export function dora(records: DeployRecord[], period: Period): Dora {
  const from = period.from.getTime();
  const to = period.to.getTime();
  const inPeriod = (t: number) => t >= from && t < to;
  // Judge every record (a hotfix after the period still marks a change in it), count the period's.
  const changes = changesOf(records).filter((c) => inPeriod(c.startedAt));
  const latest = new Map<string, DeployRecord>();
  for (const r of records) {
    const key = `${r.workflowId}/${r.runId}`;
    if ((latest.get(key)?.revision ?? -1) < r.revision) latest.set(key, r);
  }
  const runs = [...latest.values()].filter((r) => inPeriod(parse(r.status.startedAt)));
  const finished = runs.filter((r) => FINISHED.has(r.status.phase));
  const weeks = periodDays(period) / 7;
  const services = [...new Set(finished.map((r) => r.status.service))].sort();
  const byService: Record<string, DoraKeys> = {};
  for (const svc of services) {
    byService[svc] = keysOf(changes.filter((c) => c.service === svc), finished.filter((r) => r.status.service === svc).length, weeks);
  }
  const weekCounts: WeekCount[] = [];
  for (let w = from; w < to; w += WEEK) {
    const these = changes.filter((c) => c.startedAt >= w && c.startedAt < w + WEEK);
    weekCounts.push({ week: new Date(w).toISOString().slice(0, 10), changes: these.length, failures: these.filter((c) => c.failed).length });
  }
  return {
    overall: keysOf(changes, finished.length, weeks),
    byService,
    weeks: weekCounts,
    stageMinutes: stageMinutes(finished.map((r) => r.status).filter((s) => s.phase === 'succeeded')),
    open: runs.length - finished.length,
  };
}
