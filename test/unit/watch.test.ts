import assert from 'node:assert/strict';
import { test } from 'node:test';
import { watchRegion, type WatchDeps } from '../../src/domain/soak/watch.js';
import type { CheckProvider, CheckValue } from '../../src/domain/soak/provider.js';
import { CHECK_REQUEST_TIMEOUT_MS, WATCH_HEARTBEAT_TIMEOUT_MS } from '../../src/domain/limits.js';
import type { Target, WatchInput, WatchTally } from '../../activities/types.js';
import type { PlanGate } from '../../src/domain/pipeline/plan.js';
import type { Check } from '../../src/domain/pipeline/schema.js';

const target: Target = { service: 'checkout', region: 'eu-west-1', version: '1.4.2', deployId: 'd1' };
const errorRate: Check = { name: 'error-rate', prometheus: { url: 'http://prom', query: 'q' }, max: 0.01 };
const health: Check = { name: 'health', http: { url: 'http://h/{{region}}', path: '$.ok', equals: true } };

function gate(over: Partial<PlanGate> = {}): PlanGate {
  return {
    name: '5xx < 1%',
    approval: 'auto',
    intervalMs: 1000,
    failAfter: 2,
    minSamples: 5,
    onNoData: 'pause',
    checks: [errorRate],
    ...over,
  };
}

/** A fake world: a clock that sleep() advances, scripted values per check, recorded heartbeats. */
function world(script: Record<string, (CheckValue | Error)[]>, start = 0, resumeFrom?: unknown) {
  let clock = start;
  const beats: { at: number; tally: WatchTally }[] = [];
  const evaluatedAt: number[] = [];
  const provider: CheckProvider = {
    async evaluate(check) {
      if (check.name === errorRate.name) evaluatedAt.push(clock);
      const values = script[check.name] ?? [];
      const v = values.length > 1 ? values.shift()! : values[0];
      if (v instanceof Error) throw v;
      return v ?? null;
    },
  };
  const deps: WatchDeps = {
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
    heartbeat: (tally) => beats.push({ at: clock, tally }),
    providerFor: () => provider,
    resumeFrom,
  };
  return { deps, beats, evaluatedAt, now: () => clock };
}

const input = (g: PlanGate, deadline = 10_000): WatchInput => ({ target, gate: g, deadline });

function maxGap(beats: { at: number }[]): number {
  let gap = 0;
  for (let i = 1; i < beats.length; i++) gap = Math.max(gap, beats[i].at - beats[i - 1].at);
  return gap;
}

test('pass: every check has minSamples good values at the deadline', async () => {
  const w = world({ 'error-rate': [0.001], health: [true] });
  const result = await watchRegion(input(gate({ checks: [errorRate, health] })), w.deps);
  assert.equal(result.verdict, 'pass');
  assert.equal(w.now(), 10_000, 'the verdict comes at the deadline, not before');
  assert.deepEqual(w.evaluatedAt, [1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10_000]);
  assert.deepEqual(result.checks, [
    { name: 'error-rate', value: 0.001, samples: 10, breaches: 0, threshold: '<= 0.01', limits: { max: 0.01 } },
    { name: 'health', value: true, samples: 10, breaches: 0, threshold: '== true', limits: { equals: true } },
  ]);
  assert.match(result.reason, /held in eu-west-1/);
  assert.ok(maxGap(w.beats) <= 1000, 'heartbeats at least every interval');
  assert.equal(w.beats.at(-1)?.tally.evaluations, 10);
});

test('breach: failAfter consecutive breaching evaluations end the watch at once', async () => {
  const w = world({ 'error-rate': [0.001, 0.25, 0.25, 0.001] });
  const result = await watchRegion(input(gate()), w.deps);
  assert.equal(result.verdict, 'breach');
  assert.equal(result.reason, 'error-rate = 0.25 breached <= 0.01 2 times in a row in eu-west-1');
  assert.equal(w.now(), 3000, 'no waiting for the deadline');
  assert.deepEqual(result.checks[0], { name: 'error-rate', value: 0.25, samples: 3, breaches: 2, threshold: '<= 0.01', limits: { max: 0.01 } });
});

test('a good value resets the consecutive count; isolated breaches still pass', async () => {
  const w = world({ 'error-rate': [0.5, 0.001, 0.5, 0.001, 0.5, 0.001, 0.5, 0.001, 0.5, 0.001] });
  const result = await watchRegion(input(gate()), w.deps);
  assert.equal(result.verdict, 'pass');
  assert.equal(result.checks[0].breaches, 5);
  assert.equal(result.checks[0].samples, 10);
});

test('min threshold and failAfter 1', async () => {
  const rps: Check = { name: 'rps', prometheus: { url: 'http://p', query: 'q' }, min: 5 };
  const w = world({ rps: [7, 3] });
  const result = await watchRegion(input(gate({ checks: [rps], failAfter: 1 })), w.deps);
  assert.equal(result.verdict, 'breach');
  assert.equal(result.reason, 'rps = 3 breached >= 5 1 time in a row in eu-west-1');
});

test('no data: errors and empty results count no sample, breach nothing, reset nothing', async () => {
  const down = new Error('Prometheus at ${PROMETHEUS_URL} answered HTTP 503');
  const w = world({ 'error-rate': [0.5, down, null, 0.5, down] });
  const result = await watchRegion(input(gate()), w.deps);
  assert.equal(result.verdict, 'breach', 'two breaches in a row with no-data evaluations in between');
  assert.equal(result.checks[0].samples, 2);

  const w2 = world({ 'error-rate': [0.001, 0.001, down] });
  const r2 = await watchRegion(input(gate({ checks: [errorRate, health] })), w2.deps);
  assert.equal(r2.verdict, 'no_data');
  assert.equal(
    r2.reason,
    'not enough data in eu-west-1 to pass "5xx < 1%": error-rate has 2 of 5 samples (last: Prometheus at ${PROMETHEUS_URL} answered HTTP 503); health has 0 of 5 samples (last: the query returned no data)',
  );
  assert.equal(w2.now(), 10_000);
});

test('a gate without checks passes at the deadline, heartbeating while it sleeps', async () => {
  const w = world({}, 0);
  const result = await watchRegion(input(gate({ checks: [], intervalMs: 60_000 }), 9000), w.deps);
  assert.equal(result.verdict, 'pass');
  assert.deepEqual(result.checks, []);
  assert.equal(w.now(), 9000);
  assert.ok(maxGap(w.beats) <= 2000, 'heartbeats at least every 2s even with a 60s interval');
});

test('resume from a heartbeat tally: keeps counts, consecutive breaches and the absolute deadline', async () => {
  const tally: WatchTally = {
    checks: [{ name: 'error-rate', value: 0.002, samples: 7, breaches: 1, threshold: '<= 0.01' }],
    consecutive: { 'error-rate': 0 },
    evaluations: 7,
  };
  const w = world({ 'error-rate': [0.003] }, 7500, tally);
  const result = await watchRegion(input(gate({ minSamples: 9 })), w.deps);
  assert.equal(result.verdict, 'pass');
  assert.equal(w.now(), 10_000, 'the soak ends at the original deadline');
  assert.deepEqual(w.evaluatedAt, [8500, 9500]);
  assert.deepEqual(result.checks[0], { name: 'error-rate', value: 0.003, samples: 9, breaches: 1, threshold: '<= 0.01', limits: { max: 0.01 } });
  assert.equal(w.beats[0].tally.evaluations, 7, 'the first heartbeat re-records the resumed tally');

  const mid: WatchTally = { ...structuredClone(tally), consecutive: { 'error-rate': 1 } };
  const w2 = world({ 'error-rate': [0.3] }, 7500, mid);
  const r2 = await watchRegion(input(gate()), w2.deps);
  assert.equal(r2.verdict, 'breach', 'the breach run carries over the crash');
  assert.equal(w2.now(), 8500);
});

test('a resumed watch past its deadline decides from the tally at once', async () => {
  const tally: WatchTally = {
    checks: [{ name: 'error-rate', value: 0.002, samples: 3, breaches: 0 }],
    consecutive: {},
    evaluations: 3,
  };
  const w = world({ 'error-rate': [0.001] }, 12_000, tally);
  const result = await watchRegion(input(gate()), w.deps);
  assert.equal(result.verdict, 'no_data');
  assert.deepEqual(w.evaluatedAt, []);
});

test('unusable heartbeat details start a fresh tally', async () => {
  const w = world({ 'error-rate': [0.001] }, 0, { something: 'else' });
  const result = await watchRegion(input(gate()), w.deps);
  assert.equal(result.checks[0].samples, 10);
});

// --- the bake: a soak short of samples at its deadline is extended by the workflow ---

test('no_data carries the tally, so an extended soak carries on from it', async () => {
  const w = world({ 'error-rate': [0.001, 0.001, 0.001, null] });
  const result = await watchRegion(input(gate()), w.deps);
  assert.equal(result.verdict, 'no_data');
  assert.equal(result.tally?.checks[0].samples, 3);
  assert.equal(result.tally?.lastEvaluatedAt, 10_000);
});

test('extended soak: passes as soon as every check has minSamples, before `until`', async () => {
  const resume: WatchTally = {
    checks: [{ name: 'error-rate', value: 0.001, samples: 3, breaches: 0, threshold: '<= 0.01' }],
    consecutive: { 'error-rate': 0 },
    evaluations: 3,
    lastEvaluatedAt: 9_500,
  };
  const w = world({ 'error-rate': [0.002] }, 10_000);
  const result = await watchRegion({ ...input(gate()), until: 20_000, resume }, w.deps);
  assert.equal(result.verdict, 'pass');
  // One interval after the last evaluation, never twice within one interval; done at 5 samples.
  assert.deepEqual(w.evaluatedAt, [10_500, 11_500]);
  assert.equal(w.now(), 11_500, 'the extension ends when the evidence is in, not at `until`');
  assert.equal(result.checks[0].samples, 5);
});

test('extended soak: a breach during the extension still fails, counting the run from before', async () => {
  const resume: WatchTally = {
    checks: [{ name: 'error-rate', value: 0.3, samples: 2, breaches: 1, threshold: '<= 0.01' }],
    consecutive: { 'error-rate': 1 },
    evaluations: 2,
    lastEvaluatedAt: 9_000,
  };
  const w = world({ 'error-rate': [0.3] }, 10_000);
  const result = await watchRegion({ ...input(gate()), until: 20_000, resume }, w.deps);
  assert.equal(result.verdict, 'breach');
  assert.match(result.reason, /2 times in a row/);
  assert.equal(w.now(), 10_000, 'an overdue evaluation runs at once');
});

test('extended soak: still no data at `until` answers no_data (then onNoData applies)', async () => {
  const resume: WatchTally = { checks: [{ name: 'error-rate', value: null, samples: 0, breaches: 0, threshold: '<= 0.01' }], consecutive: {}, evaluations: 0 };
  const w = world({ 'error-rate': [null] }, 10_000);
  const result = await watchRegion({ ...input(gate()), until: 15_000, resume }, w.deps);
  assert.equal(result.verdict, 'no_data');
  assert.equal(w.now(), 15_000);
  assert.match(result.reason, /error-rate has 0 of 5 samples/);
});

test('a watch resumed after a lost worker evaluates at once when an evaluation is overdue', async () => {
  const details: WatchTally = {
    checks: [{ name: 'error-rate', value: 0.001, samples: 2, breaches: 0, threshold: '<= 0.01' }],
    consecutive: { 'error-rate': 0 },
    evaluations: 2,
    lastEvaluatedAt: 2_000,
  };
  const w = world({ 'error-rate': [0.001] }, 6_200, details);
  await watchRegion(input(gate()), w.deps);
  assert.deepEqual(w.evaluatedAt, [6_200, 7_200, 8_200, 9_200], 'at once, then every interval to the deadline');
});

test('a watch that starts late (a busy worker) evaluates at once, one interval into the soak at the earliest', async () => {
  const late = world({ 'error-rate': [0.001] }, 3_500);
  await watchRegion({ ...input(gate()), startedAt: 2_000 }, late.deps);
  assert.deepEqual(late.evaluatedAt.slice(0, 3), [3_500, 4_500, 5_500], 'overdue at its start: at once, then the rhythm');
  const prompt = world({ 'error-rate': [0.001] }, 2_100);
  await watchRegion({ ...input(gate()), startedAt: 2_000 }, prompt.deps);
  assert.equal(prompt.evaluatedAt[0], 3_000, 'on time: the first evaluation one interval after the soak began');
});

test('an extension of a soak that never evaluated evaluates at once', async () => {
  const resume: WatchTally = { checks: [{ name: 'error-rate', value: null, samples: 0, breaches: 0, threshold: '<= 0.01' }], consecutive: {}, evaluations: 0 };
  const w = world({ 'error-rate': [0.001] }, 10_000);
  const result = await watchRegion({ ...input(gate()), startedAt: 0, until: 16_000, resume }, w.deps);
  assert.deepEqual(w.evaluatedAt, [10_000, 11_000, 12_000, 13_000, 14_000]);
  assert.equal(result.verdict, 'pass');
});

test('one evaluation is capped at one interval (at least 1 s), and never past CHECK_REQUEST_TIMEOUT_MS', async () => {
  const limits: (number | undefined)[] = [];
  const recording = (intervalMs: number) => {
    const w = world({ 'error-rate': [0.001] });
    w.deps.providerFor = () => ({
      async evaluate(_check, _target, opts) {
        limits.push(opts?.timeoutMs);
        return 0.001;
      },
    });
    return watchRegion(input(gate({ intervalMs, minSamples: 1 }), 3 * intervalMs), w.deps);
  };
  await recording(100);
  await recording(2_000);
  await recording(60_000);
  assert.deepEqual([...new Set(limits)], [1_000, 2_000, CHECK_REQUEST_TIMEOUT_MS]);
  assert.ok(CHECK_REQUEST_TIMEOUT_MS < WATCH_HEARTBEAT_TIMEOUT_MS, 'under the heartbeat timeout it must not miss');
});

const smoke: Check = { name: 'smoke', command: { argv: ['./smoke.sh'], timeout: '5s', once: true } };

test('a once command check runs until it has one result, and that one result counts as its samples', async () => {
  let runs = 0;
  const w = world({ 'error-rate': [0.001] });
  const counting: WatchDeps = {
    ...w.deps,
    providerFor: (check) =>
      check.name === smoke.name
        ? {
            evaluate: async () => {
              runs += 1;
              // The first run cannot start (no data); the second passes; there is no third.
              if (runs === 1) throw new Error('cannot run the command: spawn ./smoke.sh ENOENT');
              return 0;
            },
          }
        : w.deps.providerFor(check),
  };
  const result = await watchRegion(input(gate({ checks: [errorRate, smoke] })), counting);
  assert.equal(result.verdict, 'pass', result.reason);
  assert.equal(runs, 2);
  assert.equal(result.checks[1].samples, 1);
  assert.ok(result.checks[0].samples >= 5);
});

test('a once command check that fails fails the region on its one result, whatever failAfter', async () => {
  const w = world({ 'error-rate': [0.001], smoke: ['exit code 3: checkout answered 502'] });
  const result = await watchRegion(input(gate({ checks: [errorRate, smoke], failAfter: 3 })), w.deps);
  assert.equal(result.verdict, 'breach');
  assert.match(result.reason, /smoke = "exit code 3: checkout answered 502" breached == 0 1 time in a row in eu-west-1/);
});
