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

/** Multipliers of one stretch of traffic (noise): latency, error rate and request rate. */
export interface Scale {
  latency: number;
  errors: number;
  requests: number;
}
const UNIT: Scale = { latency: 1, errors: 1, requests: 1 };

/** Adds `seconds` of traffic at `profile` to the counters, scaled by `scale` (noise). */
export function accrue(c: Counters, profile: Profile | null, seconds: number, scale: Scale = UNIT): void {
  if (!profile || seconds <= 0) return;
  const n = profile.requestsPerSecond * seconds * scale.requests;
  const errorRate = Math.min(1, profile.errorRate * scale.errors);
  c.errors += n * errorRate;
  c.ok += n * (1 - errorRate);
  const extra = (profile.faultLatencyMs / 1000) * scale.latency;
  const base = (BASELINE_LATENCY_MS / 1000) * scale.latency;
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

/**
 * Seeded noise (`firebreak sim --noise L --seed S`): a healthy version must not look perfect.
 * Each second of each region's traffic gets its own latency, error-rate and request-rate
 * multipliers, drawn from a hash of (seed, service, region, second), so the same seed and the
 * same clock always give the same numbers; and each region has a lasting latency level of its
 * own (regions differ, as real ones do). `level` 0 is no noise at all.
 */
export interface Noise {
  level: number;
  seed: number;
}

/** FNV-1a of the parts, as a uniform number in [0, 1). */
function uniform(...parts: (string | number)[]): number {
  let h = 2166136261;
  const text = parts.join('\u0000');
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  // A final avalanche (murmur3 fmix32): FNV's low bits are weak for near-identical keys.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}

/** Roughly standard normal (sum of three uniforms, scaled to sd 1; within ±3). */
function gauss(...parts: (string | number)[]): number {
  return (uniform(...parts, 'a') + uniform(...parts, 'b') + uniform(...parts, 'c') - 1.5) / 0.5;
}

/** The multipliers of one second of a region's traffic. */
export function noiseAt(noise: Noise, service: string, region: string, second: number): Scale {
  if (noise.level <= 0) return UNIT;
  const { level, seed } = noise;
  const regionLevel = 1 + 0.5 * level * gauss(seed, service, region, 'level');
  return {
    latency: Math.max(0.2, regionLevel * (1 + level * gauss(seed, service, region, second, 'latency'))),
    errors: Math.max(0, 1 + 3 * level * gauss(seed, service, region, second, 'errors')),
    requests: Math.max(0.2, 1 + level * gauss(seed, service, region, second, 'requests')),
  };
}
