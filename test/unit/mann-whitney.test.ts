// Mann-Whitney U (src/domain/soak/mann-whitney.ts) against published values: R's
// wilcox.test example, the exact null distribution's small cases, the critical-value tables,
// and the tie correction against the permutation variance of U.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { erfc, mannWhitneyGreater, midranks, uFrequencies, uVariance, upperNormal } from '../../src/domain/soak/mann-whitney.js';

const near = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

/** P(U <= u) for sizes m, n from the exact distribution. */
function lowerTail(m: number, n: number, u: number): number {
  const f = uFrequencies(m, n);
  const total = f.reduce((a, b) => a + b, 0);
  return f.slice(0, u + 1).reduce((a, b) => a + b, 0) / total;
}

test("R's wilcox.test example: W = 35, one-sided p = 0.1272 (exact)", () => {
  // ?wilcox.test: depression scores, wilcox.test(x, y, alternative = "greater")
  const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
  const y = [1.15, 0.88, 0.9, 0.74, 1.21];
  const r = mannWhitneyGreater(x, y);
  assert.equal(r.u, 35);
  assert.equal(r.method, 'exact');
  near(r.p, 0.1272, 0.00005, 'p');
});

test('exact distribution: the small cases counted by hand', () => {
  // m = n = 3: C(6,3) = 20 arrangements, U = 0 in one of them.
  assert.deepEqual(uFrequencies(3, 3), [1, 1, 2, 3, 3, 3, 3, 2, 1, 1]);
  assert.equal(lowerTail(3, 3, 0), 1 / 20);
  // m = n = 4: 70 arrangements.
  assert.equal(lowerTail(4, 4, 0), 1 / 70);
  assert.equal(lowerTail(4, 4, 1), 2 / 70);
  assert.equal(uFrequencies(4, 4).reduce((a, b) => a + b, 0), 70);
  assert.deepEqual(uFrequencies(2, 5), uFrequencies(5, 2), 'symmetric in the sizes');
});

test('critical values of U agree with the published tables', () => {
  // [n1, n2, alpha (one tail), critical U]: P(U <= crit) <= alpha < P(U <= crit + 1).
  const table: [number, number, number, number][] = [
    [5, 5, 0.05, 4],
    [8, 8, 0.05, 15],
    [10, 10, 0.05, 27],
    [10, 10, 0.025, 23],
    [20, 20, 0.05, 138],
    [20, 20, 0.025, 127],
    [5, 10, 0.025, 8],
  ];
  for (const [m, n, alpha, crit] of table) {
    assert.ok(lowerTail(m, n, crit) <= alpha, `n=${m},${n}: P(U <= ${crit}) = ${lowerTail(m, n, crit)}`);
    assert.ok(lowerTail(m, n, crit + 1) > alpha, `n=${m},${n}: P(U <= ${crit + 1}) = ${lowerTail(m, n, crit + 1)}`);
  }
});

test('the one-sided p of a complete separation is 1 / C(m+n, m)', () => {
  const r = mannWhitneyGreater([10, 11, 12, 13, 14], [1, 2, 3, 4, 5]);
  assert.equal(r.u, 25);
  near(r.p, 1 / 252, 1e-12, 'p');
  assert.equal(mannWhitneyGreater([1, 2, 3, 4, 5], [10, 11, 12, 13, 14]).p, 1);
});

test('the normal approximation matches the exact distribution for large samples without ties', () => {
  // 60 and 60 values interleaved with a shift: exact is not used above 49; compare with the
  // exact tail computed directly.
  const x = Array.from({ length: 60 }, (_, i) => i * 1.0 + 7.5);
  const y = Array.from({ length: 60 }, (_, i) => i * 1.0 + 0.25);
  const r = mannWhitneyGreater(x, y);
  assert.equal(r.method, 'normal');
  const f = uFrequencies(60, 60);
  const total = f.reduce((a, b) => a + b, 0);
  const exact = f.slice(Math.ceil(r.u)).reduce((a, b) => a + b, 0) / total;
  near(r.p, exact, 0.002, 'normal vs exact');
});

test('ties: mid-ranks, and the tie-corrected variance equals the permutation variance of U', () => {
  assert.deepEqual(midranks([3, 1, 3, 2, 3]).ranks, [4, 1, 4, 2, 4]);
  assert.equal(midranks([3, 1, 3, 2, 3]).tieTerm, 24);
  const values = [1, 1, 2, 2, 2, 3, 4, 4];
  const n1 = 3;
  const n2 = values.length - n1;
  // Every way of choosing which 3 of the 8 values are x: U's variance over them.
  const us: number[] = [];
  const pick = (start: number, chosen: number[]) => {
    if (chosen.length === n1) {
      const x = chosen.map((i) => values[i]);
      const y = values.filter((_, i) => !chosen.includes(i));
      us.push(mannWhitneyGreater(x, y).u);
      return;
    }
    for (let i = start; i < values.length; i++) pick(i + 1, [...chosen, i]);
  };
  pick(0, []);
  const mean = us.reduce((a, b) => a + b, 0) / us.length;
  const variance = us.reduce((a, b) => a + (b - mean) ** 2, 0) / us.length;
  near(mean, (n1 * n2) / 2, 1e-9, 'mean of U');
  near(uVariance(n1, n2, values), variance, 1e-9, 'variance of U with ties');
  const r = mannWhitneyGreater([2, 3, 4], [1, 1, 2, 2, 4]);
  assert.equal(r.method, 'normal', 'ties use the normal approximation');
});

test('all values equal: no evidence either way', () => {
  assert.equal(mannWhitneyGreater([5, 5, 5, 5, 5, 5], [5, 5, 5, 5, 5, 5]).p, 1);
  assert.equal(mannWhitneyGreater([], [1, 2]).p, 1);
});

test('the normal tail: published quantiles', () => {
  near(upperNormal(1.6448536), 0.05, 1e-6, 'z 0.95');
  near(upperNormal(2.0537489), 0.02, 1e-6, 'z 0.98');
  near(upperNormal(0), 0.5, 1e-7, 'z 0');
  near(erfc(-1), 1.8427007929, 1e-6, 'erfc(-1)');
});
