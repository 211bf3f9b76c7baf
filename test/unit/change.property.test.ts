// The change judgement's math (src/domain/soak/change.ts), by property: never NaN whatever the
// samples (empty, zeros, negatives, all equal); the ratio effect does not depend on a region's
// scale; the Hodges-Lehmann interval holds its estimate; and the known answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { hodgesLehmann, judgeChange, normalQuantile, type ChangeEvidence } from '../../src/domain/soak/change.js';
import { judge } from '../../src/domain/soak/judge.js';
import { compareSchema } from '../../src/domain/pipeline/compare.js';
import type { Check } from '../../src/domain/pipeline/schema.js';

const value = fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.constantFrom(0, 0.08, 1e-300, -0.0));
const sample = fc.array(value, { maxLength: 30 });
const cell = fc.oneof(value, fc.constant(null));
const options = fc.record({ relative: fc.boolean(), worse: fc.constantFrom('higher' as const, 'lower' as const), confidence: fc.double({ min: 0.51, max: 0.999, noNaN: true }) });

const evidence = fc.integer({ min: 0, max: 25 }).chain((n) =>
  fc.record({
    value: fc.array(value, { minLength: n, maxLength: n }),
    byPeer: fc.record({ mid: fc.array(cell, { minLength: n, maxLength: n }), large: fc.array(cell, { minLength: 0, maxLength: n }) }),
    before: fc.record({ region: sample, peers: fc.record({ mid: sample, large: sample }, { requiredKeys: [] }) }),
  }),
);

const finiteDeep = (x: unknown): boolean =>
  typeof x === 'number' ? Number.isFinite(x) : Array.isArray(x) ? x.every(finiteDeep) : x && typeof x === 'object' ? Object.values(x).every(finiteDeep) : true;

test('judgeChange never gives NaN or Infinity: a change with finite numbers, or a reason', () => {
  fc.assert(
    fc.property(evidence, options, (e: ChangeEvidence, o) => {
      const r = judgeChange(e, o);
      if (r.ok) {
        assert.ok(finiteDeep(r.change), JSON.stringify(r.change));
        assert.ok(r.change.p >= 0 && r.change.p <= 1);
        assert.ok(r.change.effect.low <= r.change.effect.estimate && r.change.effect.estimate <= r.change.effect.high);
      } else {
        assert.ok(r.why.length > 0 && !/NaN/.test(r.why));
      }
    }),
    { numRuns: 400 },
  );
});

test('judge never puts NaN in a verdict, whatever the tally', () => {
  const check: Check = { name: 'c', prometheus: { url: 'u', query: 'q' }, max: 1, compare: compareSchema.parse({ maxIncrease: '25%' }) };
  fc.assert(
    fc.property(evidence, (e) => {
      const ct = { against: 'peers' as const, regions: ['mid', 'large'], value: e.value.filter(Number.isFinite), control: e.value.map((_, i) => e.byPeer.mid[i] ?? 1), byPeer: e.byPeer, history: { region: e.before.region, peers: e.before.peers as Record<string, number[]> } };
      const j = judge(check, ct, 3);
      assert.doesNotMatch(j.text, /NaN/);
      for (const n of [j.estimate, j.low, j.high, j.p]) assert.ok(n === undefined || Number.isFinite(n), j.text);
    }),
    { numRuns: 300 },
  );
});

const positive = fc.double({ min: 0.001, max: 1000, noNaN: true });
const positives = fc.array(positive, { minLength: 3, maxLength: 20 });

test('the ratio effect is scale-free: a region (or a peer) measured in other units, or at another lasting level, changes nothing', () => {
  fc.assert(
    fc.property(positives, positives, positives, positives, fc.double({ min: 0.01, max: 100, noNaN: true }), options, (v, p, bv, bp, c, o) => {
      const n = Math.min(v.length, p.length);
      const e: ChangeEvidence = { value: v.slice(0, n), byPeer: { mid: p.slice(0, n) }, before: { region: bv, peers: { mid: bp } } };
      const scaled: ChangeEvidence = { ...e, value: e.value.map((x) => x * c), before: { ...e.before, region: bv.map((x) => x * c) } };
      const peerScaled: ChangeEvidence = { ...e, byPeer: { mid: e.byPeer.mid.map((x) => x! * c) }, before: { ...e.before, peers: { mid: bp.map((x) => x * c) } } };
      const ro = { ...o, relative: true };
      const a = judgeChange(e, ro);
      for (const other of [judgeChange(scaled, ro), judgeChange(peerScaled, ro)]) {
        assert.ok(a.ok && other.ok);
        const close = (x: number, y: number) => Math.abs(x - y) <= 1e-6 * Math.max(1, Math.abs(x), Math.abs(y));
        assert.ok(close(a.change.effect.estimate, other.change.effect.estimate), `${a.change.effect.estimate} vs ${other.change.effect.estimate}`);
        assert.ok(close(a.change.effect.low, other.change.effect.low) && close(a.change.effect.high, other.change.effect.high));
      }
      // p rests on ranks, which rounding can tie or untie: exact for a power-of-two scale.
      const two = 2 ** Math.round(Math.log2(c));
      const exact = judgeChange({ ...e, value: e.value.map((x) => x * two), before: { ...e.before, region: bv.map((x) => x * two) } }, ro);
      assert.ok(a.ok && exact.ok && a.change.p === exact.change.p && a.change.effect.estimate === exact.change.effect.estimate);
    }),
    { numRuns: 300 },
  );
});

test('the Hodges-Lehmann interval contains its estimate, widens with confidence, and shifts with the data', () => {
  const xs = fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 40 });
  fc.assert(
    fc.property(xs, xs, fc.double({ min: -100, max: 100, noNaN: true }), (x, y, shift) => {
      const lo = hodgesLehmann(x, y, 0.8)!;
      const hi = hodgesLehmann(x, y, 0.99)!;
      assert.ok(lo.low <= lo.estimate && lo.estimate <= lo.high);
      assert.ok(hi.low <= lo.low && lo.high <= hi.high, 'a higher confidence, a wider interval');
      const moved = hodgesLehmann(x.map((v) => v + shift), y, 0.8)!;
      assert.ok(Math.abs(moved.estimate - (lo.estimate + shift)) < 1e-6 * Math.max(1, Math.abs(shift), Math.abs(lo.estimate)));
    }),
    { numRuns: 300 },
  );
  assert.equal(hodgesLehmann([], [1], 0.9), undefined);
});

test('known answers: the HL estimate, the interval, the normal quantile, and a +50 % change on a biased region', () => {
  assert.equal(hodgesLehmann([3, 4, 5], [1, 2], 0.9)!.estimate, 2.5);
  assert.ok(Math.abs(normalQuantile(0.975) - 1.959964) < 1e-5);
  assert.ok(Math.abs(normalQuantile(0.99) - 2.326348) < 1e-5);
  // 1..20 against 1..20 shifted by 10: estimate 10; C = floor(200 - 2.326 * sqrt(400 * 41 / 12)) = 114.
  const x = Array.from({ length: 20 }, (_, i) => i + 11);
  const y = Array.from({ length: 20 }, (_, i) => i + 1);
  const hl = hodgesLehmann(x, y, 0.98)!;
  assert.equal(hl.estimate, 10);
  // The 114th smallest of the 400 differences 10 + (i - j) is 5, the 114th largest 15.
  assert.deepEqual(hl, { estimate: 10, low: 5, high: 15 });
  const r = judgeChange(
    { value: [0.18, 0.18, 0.18], byPeer: { mid: [0.08, 0.08, 0.08] }, before: { region: [0.12, 0.12], peers: { mid: [0.08, 0.08] } } },
    { relative: true, worse: 'higher', confidence: 0.98 },
  );
  assert.ok(r.ok);
  assert.ok(Math.abs(r.change.effect.estimate - 0.5) < 1e-9);
  assert.deepEqual(r.change.region, { before: 0.12, after: 0.18 });
});
