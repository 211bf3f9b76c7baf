// The worker's soak watcher on a fake clock and a fake server: which soaks it evaluates when,
// what it heartbeats, completes, hands over and drops. The rules of one soak are in
// watch.test.ts; the watcher on a real server is in test/workflows/soak-slots.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SoakWatcher, type WatcherDeps } from '../../activities/checks/watcher.js';
import type { CheckProvider, CheckValue } from '../../src/domain/soak/provider.js';
import type { WatchInput, WatchResult, WatchTally } from '../../activities/types.js';
import type { PlanGate } from '../../src/domain/pipeline/plan.js';
import type { Check } from '../../src/domain/pipeline/schema.js';

const errorRate: Check = { name: 'error-rate', prometheus: { url: 'http://prom', query: 'q' }, max: 0.01 };
const gate: PlanGate = { name: 'g', approval: 'auto', intervalMs: 1000, failAfter: 2, minSamples: 5, onNoData: 'pause', checks: [errorRate] };
const input = (region: string, deadline = 10_000): WatchInput => ({ target: { service: 's', region, version: '2', deployId: 'd' }, gate, deadline, startedAt: 0 });
const token = (n: number) => new Uint8Array([n]);

/** A fake server and clock; values per region (a function of the clock). */
function world(valueOf: (region: string, now: number) => CheckValue, answers: { heartbeat?: (t: number) => 'ok' | 'cancelled' | 'gone' } = {}) {
  let clock = 0;
  const beats: { token: number; tally: WatchTally; at: number }[] = [];
  const completed = new Map<number, { result: WatchResult; at: number }>();
  const cancelled: number[] = [];
  const handedOver: number[] = [];
  const evaluated: { region: string; at: number }[] = [];
  const provider: CheckProvider = {
    async evaluate(_check, target) {
      evaluated.push({ region: target.region, at: clock });
      return valueOf(target.region, clock);
    },
  };
  const deps: WatcherDeps = {
    now: () => clock,
    providerFor: () => provider,
    async heartbeat(t, tally) {
      beats.push({ token: t[0], tally, at: clock });
      return answers.heartbeat?.(t[0]) ?? 'ok';
    },
    async complete(t, result) {
      completed.set(t[0], { result, at: clock });
      return 'ok';
    },
    async reportCancellation(t) {
      cancelled.push(t[0]);
    },
    async handOver(t) {
      handedOver.push(t[0]);
    },
  };
  const flush = async () => {
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  };
  /** Advance the clock in steps of `step`, letting the watcher look at each. */
  const runTo = async (watcher: SoakWatcher, until: number, step = 50) => {
    await flush();
    while (clock < until) {
      clock += step;
      watcher.tick();
      await flush();
    }
  };
  return { deps, beats, completed, cancelled, handedOver, evaluated, runTo, now: () => clock };
}

test('many soaks, few evaluations in flight: every soak still gets every sample and passes', async () => {
  const w = world(() => 0.001);
  const watcher = new SoakWatcher(w.deps, { maxEvaluations: 4, beatEveryMs: 4000 });
  const SOAKS = 200;
  for (let i = 0; i < SOAKS; i++) watcher.adopt(`k${i}`, token(i % 256), input(`r${i}`), undefined);
  await w.runTo(watcher, 10_100);
  watcher.stop();
  assert.equal(w.completed.size, SOAKS);
  for (const { result } of w.completed.values()) {
    assert.equal(result.verdict, 'pass');
    assert.equal(result.checks[0].samples, 10, 'one sample per interval, none lost to the in-flight cap');
  }
  assert.equal(watcher.stats().evaluations, SOAKS * 10);
});

test('a breach completes its soak at once; the others keep soaking to their deadline', async () => {
  const w = world((region, now) => (region === 'bad' && now >= 3000 ? 0.5 : 0.001));
  const watcher = new SoakWatcher(w.deps);
  watcher.adopt('good', token(1), input('good'), undefined);
  watcher.adopt('bad', token(2), input('bad'), undefined);
  await w.runTo(watcher, 10_100);
  watcher.stop();
  const bad = w.completed.get(2)!;
  assert.equal(bad.result.verdict, 'breach');
  assert.equal(bad.at, 4000, 'at the second breaching evaluation (failAfter 2)');
  const good = w.completed.get(1)!;
  assert.equal(good.result.verdict, 'pass');
  assert.equal(good.at >= 10_000, true, 'the healthy soak ran to its deadline');
  assert.equal(w.evaluated.filter((e) => e.region === 'bad' && e.at > 4000).length, 0, 'nothing evaluated after the verdict');
});

test('resumes from the heartbeat details it was adopted with, and heartbeats the tally at least every beatEveryMs', async () => {
  const w = world(() => 0.001);
  const watcher = new SoakWatcher(w.deps, { beatEveryMs: 3000 });
  const resumed: WatchTally = { checks: [{ name: 'error-rate', value: 0.001, samples: 4, breaches: 0, threshold: '<= 0.01' }], consecutive: { 'error-rate': 0 }, evaluations: 4, lastEvaluatedAt: 4000 };
  await w.runTo(watcher, 6000);
  watcher.adopt('k', token(7), input('r'), resumed);
  await w.runTo(watcher, 10_100);
  watcher.stop();
  assert.equal(w.beats[0].tally.checks[0].samples, 4, 'the first beat carries the resumed tally');
  assert.equal(w.evaluated[0].at, 6000, 'an overdue evaluation runs at once, on adoption');
  const done = w.completed.get(7)!;
  assert.equal(done.result.verdict, 'pass');
  assert.equal(done.result.checks[0].samples, 4 + 5);
  for (let i = 1; i < w.beats.length; i++) assert.ok(w.beats[i].at - w.beats[i - 1].at <= 3000);
});

test('cancelled by the workflow: reports the cancellation, stops evaluating, completes nothing', async () => {
  let cancel = false;
  const w = world(() => 0.001, { heartbeat: () => (cancel ? 'cancelled' : 'ok') });
  const watcher = new SoakWatcher(w.deps, { beatEveryMs: 1000 });
  watcher.adopt('k', token(3), input('r'), undefined);
  await w.runTo(watcher, 2500);
  cancel = true;
  await w.runTo(watcher, 10_100);
  watcher.stop();
  assert.deepEqual(w.cancelled, [3]);
  assert.equal(w.completed.size, 0);
  assert.ok(w.evaluated.every((e) => e.at <= 3500), 'no evaluation after the cancellation arrived');
  assert.equal(watcher.stats().soaking, 0);
});

test('an attempt the server no longer knows (timed out, workflow closed) is dropped silently', async () => {
  const w = world(() => 0.001, { heartbeat: () => 'gone' });
  const watcher = new SoakWatcher(w.deps, { beatEveryMs: 1000 });
  watcher.adopt('k', token(4), input('r'), undefined);
  await w.runTo(watcher, 10_100);
  watcher.stop();
  assert.equal(w.completed.size, 0);
  assert.equal(w.cancelled.length, 0);
  assert.equal(watcher.stats().soaking, 0);
});

test('a retried attempt of the same soak replaces the stale one: never watched twice', async () => {
  const w = world(() => 0.001);
  const watcher = new SoakWatcher(w.deps);
  watcher.adopt('same', token(5), input('r'), undefined);
  await w.runTo(watcher, 2100);
  watcher.adopt('same', token(6), input('r'), undefined);
  await w.runTo(watcher, 10_100);
  watcher.stop();
  assert.deepEqual([...w.completed.keys()], [6]);
  const at = w.evaluated.map((e) => e.at);
  assert.equal(new Set(at).size, at.length, 'one evaluation per moment');
});

test('hand-over on shutdown: every soak gets its latest tally heartbeated, then is failed retryable', async () => {
  const w = world(() => 0.001);
  const watcher = new SoakWatcher(w.deps);
  watcher.adopt('a', token(8), input('a'), undefined);
  watcher.adopt('b', token(9), input('b'), undefined);
  await w.runTo(watcher, 3100);
  await watcher.handOver();
  assert.deepEqual(w.handedOver.sort(), [8, 9]);
  const last = w.beats.filter((b) => b.token === 8).at(-1)!;
  assert.equal(last.tally.checks[0].samples, 3, 'the tally up to the hand-over');
  assert.throws(() => watcher.adopt('c', token(10), input('c'), undefined), /stopped/);
});
