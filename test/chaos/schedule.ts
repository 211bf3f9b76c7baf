// The campaign's timeline: a seeded random generator (the same CHAOS_SEED gives the same
// deploys and the same faults at the same offsets) and the fault schedule it draws.

/** mulberry32: small, fast, good enough to spread faults; deterministic for a seed. */
export function seededRandom(seed: number): Rng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    between: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)],
    chance: (p) => next() < p,
  };
}

export interface Rng {
  next(): number;
  between(lo: number, hi: number): number;
  int(lo: number, hi: number): number;
  pick<T>(xs: readonly T[]): T;
  chance(p: number): boolean;
}

export type FaultKind = 'worker-kill' | 'server-restart' | 'stack-restart' | 'deploy-api' | 'prometheus-outage' | 'worker-upgrade' | 'records-outage';

export interface ScheduledFault {
  /** Offset from the campaign's start, ms. */
  atMs: number;
  kind: FaultKind;
  /** worker-kill / worker-upgrade: the worker slot. */
  worker?: number;
  /** server-restart, deploy-api, prometheus-outage: how long the part stays broken. */
  downMs?: number;
  /** deploy-api: how the deploy API misbehaves. */
  mode?: 'reject' | 'fail' | 'hang';
}

export interface Preset {
  name: 'short' | 'long';
  durationS: number;
  /** Gap between worker kills, seconds [min, max]. */
  workerKillGapS: [number, number];
  serverRestarts: number;
  stackRestarts: number;
  deployApiOutages: number;
  prometheusOutages: number;
  /** Stops of the deploy records database (PostgreSQL), each up to a minute. */
  recordsOutages: number;
}

export const PRESETS: Record<Preset['name'], Preset> = {
  short: { name: 'short', durationS: 300, workerKillGapS: [6, 14], serverRestarts: 1, stackRestarts: 1, deployApiOutages: 3, prometheusOutages: 1, recordsOutages: 1 },
  // ~950 s of faults at one kill every ~7.5 s gives well over 100 kills.
  long: { name: 'long', durationS: 1200, workerKillGapS: [5, 10], serverRestarts: 3, stackRestarts: 1, deployApiOutages: 6, prometheusOutages: 3, recordsOutages: 2 },
};

/**
 * Faults between fromMs and toMs. The big ones (server and stack restarts, the worker upgrade)
 * each get their own segment of the window so they never pile up; worker kills are spread by
 * random gaps; outages of the deploy API and Prometheus fall anywhere.
 */
export function faultSchedule(rng: Rng, preset: Preset, window: { fromMs: number; toMs: number }, opts: { workers: number; stackRestart: boolean }): ScheduledFault[] {
  const out: ScheduledFault[] = [];
  const span = window.toMs - window.fromMs;
  const big: ScheduledFault['kind'][] = [
    ...Array<FaultKind>(preset.serverRestarts).fill('server-restart'),
    ...Array<FaultKind>(opts.stackRestart ? preset.stackRestarts : 0).fill('stack-restart'),
    'worker-upgrade',
  ];
  // Shuffle, but keep the upgrade out of the first segment: deploys must be in flight on the old build.
  for (let i = big.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [big[i], big[j]] = [big[j], big[i]];
  }
  if (big[0] === 'worker-upgrade' && big.length > 1) [big[0], big[1]] = [big[1], big[0]];
  const seg = span / big.length;
  big.forEach((kind, i) => {
    const atMs = Math.round(window.fromMs + seg * i + seg * rng.between(0.2, 0.8));
    if (kind === 'server-restart') out.push({ atMs, kind, downMs: Math.round(rng.between(2_000, 6_000)) });
    else if (kind === 'worker-upgrade') out.push({ atMs, kind, worker: rng.int(0, opts.workers - 1) });
    else out.push({ atMs, kind });
  });
  for (let t = window.fromMs + rng.between(...preset.workerKillGapS) * 1000; t < window.toMs; t += rng.between(...preset.workerKillGapS) * 1000) {
    out.push({ atMs: Math.round(t), kind: 'worker-kill', worker: rng.int(0, opts.workers - 1) });
  }
  for (let i = 0; i < preset.deployApiOutages; i++) {
    out.push({
      atMs: Math.round(rng.between(window.fromMs, window.toMs - 20_000)),
      kind: 'deploy-api',
      mode: (['reject', 'fail', 'hang'] as const)[i % 3],
      downMs: Math.round(rng.between(5_000, 15_000)),
    });
  }
  for (let i = 0; i < preset.prometheusOutages; i++) {
    out.push({ atMs: Math.round(rng.between(window.fromMs, window.toMs - 25_000)), kind: 'prometheus-outage', downMs: Math.round(rng.between(8_000, 20_000)) });
  }
  // Down for up to a minute: within the record write's retry bound (RECORD_RETRY.totalMs), so no record is lost.
  for (let i = 0; i < preset.recordsOutages; i++) {
    out.push({ atMs: Math.round(rng.between(window.fromMs, Math.max(window.fromMs, window.toMs - 70_000))), kind: 'records-outage', downMs: Math.round(rng.between(30_000, 60_000)) });
  }
  return out.sort((a, b) => a.atMs - b.atMs);
}
