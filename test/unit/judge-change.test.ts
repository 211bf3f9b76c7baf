// The change judgement (src/domain/soak/change.ts through the watch and judge.ts, on a fake
// clock and fake sources): a region whose lasting level differs from its peers is judged by
// its change, not its level; a regression on top of it is caught; a drift shared by the fleet
// cancels; missing or degenerate pasts fall back to the level, saying so, never NaN; a resumed
// watch judges the past it read before the crash.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { watchRegion, type WatchDeps } from '../../src/domain/soak/watch.js';
import type { CheckProvider } from '../../src/domain/soak/provider.js';
import type { Target, WatchControl, WatchInput, WatchResult, WatchTally } from '../../activities/types.js';
import type { PlanGate } from '../../src/domain/pipeline/plan.js';
import type { Check } from '../../src/domain/pipeline/schema.js';
import { compareSchema } from '../../src/domain/pipeline/compare.js';

const target: Target = { service: 'checkout', region: 'small', version: '2.0.0', deployId: 'd1' };
const latency = (over: Record<string, unknown> = {}): Check => ({
  name: 'latency-mean',
  prometheus: { url: 'http://prom', query: 'q{region="{{region}}"}' },
  max: 2,
  compare: compareSchema.parse({ maxIncrease: '25%', ...over }),
});
const gate = (checks: Check[]): PlanGate => ({ name: 'g', approval: 'auto', intervalMs: 1000, failAfter: 2, minSamples: 10, onNoData: 'pause', checks });
const peers: WatchControl = { peers: ['mid', 'large'], fromVersion: '1.0.0', soakMs: 20_000, stepMs: 1000, deployStartedAt: -5000 };
const input = (control: WatchControl = peers, checks = [latency()]): WatchInput => ({ target, gate: gate(checks), deadline: 20_000, control });

function jitter(key: string): number {
  let h = 2166136261;
  for (const c of key) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return ((h >>> 0) / 2 ** 32) * 2 - 1;
}

/** Each region's level before the deploy and during the soak (i: the evaluation), ± 5 % noise. */
interface World {
  before(region: string): number[] | null;
  during(region: string, i: number): number | null;
}
const noisy = (region: string, i: number, level: number) => level * (1 + 0.05 * jitter(`${region}#${i}`));
const pastOf = (level: (region: string) => number) => (region: string) => Array.from({ length: 20 }, (_, i) => noisy(region, -1 - i, level(region)));

function fake(w: World, resumeFrom?: unknown) {
  let clock = 0;
  const counts = new Map<string, number>();
  const ranges: string[] = [];
  const beats: WatchTally[] = [];
  const provider: CheckProvider = {
    async evaluate(_c, t) {
      const i = counts.get(t.region) ?? 0;
      counts.set(t.region, i + 1);
      return w.during(t.region, i);
    },
    async evaluateRange(_c, t, range) {
      ranges.push(`${t.region}@${t.version} ${range.start}..${range.end}`);
      const past = w.before(t.region);
      if (past === null) throw new Error('Prometheus at http://prom answered HTTP 503');
      return past;
    },
  };
  const deps: WatchDeps = { now: () => clock, sleep: async (ms) => void (clock += ms), heartbeat: (t) => beats.push(t), providerFor: () => provider, resumeFrom };
  return { deps, ranges, beats };
}

/** small is `bias` times as slow as its peers, always; during the soak the new version multiplies it by `regression`, and everything by `drift`. */
function biased(bias: number, regression = 1, drift = 1): World {
  const level = (r: string) => 0.08 * (r === 'small' ? bias : 1);
  return { before: pastOf(level), during: (r, i) => noisy(r, i, level(r) * drift * (r === 'small' ? regression : 1)) };
}

const judgement = (r: WatchResult) => r.judgements![0];

test('a region permanently 50 % slower than its peers, healthy: judged by its change, it passes (by level it breaches)', async () => {
  const r = await watchRegion(input(), fake(biased(1.5)).deps);
  assert.equal(r.verdict, 'pass', r.reason);
  const j = judgement(r);
  assert.equal(j.basis, 'change');
  assert.ok(Math.abs(j.estimate!) < 0.1, `no change: ${j.text}`);
  assert.ok(j.low! <= j.estimate! && j.estimate! <= j.high!);
  const level = await watchRegion(input({ ...peers, level: true }), fake(biased(1.5)).deps);
  assert.equal(level.verdict, 'breach', 'the level judgement is fooled by the bias');
});

test('a +50 % regression on that biased region is caught; the reason explains the effect, its interval, the medians and p', async () => {
  const f = fake(biased(1.5, 1.5));
  const r = await watchRegion(input(), f.deps);
  assert.equal(r.verdict, 'breach');
  assert.match(
    r.reason,
    /^latency-mean \+(4[5-9]|5[0-5]) % beyond its peers' change \(98 % CI \+\d+ % to \+\d+ %, p < 0\.001; region 0\.1[12]\d* -> 0\.1[78]\d*, peers 0\.0[78]\d* -> 0\.0[78]\d*\) in small, against peers mid, large$/,
  );
  const j = judgement(r);
  assert.ok(j.before!.region > 0.11 && j.after!.region > 0.17, JSON.stringify(j));
  assert.ok(j.low! > 0.25, 'the whole interval is over maxIncrease');
  assert.deepEqual(r.checks[0].compare?.effect, { estimate: j.estimate, low: j.low, high: j.high });
  assert.equal(r.checks[0].compare?.basis, 'change');
  // One range query each, on the version the regions ran before the deploy, over the soak-long window ending at it.
  assert.deepEqual(f.ranges.sort(), ['large@1.0.0 -25000..-5000', 'mid@1.0.0 -25000..-5000', 'small@1.0.0 -25000..-5000']);
});

test('biased regions 0.5x to 2x, healthy, pass; with +50 % they breach', async () => {
  for (const bias of [0.5, 0.8, 1.25, 2]) {
    assert.equal((await watchRegion(input(), fake(biased(bias)).deps)).verdict, 'pass', `healthy at ${bias}x`);
    assert.equal((await watchRegion(input(), fake(biased(bias, 1.5)).deps)).verdict, 'breach', `+50 % at ${bias}x`);
  }
});

test('a drift the whole fleet shares (time of day: +40 % everywhere) cancels; a regression on top of it does not', async () => {
  assert.equal((await watchRegion(input(), fake(biased(1.5, 1, 1.4)).deps)).verdict, 'pass');
  const r = await watchRegion(input(), fake(biased(1.5, 1.5, 1.4)).deps);
  assert.equal(r.verdict, 'breach');
  assert.ok(Math.abs(judgement(r).estimate! - 0.5) < 0.08, `the ratio of changes, not their difference: ${judgement(r).text}`);
});

test('maxDelta judges differences: the region’s rise beyond the peers’ rise, in the check’s unit', async () => {
  const errors = (extra: number, fleet = 0): World => ({
    before: (r) => Array.from({ length: 20 }, (_, i) => 0.001 + (r === 'small' ? 0.004 : 0) + 0.0002 * jitter(`${r}#-${i}`)),
    during: (r, i) => 0.001 + fleet + (r === 'small' ? 0.004 + extra : 0) + 0.0002 * jitter(`${r}#${i}`),
  });
  const check = latency({ maxIncrease: undefined, maxDelta: 0.005 });
  assert.equal((await watchRegion(input(peers, [check]), fake(errors(0, 0.003)).deps)).verdict, 'pass', 'a higher level and a fleet rise are no regression');
  const r = await watchRegion(input(peers, [check]), fake(errors(0.01)).deps);
  assert.equal(r.verdict, 'breach');
  assert.match(r.reason, /latency-mean \+0\.0(09|1)\d* beyond its peers' change \(98 % CI \+0\.0\d+ to \+0\.0\d+/);
});

test('worse: lower — a throughput drop beyond the peers’ is a breach, a shared drop is not', async () => {
  const throughput = { ...latency(), name: 'rps', max: undefined, min: 10 } as Check;
  const world = (own: number, fleet: number): World => ({
    before: pastOf((r) => (r === 'small' ? 100 : 400)),
    during: (r, i) => noisy(r, i, (r === 'small' ? 100 * own : 400) * fleet),
  });
  assert.equal((await watchRegion(input(peers, [throughput]), fake(world(1, 0.6)).deps)).verdict, 'pass');
  const r = await watchRegion(input(peers, [throughput]), fake(world(0.5, 1)).deps);
  assert.equal(r.verdict, 'breach');
  assert.ok(Math.abs(judgement(r).estimate! - 0.5) < 0.05, judgement(r).text);
});

test('a peer with no history (a new region) is left out, saying so; with no peer history at all the level judges, saying why', async () => {
  const w = biased(1.5);
  const oneNew: World = { ...w, before: (r) => (r === 'mid' ? [] : w.before(r)) };
  const r = await watchRegion(input(), fake(oneNew).deps);
  assert.equal(r.verdict, 'pass');
  assert.equal(judgement(r).basis, 'change');
  assert.match(judgement(r).text, /left out: mid: no history\)/);
  const allNew: World = { ...w, before: (r) => (r === 'small' ? w.before(r) : []) };
  const level = await watchRegion(input(), fake(allNew).deps);
  assert.equal(judgement(level).basis, 'level');
  assert.match(judgement(level).text, /by level, not change: no peer has a usable history \(mid: no history; large: no history\)\)$/);
});

test('degenerate pasts — all zeros, all equal, unreadable — never give NaN; the reason says what was missing', async () => {
  const w = biased(1);
  const cases: [string, World, RegExp][] = [
    ['zeros', { ...w, before: (r) => (r === 'small' ? Array(20).fill(0) : w.before(r)) }, /the region has a history whose median is 0/],
    ['equal', { ...w, before: () => Array(20).fill(0.08) }, /beyond its peers' change/],
    ['unreadable', { ...w, before: () => null }, /by level, not change: history: Prometheus at http:\/\/prom answered HTTP 503/],
    ['all zero everywhere', { before: () => Array(20).fill(0), during: () => 0 }, /by level, not change: the region has a history whose median is 0/],
  ];
  for (const [name, world, why] of cases) {
    const r = await watchRegion(input(), fake(world).deps);
    const j = judgement(r);
    assert.match(j.text, why, name);
    assert.doesNotMatch(JSON.stringify(r) + r.reason, /NaN|null,"low"|Infinity/, name);
    for (const n of [j.estimate, j.low, j.high, j.p, j.change]) assert.ok(n === undefined || Number.isFinite(n), `${name}: ${j.text}`);
  }
});

test('a watch resumed after a lost worker judges the past it read before, without reading another', async () => {
  const first = fake(biased(1.5, 1.5));
  const half = await watchRegion({ ...input(), deadline: 6_000 }, first.deps);
  assert.equal(half.verdict, 'no_data');
  const beat = JSON.parse(JSON.stringify(first.beats.at(-1))) as WatchTally;
  assert.ok(beat.compare?.['latency-mean'].history, 'the pasts are in the heartbeated tally');
  // The new worker's source now answers a different past: it must not be read.
  const w = biased(1.5, 1.5);
  const second = fake({ ...w, before: () => Array(20).fill(0.5) }, beat);
  const r = await watchRegion(input(), second.deps);
  assert.deepEqual(second.ranges, [], 'no range query after the resume');
  assert.equal(r.verdict, 'breach');
  assert.equal(judgement(r).basis, 'change');
  assert.ok(judgement(r).before!.region > 0.11 && judgement(r).before!.region < 0.13, 'the past read before the crash');
});

test('the last stage: the promoted regions tell a sick fleet (environment, no rollback); a regression is still judged against before', async () => {
  const lastStage: WatchControl = { peers: [], promoted: ['mid', 'large'], fromVersion: '1.0.0', soakMs: 20_000, stepMs: 1000, deployStartedAt: -5000 };
  const sick = (who: (r: string) => boolean): World => ({ before: pastOf(() => 0.08), during: (r, i) => (i >= 3 && who(r) ? 3 : noisy(r, i, 0.08)) });
  const fleet = await watchRegion(input(lastStage), fake(sick(() => true)).deps);
  assert.equal(fleet.verdict, 'environment', fleet.reason);
  assert.match(fleet.reason, /and so did its control: the promoted regions mid 3, large 3 \(median 3\): the fleet is sick, not this version/);
  // The same incident without the promoted regions (histories from before): rolled back, as before.
  const blind = await watchRegion(input({ ...lastStage, promoted: undefined }), fake(sick(() => true)).deps);
  assert.equal(blind.verdict, 'breach');
  const alone = await watchRegion(input(lastStage), fake(sick((r) => r === 'small')).deps);
  assert.equal(alone.verdict, 'breach');
  assert.match(alone.reason, /while its control held: the promoted regions mid 0\.0\d+, large 0\.0\d+/);
  const slower = await watchRegion(input(lastStage), fake(biased(1, 1.5)).deps);
  assert.equal(slower.verdict, 'breach');
  assert.match(slower.reason, /in small, against its own values before the deploy$/);
  assert.equal(judgement(slower).against, 'before');
  // A resumed last-stage watch keeps the promoted regions' samples.
  const f = fake(sick(() => true));
  await watchRegion({ ...input(lastStage), deadline: 2_000 }, f.deps);
  const beat = JSON.parse(JSON.stringify(f.beats.at(-1))) as WatchTally;
  assert.deepEqual(beat.compare?.['latency-mean'].fleet?.regions, ['mid', 'large']);
  assert.ok((beat.compare?.['latency-mean'].fleet?.values.length ?? 0) >= 1);
});

test('status and the Web UI details show the change: the effect, its interval, p and the medians', async () => {
  const { renderStatus, stripAnsi } = await import('../../src/cli/render.js');
  const { detailsMarkdown } = await import('../../workflows/details.js');
  const r = await watchRegion(input(), fake(biased(1.5, 1.5)).deps);
  const status = {
    service: 'checkout', version: '2.0.0', owner: 'o', runbook: 'r', phase: 'paused' as const, currentStage: 0,
    stages: [{ index: 0, regions: [{ name: 'small', customers: 1, state: 'rolled_back' as const, attempt: 1, checks: r.checks }], gate: { name: 'g', approval: 'auto' as const, state: 'failed' as const } }],
    events: [], startedAt: new Date(0).toISOString(),
  };
  const line = /breach: latency-mean \+\d+ % beyond its peers' change \(98 % CI \+\d+ % to \+\d+ %, p < 0\.001; region 0\.1\d* -> 0\.1\d*, peers 0\.0\d* -> 0\.0\d*\)/;
  assert.match(stripAnsi(renderStatus(status, 0)), line);
  const details = detailsMarkdown(status).replace(/\\(.)/g, '$1');
  assert.match(details, /latency-mean vs peers mid\/large: breach \(latency-mean \+\d+ % beyond its peers' change \(98 % CI \+\d+ % to \+\d+ %, p < 0\.001; region 0\.1\d* -> 0\.1\d*, peers 0\.0\d* -> 0\.0\d*\)\)/);
});
