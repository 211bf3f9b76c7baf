// Synthetic traffic, counted lazily: nothing ticks in the background. Each read adds what the
// elapsed time would have served at the rates then in force, so an idle simulator costs
// nothing and the same elapsed time always gives the same numbers (tests can assert ratios
// exactly). Counters are fractional, which the Prometheus text format allows.

/** Upper bounds (seconds) of the latency histogram; +Inf is implicit. */
export const BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5] as const;
export const BASELINE_ERROR_RATE = 0.001;
export const BAD_VERSION_ERROR_RATE = 0.25;
export const BASELINE_LATENCY_MS = 80;

// Latency shape as [multiple of the baseline, share of requests]. The mean is ~1x baseline and,
// at baseline, p99 (~246ms) sits well under the 400ms the example gate uses, while a few
// hundred ms of fault latency pushes p99 far over it.
const SHAPE: readonly (readonly [number, number])[] = [
  [0.5, 0.3],
  [0.8, 0.3],
  [1, 0.2],
  [1.5, 0.15],
  [3, 0.045],
  [6, 0.005],
];

export interface Counters {
  ok: number;
  errors: number;
  /** Sum of request durations, seconds. */
  durationSum: number;
  /** Cumulative count per BUCKETS entry (le semantics); +Inf is ok + errors. */
  buckets: number[];
}

/** What a region serves right now; null when it serves nothing. */
export interface Profile {
  requestsPerSecond: number;
  errorRate: number;
  /** Extra latency from faults, added to every request. */
  faultLatencyMs: number;
}

export interface Effect {
  errorRate?: number;
  latencyMs?: number;
}

export function newCounters(): Counters {
  return { ok: 0, errors: 0, durationSum: 0, buckets: BUCKETS.map(() => 0) };
}

/** Bigger regions serve more: customers/100 req/s, and never less than 1 so every region has data. */
export function requestRate(customers: number): number {
  return Math.max(1, customers / 100);
}

/**
 * The traffic a region serves with `version` running, given the faults that match it.
 * Faults only ever make things worse (max of error rates, max of latencies), so a fault
 * cannot mask a `-bad` version.
 */
export function profileOf(version: string | null, serving: boolean, customers: number, effects: Effect[]): Profile | null {
  if (version === null || !serving) return null;
  let errorRate = version.endsWith('-bad') ? BAD_VERSION_ERROR_RATE : BASELINE_ERROR_RATE;
  let faultLatencyMs = 0;
  for (const e of effects) {
    if (e.errorRate !== undefined) errorRate = Math.max(errorRate, e.errorRate);
    if (e.latencyMs !== undefined) faultLatencyMs = Math.max(faultLatencyMs, e.latencyMs);
  }
  return { requestsPerSecond: requestRate(customers), errorRate, faultLatencyMs };
}

/** Adds `seconds` of traffic at `profile` to the counters. */
export function accrue(c: Counters, profile: Profile | null, seconds: number): void {
  if (!profile || seconds <= 0) return;
  const n = profile.requestsPerSecond * seconds;
  c.errors += n * profile.errorRate;
  c.ok += n * (1 - profile.errorRate);
  const extra = profile.faultLatencyMs / 1000;
  const base = BASELINE_LATENCY_MS / 1000;
  for (const [mult, share] of SHAPE) {
    const latency = base * mult + extra;
    c.durationSum += n * share * latency;
    BUCKETS.forEach((le, i) => {
      if (latency <= le) c.buckets[i] += n * share;
    });
  }
}

export interface Series {
  service: string;
  region: string;
  version: string | null;
  state: string;
  counters: Counters;
}

/** Prometheus text exposition (format 0.0.4) of every region's counters. */
export function renderMetrics(all: Series[]): string {
  const out: string[] = [];
  const labels = (pairs: Record<string, string>) =>
    `{${Object.entries(pairs)
      .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
      .join(',')}}`;

  out.push('# HELP http_requests_total Requests served by the simulated region, by status code.');
  out.push('# TYPE http_requests_total counter');
  for (const s of all) {
    const at = { service: s.service, region: s.region };
    out.push(`http_requests_total${labels({ ...at, code: '200' })} ${num(s.counters.ok)}`);
    out.push(`http_requests_total${labels({ ...at, code: '500' })} ${num(s.counters.errors)}`);
  }

  out.push('# HELP http_request_duration_seconds Request latency of the simulated region.');
  out.push('# TYPE http_request_duration_seconds histogram');
  for (const s of all) {
    const at = { service: s.service, region: s.region };
    const count = s.counters.ok + s.counters.errors;
    BUCKETS.forEach((le, i) => {
      out.push(`http_request_duration_seconds_bucket${labels({ ...at, le: String(le) })} ${num(s.counters.buckets[i])}`);
    });
    out.push(`http_request_duration_seconds_bucket${labels({ ...at, le: '+Inf' })} ${num(count)}`);
    out.push(`http_request_duration_seconds_sum${labels(at)} ${num(s.counters.durationSum)}`);
    out.push(`http_request_duration_seconds_count${labels(at)} ${num(count)}`);
  }

  out.push('# HELP firebreak_sim_region_info What each simulated region runs; always 1.');
  out.push('# TYPE firebreak_sim_region_info gauge');
  for (const s of all) {
    const info = { service: s.service, region: s.region, version: s.version ?? '', state: s.state };
    out.push(`firebreak_sim_region_info${labels(info)} 1`);
  }
  return out.join('\n') + '\n';
}

/** Label values escape backslash, double quote and newline, per the exposition format. */
export function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

// Float drift (0.1+0.2) would print 17 digits; 12 significant digits is plenty, and rounding
// is monotonic, so a counter never appears to go backwards.
function num(v: number): string {
  return String(Number(v.toPrecision(12)));
}
