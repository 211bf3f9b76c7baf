// The simulator's seeded noise (src/local/sim/traffic.ts noiseAt): the same seed and clock give the
// same numbers, another seed others; no noise is exactly the old model; the noise averages
// out to the baseline; regions differ in level; faults still apply on top.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimState } from '../../src/local/sim/state.js';
import { BASELINE_LATENCY_MS, noiseAt } from '../../src/local/sim/traffic.js';

function run(noise: { level: number; seed: number } | undefined, seconds: number, region = 'eu') {
  let clock = 1_000_000;
  const sim = new SimState({ deploySeconds: 0, customers: {}, now: () => clock, ...(noise ? { noise } : {}) });
  sim.deploy({ service: 's', region, version: '1.0.0', deployId: 'd' });
  const samples: { latency: number; errors: number }[] = [];
  let prev = { sum: 0, count: 0, errors: 0 };
  for (let i = 0; i < seconds; i++) {
    clock += 1000;
    const c = sim.series().find((x) => x.region === region)!.counters;
    const count = c.ok + c.errors;
    samples.push({ latency: (c.durationSum - prev.sum) / (count - prev.count), errors: (c.errors - prev.errors) / (count - prev.count) });
    prev = { sum: c.durationSum, count, errors: c.errors };
  }
  return samples;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

test('no noise: every second alike, as before', () => {
  const s = run(undefined, 20);
  assert.ok(s.every((x) => Math.abs(x.latency - s[0].latency) < 1e-9));
  assert.deepEqual(run({ level: 0, seed: 7 }, 5), run(undefined, 5));
});

test('seeded: the same seed gives the same numbers; another seed other numbers', () => {
  const a = run({ level: 0.1, seed: 42 }, 30);
  assert.deepEqual(run({ level: 0.1, seed: 42 }, 30), a);
  assert.notDeepEqual(run({ level: 0.1, seed: 43 }, 30), a);
  assert.ok(new Set(a.map((x) => x.latency.toFixed(6))).size > 20, 'each second differs');
});

test('the noise averages out near the baseline and regions differ in level', () => {
  const s = run({ level: 0.1, seed: 1 }, 600);
  const m = mean(s.map((x) => x.latency));
  const baseline = run(undefined, 1)[0].latency;
  assert.ok(Math.abs(m / baseline - 1) < 0.12, `mean ${m} vs ${baseline}`);
  const levels = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'].map((r) => noiseAt({ level: 0.1, seed: 1 }, 's', r, 0).latency / (1 + 0));
  assert.ok(new Set(levels.map((l) => l.toFixed(4))).size === 6);
  assert.ok(mean(s.map((x) => x.errors)) > 0.0005 && mean(s.map((x) => x.errors)) < 0.002);
  assert.ok(BASELINE_LATENCY_MS > 0);
});
