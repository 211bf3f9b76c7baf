// The change judgement (docs/judgement.md, "Judging the change"): a difference in differences.
// Each region is normalised by its own past (the median of a soak-long window before the
// region's deploy), so a region's lasting level cancels; the region's change is then compared
// with its peers' change over the same minutes, so the time of day and a fleet incident cancel.
//
//   ratio (maxIncrease):  x_t = v_t / B_r        y_t = median_k ( p_k,t / B_k )
//   difference (maxDelta): x_t = v_t - B_r        y_t = median_k ( p_k,t - B_k )
//
// The effect is the Hodges-Lehmann estimate of the shift between the x and y samples (for
// ratios on their logarithms, given back as a fraction: +0.5 = the region changed 50 % more
// than its peers), with its distribution-free interval; the significance is the one-sided
// Mann-Whitney U test on the same samples. Pure; never NaN.
import { mannWhitneyGreater, upperNormal } from './mann-whitney.js';

export interface Shift {
  /** Hodges-Lehmann: the median of the pairwise differences x_i - y_j. */
  estimate: number;
  /** Its interval at the confidence asked for (two-sided, from the Mann-Whitney distribution). */
  low: number;
  high: number;
}

/** Pairwise differences above this are computed on evenly spaced quantiles of each sample. */
const MAX_PAIRS = 250_000;

/** The Hodges-Lehmann shift of x over y with its interval; undefined for an empty sample. */
export function hodgesLehmann(x: readonly number[], y: readonly number[], confidence: number): Shift | undefined {
  const xs = thin(finite(x), Math.floor(Math.sqrt(MAX_PAIRS)));
  const ys = thin(finite(y), Math.floor(Math.sqrt(MAX_PAIRS)));
  const m = xs.length;
  const n = ys.length;
  if (m === 0 || n === 0) return undefined;
  const d = new Float64Array(m * n);
  let k = 0;
  for (const a of xs) for (const b of ys) d[k++] = a - b;
  d.sort();
  const total = d.length;
  const estimate = total % 2 ? d[(total - 1) / 2] : (d[total / 2 - 1] + d[total / 2]) / 2;
  // The interval's ends are the C-th smallest and largest differences, C from the normal
  // approximation of U's distribution (clamped: with few samples it is the whole range).
  const c = Math.min(Math.max(confidence, 0.5), 0.999999);
  const z = normalQuantile((1 + c) / 2);
  const C = Math.floor((m * n) / 2 - z * Math.sqrt((m * n * (m + n + 1)) / 12));
  const at = Math.min(Math.max(C, 1), Math.ceil(total / 2));
  return { estimate, low: Math.min(d[at - 1], estimate), high: Math.max(d[total - at], estimate) };
}

/** z with P(Z <= z) = q, by bisection on the normal tail (q in (0, 1)). */
export function normalQuantile(q: number): number {
  let lo = -10;
  let hi = 10;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (1 - upperNormal(mid) < q) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

function finite(xs: readonly number[]): number[] {
  return xs.filter((v) => Number.isFinite(v));
}

/** At most `max` values: evenly spaced order statistics, so the distribution is kept. */
function thin(xs: number[], max: number): number[] {
  if (xs.length <= max) return xs;
  const s = [...xs].sort((a, b) => a - b);
  return Array.from({ length: max }, (_, i) => s[Math.round((i * (s.length - 1)) / (max - 1))]);
}

const LARGEST = 1e300;
function clamp(v: number): number {
  return Math.min(LARGEST, Math.max(-LARGEST, v));
}

export function medianOf(xs: readonly number[]): number | undefined {
  const s = finite(xs).sort((a, b) => a - b);
  if (s.length === 0) return undefined;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** What the change judgement reads: the region's soak samples, each peer's at the same moments, and the pasts. */
export interface ChangeEvidence {
  /** The region's samples during the soak. */
  value: readonly number[];
  /** Each peer's value at the moment of each of the region's samples (null: none then). */
  byPeer: Readonly<Record<string, readonly (number | null)[]>>;
  /** The soak-long windows before the region's deploy: the region's and each peer's. */
  before: { region: readonly number[]; peers: Readonly<Record<string, readonly number[]>> };
}

export interface ChangeOptions {
  /** true: ratios (maxIncrease); false: differences (maxDelta). */
  relative: boolean;
  worse: 'higher' | 'lower';
  confidence: number;
}

export interface Change {
  /** How much more the region changed than its peers, worse-positive: a fraction (ratios) or the check's unit. */
  effect: Shift;
  p: number;
  samples: number;
  /** Medians: the region's before and during the soak, the peers' (median of their own) before and during. */
  region: { before: number; after: number };
  peers: { before: number; after: number };
  /** The peers whose past could be used. */
  used: string[];
  /** Peers left out, and why ("eu-1: no history"). */
  left: string[];
}

/** Either the change, or why it cannot be judged (the caller falls back to the level). */
export type ChangeResult = { ok: true; change: Change } | { ok: false; why: string };

/** Smallest normalised value taken for a logarithm: a region whose value fell to 0 is "100 % better", not -Infinity. */
const FLOOR = 1e-9;

/** Judges the region's change against its peers' change (the header's formula). */
export function judgeChange(e: ChangeEvidence, o: ChangeOptions): ChangeResult {
  const baseline = (xs: readonly number[] | undefined): { ok: true; b: number } | { ok: false; why: string } => {
    const b = medianOf(xs ?? []);
    if (b === undefined) return { ok: false, why: 'no history' };
    if (o.relative && !(b > 0)) return { ok: false, why: `a history whose median is ${b}, which a change cannot be a ratio of` };
    return { ok: true, b };
  };
  const own = baseline(e.before.region);
  if (!own.ok) return { ok: false, why: `the region has ${own.why} before its deploy` };
  const used: string[] = [];
  const left: string[] = [];
  const peerBase: Record<string, number> = {};
  for (const peer of Object.keys(e.byPeer)) {
    const b = baseline(e.before.peers[peer]);
    if (b.ok) {
      used.push(peer);
      peerBase[peer] = b.b;
    } else left.push(`${peer}: ${b.why}`);
  }
  if (used.length === 0) return { ok: false, why: `no peer has a usable history (${left.join('; ') || 'no peers'})` };
  // Clamped, so a past of 1e-300 gives a huge change rather than Infinity (and then NaN).
  const norm = (v: number, b: number) => clamp(o.relative ? v / b : v - b);
  const x: number[] = [];
  const y: number[] = [];
  const after: number[] = [];
  const peersAfter: number[] = [];
  e.value.forEach((v, t) => {
    if (!Number.isFinite(v)) return;
    const ps = used.map((k) => [k, e.byPeer[k]?.[t]] as const).filter((p): p is readonly [string, number] => typeof p[1] === 'number' && Number.isFinite(p[1]));
    if (ps.length === 0) return;
    x.push(norm(v, own.b));
    y.push(medianOf(ps.map(([k, p]) => norm(p, peerBase[k])))!);
    after.push(v);
    peersAfter.push(medianOf(ps.map(([, p]) => p))!);
  });
  if (x.length === 0) return { ok: false, why: 'no sample of the region paired with a peer that has a history' };
  // The shift, worse-positive: on logarithms for ratios (so +50 % and -33 % are one change, seen
  // from either side), then back to a fraction.
  const ln = (v: number) => Math.log(Math.max(v, FLOOR));
  const [a, b] = o.worse === 'higher' ? [x, y] : [y, x];
  const shift = o.relative ? hodgesLehmann(a.map(ln), b.map(ln), o.confidence)! : hodgesLehmann(a, b, o.confidence)!;
  const back = (s: number) => clamp(o.relative ? (o.worse === 'higher' ? Math.expm1(s) : -Math.expm1(-s)) : s);
  const effect: Shift = { estimate: back(shift.estimate), low: back(shift.low), high: back(shift.high) };
  const test = mannWhitneyGreater(a, b);
  return {
    ok: true,
    change: {
      effect,
      p: test.p,
      samples: x.length,
      region: { before: own.b, after: medianOf(after)! },
      peers: { before: medianOf(used.map((k) => peerBase[k]))!, after: medianOf(peersAfter)! },
      used,
      left,
    },
  };
}
