// The Mann-Whitney U test (Wilcoxon rank-sum), one-sided: is `x` stochastically greater than
// `y`? Our own implementation, no dependency: the exact null distribution for small samples
// without ties (as R's wilcox.test: both samples under 50), else the normal approximation with
// the tie correction and a continuity correction. Pure.

export interface MannWhitney {
  /** U of x: pairs (x_i, y_j) with x_i > y_j, ties counting one half. */
  u: number;
  /** P(U >= u) under the null hypothesis (x and y from one distribution). */
  p: number;
  method: 'exact' | 'normal';
}

/** Below this sample size (each), and without ties, the exact distribution is used. */
export const EXACT_BELOW = 50;

/** One-sided test of "x tends to be greater than y". Empty samples give p = 1. */
export function mannWhitneyGreater(x: readonly number[], y: readonly number[]): MannWhitney {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) return { u: 0, p: 1, method: 'exact' };
  const { ranks, tieTerm } = midranks([...x, ...y]);
  let r1 = 0;
  for (let i = 0; i < n1; i++) r1 += ranks[i];
  const u = r1 - (n1 * (n1 + 1)) / 2;
  if (tieTerm === 0 && n1 < EXACT_BELOW && n2 < EXACT_BELOW) {
    return { u, p: exactUpperTail(n1, n2, u), method: 'exact' };
  }
  const n = n1 + n2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) return { u, p: 1, method: 'normal' }; // every value equal: no evidence either way
  const z = (u - mean - 0.5) / Math.sqrt(variance);
  return { u, p: clamp01(upperNormal(z)), method: 'normal' };
}

/** Variance of U under the null with the tie correction (exported for the tests). */
export function uVariance(n1: number, n2: number, values: readonly number[]): number {
  const n = n1 + n2;
  return ((n1 * n2) / 12) * (n + 1 - midranks(values).tieTerm / (n * (n - 1)));
}

/** Mid-ranks (1-based; ties share their average rank) and the tie term Σ(t³ - t). */
export function midranks(values: readonly number[]): { ranks: number[]; tieTerm: number } {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(values.length);
  let tieTerm = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k][1]] = rank;
    const t = j - i + 1;
    tieTerm += t * t * t - t;
    i = j + 1;
  }
  return { ranks, tieTerm };
}

const exactCache = new Map<string, number[]>();

/**
 * The number of arrangements giving each U, for sizes m and n: the coefficients of the Gaussian
 * binomial [m+n choose m]_q, by f(m, n) = q^n f(m-1, n) + f(m, n-1).
 */
export function uFrequencies(m: number, n: number): number[] {
  const key = `${m},${n}`;
  const hit = exactCache.get(key);
  if (hit) return hit;
  // prev[j] holds f(i-1, j), row[j] builds f(i, j), for j = 0..n.
  let prev: number[][] = Array.from({ length: n + 1 }, () => [1]); // f(0, j) = 1
  for (let i = 1; i <= m; i++) {
    const row: number[][] = [[1]]; // f(i, 0) = 1
    for (let j = 1; j <= n; j++) {
      const a = prev[j]; // f(i-1, j), shifted by j
      const b = row[j - 1]; // f(i, j-1)
      const out = new Array<number>(i * j + 1).fill(0);
      for (let k = 0; k < a.length; k++) out[k + j] += a[k];
      for (let k = 0; k < b.length; k++) out[k] += b[k];
      row.push(out);
    }
    prev = row;
  }
  const freq = prev[n];
  if (exactCache.size > 200) exactCache.clear();
  exactCache.set(key, freq);
  return freq;
}

/** P(U >= u) for sizes m, n without ties. */
function exactUpperTail(m: number, n: number, u: number): number {
  const freq = uFrequencies(m, n);
  let total = 0;
  let tail = 0;
  const from = Math.ceil(u - 1e-9);
  for (let k = 0; k < freq.length; k++) {
    total += freq[k];
    if (k >= from) tail += freq[k];
  }
  return clamp01(tail / total);
}

/** P(Z > z) for a standard normal Z. */
export function upperNormal(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/** Complementary error function, fractional error under 1.2e-7 (Numerical Recipes' erfcc). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

function clamp01(p: number): number {
  return Math.min(1, Math.max(0, p));
}
