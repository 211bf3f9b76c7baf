// Peer judgement verdicts (src/domain/soak/judge.ts through the watch, on a fake clock and
// fake sources): relative breach, pass, environment, too little data, shadow mode, `before`,
// maxDelta, each with the direction rules (worse: higher from max, lower from min, explicit).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { watchRegion, type WatchDeps } from '../../src/domain/soak/watch.js';
import type { CheckProvider } from '../../src/domain/soak/provider.js';
import { judge, median, resumeCompare } from '../../src/domain/soak/judge.js';
import type { Target, WatchControl, WatchInput, WatchTally } from '../../activities/types.js';
import type { PlanGate } from '../../src/domain/pipeline/plan.js';
import type { Check } from '../../src/domain/pipeline/schema.js';
import { compareSchema, controlFor, relativeWorsening, worseOf } from '../../src/domain/pipeline/compare.js';

const target: Target = { service: 'checkout', region: 'small', version: '2.0.0', deployId: 'd1' };
const compare = (over: Record<string, unknown> = {}) => compareSchema.parse({ maxIncrease: '25%', ...over });
const latency = (over: Partial<Check> = {}): Check => ({
  name: 'latency-mean',
  prometheus: { url: 'http://prom', query: 'q{region="{{region}}"}' },
  max: 2,
  compare: compare(),
  ...over,
});

function gate(checks: Check[], over: Partial<PlanGate> = {}): PlanGate {
  return { name: 'g', approval: 'auto', intervalMs: 1000, failAfter: 2, minSamples: 10, onNoData: 'pause', checks, ...over };
}

/** Deterministic jitter in [-1, 1] per (region, sample). */
function jitter(region: string, i: number): number {
  let h = 2166136261;
  for (const c of `${region}#${i}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return ((h >>> 0) / 2 ** 32) * 2 - 1;
}

type Level = (region: string, i: number, version: string) => number | null;

/** A fake world: each region's value at its i-th evaluation; history for `before`. */
function world(level: Level, opts: { history?: number[]; noRange?: boolean; resumeFrom?: unknown } = {}) {
  let clock = 0;
  const counts = new Map<string, number>();
  const seen: string[] = [];
  const beats: WatchTally[] = [];
  const provider: CheckProvider = {
    async evaluate(_check, t) {
      const i = counts.get(t.region) ?? 0;
      counts.set(t.region, i + 1);
      seen.push(`${t.region}@${t.version}`);
      return level(t.region, i, t.version);
    },
    ...(opts.noRange
      ? {}
      : {
          async evaluateRange(_check, t, range) {
            seen.push(`range ${t.region} ${range.start}..${range.end}/${range.stepMs}`);
            return opts.history ?? [];
          },
        }),
  };
  const deps: WatchDeps = {
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
    heartbeat: (t) => beats.push(t),
    providerFor: () => provider,
    resumeFrom: opts.resumeFrom,
  };
  return { deps, seen, beats };
}

const peers: WatchControl = { peers: ['mid', 'large'], fromVersion: '1.0.0', soakMs: 20_000, stepMs: 1000, deployStartedAt: -5000 };
const lastStage: WatchControl = { peers: [], fromVersion: '1.0.0', soakMs: 20_000, stepMs: 1000, deployStartedAt: -5000 };
const input = (g: PlanGate, control?: WatchControl): WatchInput => ({ target, gate: g, deadline: 20_000, ...(control ? { control } : {}) });

/** Healthy: 0.08 ± 5 % everywhere; `small` (the deployed region) scaled by `factor`. */
const scaled = (factor: number, base = 0.08): Level => (region, i) => base * (1 + 0.05 * jitter(region, i)) * (region === 'small' ? factor : 1);

test('relative breach: +50 % latency under the absolute SLO, caught against peers; the reason names both values', async () => {
  const w = world(scaled(1.5));
  const r = await watchRegion(input(gate([latency()]), peers), w.deps);
  assert.equal(r.verdict, 'breach');
  assert.match(r.reason, /^latency-mean 0\.1\d* vs control 0\.0\d* \(\+(4[5-9]|5[0-5]) %, p < 0\.001, 98 % CI \+\d+ % to \+\d+ %; by level, not change: the region has no history before its deploy\) in small, against peers mid, large$/);
  const c = r.checks[0].compare!;
  assert.equal(c.verdict, 'breach');
  assert.equal(c.samples, 20);
  assert.deepEqual(c.regions, ['mid', 'large']);
  assert.equal(r.judgements?.[0].verdict, 'breach');
  assert.ok(w.seen.includes('mid@1.0.0'), "the peers' queries are templated for the previous version");
});

test('pass: a healthy region within noise of its peers', async () => {
  const r = await watchRegion(input(gate([latency()]), peers), world(scaled(1)).deps);
  assert.equal(r.verdict, 'pass');
  assert.equal(r.judgements?.[0].verdict, 'pass');
  assert.match(r.reason, /against the control: latency-mean .* vs control/);
});

test('significant but under maxIncrease: pass', async () => {
  const r = await watchRegion(input(gate([latency()]), peers), world(scaled(1.15)).deps);
  assert.equal(r.verdict, 'pass');
  assert.ok(r.judgements![0].p! < 0.02, 'the difference is significant');
  assert.ok(r.judgements![0].change! < 0.25);
});

test('worse: lower from min — a throughput drop is a breach, a rise is not', async () => {
  const throughput = latency({ name: 'throughput', max: undefined, min: 1 });
  assert.equal(worseOf(throughput), 'lower');
  const drop = await watchRegion(input(gate([throughput]), peers), world(scaled(0.6, 100)).deps);
  assert.equal(drop.verdict, 'breach');
  assert.match(drop.reason, /throughput \d+(\.\d+)? vs control \d+(\.\d+)? \(\+(3[5-9]|4\d) %/);
  const rise = await watchRegion(input(gate([throughput]), peers), world(scaled(1.6, 100)).deps);
  assert.equal(rise.verdict, 'pass');
  // worse: explicit overrides the threshold's direction.
  const explicit = await watchRegion(input(gate([{ ...throughput, worse: 'higher' }]), peers), world(scaled(1.6, 100)).deps);
  assert.equal(explicit.verdict, 'breach');
});

test('environment: the region and its control breach the absolute threshold alike — no breach, no rollback', async () => {
  const errors = latency({ name: 'error-rate', max: 0.05, compare: compare({ maxIncrease: '50%' }) });
  const sick: Level = (region, i) => (i >= 3 ? 0.3 + 0.01 * jitter(region, i) : 0.001);
  const r = await watchRegion(input(gate([errors]), peers), world(sick).deps);
  assert.equal(r.verdict, 'environment');
  assert.match(r.reason, /error-rate = 0\.\d+ breached <= 0\.05 2 times in a row in small, and so did its control: mid 0\.\d+, large 0\.\d+ \(median 0\.\d+\): the fleet is sick, not this version/);
});

test('an absolute breach with a healthy control is a breach, as without compare', async () => {
  const errors = latency({ name: 'error-rate', max: 0.05 });
  const bad: Level = (region, i) => (region === 'small' && i >= 3 ? 0.3 : 0.001);
  const r = await watchRegion(input(gate([errors]), peers), world(bad).deps);
  assert.equal(r.verdict, 'breach');
  assert.match(r.reason, /breached <= 0\.05 2 times in a row in small, while its control held: mid 0\.001, large 0\.001 \(median 0\.001\)$/);
  // A healthy control does not slow the breach down: it comes at the same sample as without compare.
  const plain = await watchRegion(input(gate([latency({ name: 'error-rate', max: 0.05, compare: undefined })]), peers), world(bad).deps);
  assert.equal(plain.verdict, 'breach');
  assert.equal(r.checks[0].samples, plain.checks[0].samples);
});

// Regions cross a threshold moments apart (rate windows, scrapes, traffic): a fleet incident
// must not turn into a rollback because the region crossed one sample before its control.
const fleetErrors = () => latency({ name: 'error-rate', max: 0.05, compare: compare({ maxIncrease: '50%' }) });

test('environment across a skew: the control crosses one sample after the region', async () => {
  // small breaches from sample 3; its peers sit just under 0.05 (within 50 % of it) until sample 5.
  const skew: Level = (region, i) => (region === 'small' ? (i >= 3 ? 0.3 : 0.001) : i >= 5 ? 0.3 : i >= 3 ? 0.04 : 0.001);
  const r = await watchRegion(input(gate([fleetErrors()]), peers), world(skew).deps);
  assert.equal(r.verdict, 'environment', r.reason);
  assert.match(r.reason, /in small, and so did its control: mid 0\.3, large 0\.3/);
});

test('environment across a skew: a control far from the threshold but climbing fast is waited for', async () => {
  // The peers went from 0.001 to 0.02 (20x, far past the 50 % tolerance) as small crossed: the
  // incident is reaching them too; they cross two samples later.
  const climb: Level = (region, i) => (region === 'small' ? (i >= 3 ? 0.3 : 0.001) : i >= 6 ? 0.3 : i >= 3 ? 0.02 : 0.001);
  const r = await watchRegion(input(gate([fleetErrors()]), peers), world(climb).deps);
  assert.equal(r.verdict, 'environment', r.reason);
});

test('environment across a skew: the control crossed just before the region and dipped', async () => {
  const skew: Level = (region, i) => (region === 'small' ? (i >= 4 ? 0.3 : 0.001) : i === 3 ? 0.2 : 0.01);
  const r = await watchRegion(input(gate([fleetErrors()]), peers), world(skew).deps);
  assert.equal(r.verdict, 'environment', r.reason);
  assert.match(r.reason, /and so did its control: mid 0\.2, large 0\.2/);
});

test('a control near the threshold that never follows: breach after failAfter more samples, saying so', async () => {
  const near: Level = (region, i) => (region === 'small' ? (i >= 3 ? 0.3 : 0.001) : 0.04);
  const r = await watchRegion(input(gate([fleetErrors()]), peers), world(near).deps);
  assert.equal(r.verdict, 'breach');
  assert.match(r.reason, /error-rate = 0\.3 breached <= 0\.05 4 times in a row in small, while its control held: mid 0\.04, large 0\.04/);
  // Far from the threshold, the same control is no excuse to wait.
  const far: Level = (region, i) => (region === 'small' ? (i >= 3 ? 0.3 : 0.001) : 0.02);
  const now = await watchRegion(input(gate([fleetErrors()]), peers), world(far).deps);
  assert.match(now.reason, /2 times in a row in small, while its control held/);
});

test('a breach still waiting for its control when the soak ends is a breach, never a pass', async () => {
  // 20 samples in the soak: small breaches at the last two, its peers sit near the threshold.
  const late: Level = (region, i) => (region === 'small' ? (i >= 18 ? 0.3 : 0.001) : i >= 18 ? 0.04 : 0.001);
  const r = await watchRegion(input(gate([fleetErrors()]), peers), world(late).deps);
  assert.equal(r.verdict, 'breach', r.reason);
  assert.match(r.reason, /error-rate = 0\.3 breached <= 0\.05 2 times in a row in small, and its control had not followed when the soak ended: mid 0\.04, large 0\.04/);
});

test("a resumed watch keeps the control's last breach and the breach's wait", () => {
  const ct = resumeCompare({ against: 'peers', regions: ['mid'], value: [0.3], control: [0.3], sick: { at: 7, text: 'mid 0.3' }, waited: 1 });
  assert.deepEqual(ct?.sick, { at: 7, text: 'mid 0.3' });
  assert.equal(ct?.waited, 1);
  const junk = resumeCompare({ against: 'peers', value: [], control: [], sick: { at: 'x' }, waited: -1 });
  assert.equal(junk?.sick, undefined);
  assert.equal(junk?.waited, undefined);
});

test('shadow mode: computed and shown, never fails a region (relative or environment)', async () => {
  const shadow = latency({ compare: compare({ enforce: false }) });
  const r = await watchRegion(input(gate([shadow]), peers), world(scaled(1.5)).deps);
  assert.equal(r.verdict, 'pass');
  assert.equal(r.judgements?.[0].verdict, 'breach');
  assert.equal(r.judgements?.[0].enforce, false);
  assert.equal(r.checks[0].compare?.enforce, false);
  assert.match(r.reason, /shadow: latency-mean .* \(breach\)/);
  // A shadow compare does not turn an absolute breach into environment.
  const sick: Level = (_region, i) => (i >= 3 ? 3 : 0.08);
  const abs = await watchRegion(input(gate([shadow]), peers), world(sick).deps);
  assert.equal(abs.verdict, 'breach');
  assert.match(abs.reason, /shadow compare: not acted on/);
});

test('too little data: a control with no values is short of paired samples (no_data, then onNoData)', async () => {
  const noPeers: Level = (region, i) => (region === 'small' ? 0.08 : i < 2 ? 0.08 : null);
  const r = await watchRegion(input(gate([latency()]), peers), world(noPeers).deps);
  assert.equal(r.verdict, 'no_data');
  assert.match(r.reason, /latency-mean has 2 of 10 samples paired with its control/);
  assert.equal(r.tally?.compare?.['latency-mean'].value.length, 2, 'the tally carries the pairs to the extension');
  // A shadow compare never holds a soak for its own samples.
  const shadow = await watchRegion(input(gate([latency({ compare: compare({ enforce: false }) })]), peers), world(noPeers).deps);
  assert.equal(shadow.verdict, 'pass');
  assert.equal(shadow.judgements?.[0].verdict, 'too_little_data');
});

test('before: the last stage is judged against its own history before the deploy', async () => {
  const history = Array.from({ length: 20 }, (_, i) => 0.08 * (1 + 0.05 * jitter('small-before', i)));
  const w = world(scaled(1.5), { history });
  const r = await watchRegion(input(gate([latency()]), lastStage), w.deps);
  assert.equal(r.verdict, 'breach');
  assert.match(r.reason, /vs control 0\.0\d+ \(\+\d+ %, p < 0\.001, 98 % CI \+\d+ % to \+\d+ %\) in small, against its own values before the deploy/);
  assert.ok(w.seen.includes('range small -25000..-5000/1000'), `history window is the soak ending at the deploy: ${w.seen.filter((s) => s.startsWith('range'))}`);
  assert.equal(w.seen.filter((s) => s.startsWith('range')).length, 1, 'the history is read once');
  const ok = await watchRegion(input(gate([latency()]), lastStage), world(scaled(1), { history }).deps);
  assert.equal(ok.verdict, 'pass');
});

test('before with a source that has no history: too little data, saying why', async () => {
  const http = latency({ prometheus: undefined, http: { url: 'http://h', path: '$.latency' } });
  const r = await watchRegion(input(gate([http]), lastStage), world(scaled(1), { noRange: true }).deps);
  assert.equal(r.verdict, 'no_data');
  assert.match(r.reason, /0 of 10 samples paired with its control \(last: latency-mean cannot be compared with before: only a Prometheus check can read its history\)/);
});

test('maxDelta: an absolute worsening in the check unit', async () => {
  const errors = latency({ name: 'error-rate', max: 0.05, compare: compare({ maxIncrease: undefined, maxDelta: 0.005 }) });
  const level = (extra: number): Level => (region, i) => 0.001 + 0.0002 * jitter(region, i) + (region === 'small' ? extra : 0);
  const worse = await watchRegion(input(gate([errors]), peers), world(level(0.01)).deps);
  assert.equal(worse.verdict, 'breach');
  assert.match(worse.reason, /error-rate 0\.01\d* vs control 0\.00\d* \(\+0\.0\d+, p < 0\.001, 98 % CI \+0\.0\d+ to \+0\.0\d+; by level/);
  const slight = await watchRegion(input(gate([errors]), peers), world(level(0.002)).deps);
  assert.equal(slight.verdict, 'pass');
});

test("a watch resumed after a lost worker keeps the compare samples from the heartbeat", async () => {
  const first = world(scaled(1.5));
  const g = gate([latency()]);
  // Run the first half, then "crash": resume a new watch from the last heartbeat.
  const half = await watchRegion({ ...input(g, peers), deadline: 5_000 }, first.deps);
  assert.equal(half.verdict, 'no_data', 'short of samples at the half');
  const beat = first.beats.at(-1)!;
  assert.equal(beat.compare?.['latency-mean'].value.length, 5);
  const w = world(scaled(1.5), { resumeFrom: JSON.parse(JSON.stringify(beat)) });
  const r = await watchRegion(input(g, peers), w.deps);
  assert.equal(r.verdict, 'breach');
  assert.equal(r.checks[0].compare?.samples, 20, '5 resumed + 15 new');
});

test('pure rules: direction, control choice, relative change, median', () => {
  assert.equal(worseOf({ max: 1 }), 'higher');
  assert.equal(worseOf({ min: 1 }), 'lower');
  assert.equal(worseOf({ max: 1, min: 0 }), undefined);
  assert.equal(worseOf({ max: 1, worse: 'lower' }), 'lower');
  assert.deepEqual(controlFor({ against: 'peers' }, ['b', 'c']), { against: 'peers', regions: ['b', 'c'] });
  assert.deepEqual(controlFor({ against: 'peers' }, []), { against: 'before' }, 'the last stage falls back to before');
  assert.deepEqual(controlFor({ against: 'before' }, ['b']), { against: 'before' });
  assert.equal(Math.round(relativeWorsening(0.118, 0.079, 'higher') * 100), 49);
  assert.equal(Math.round(relativeWorsening(60, 100, 'lower') * 100), 40);
  assert.equal(relativeWorsening(1, 0, 'higher'), Infinity);
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  const j = judge(latency(), { against: 'peers', regions: ['b'], value: [0.118, 0.118, 0.118, 0.119, 0.117], control: [0.079, 0.08, 0.078, 0.079, 0.079], level: true }, 5);
  assert.equal(j.text, 'latency-mean 0.118 vs control 0.079 (+49 %, p = 0.005, 98 % CI +47 % to +52 %)', 'ties: the normal approximation');
});

test('status and Web UI details show the judgement, shadow ones marked', async () => {
  const { renderStatus, stripAnsi } = await import('../../src/cli/render.js');
  const { detailsMarkdown } = await import('../../workflows/details.js');
  const shadow = latency({ compare: compare({ enforce: false }) });
  const r = await watchRegion(input(gate([shadow]), peers), world(scaled(1.5)).deps);
  const status = {
    service: 'checkout', version: '2.0.0', owner: 'o', runbook: 'r', phase: 'running' as const, currentStage: 0,
    stages: [{ index: 0, regions: [{ name: 'small', customers: 1, state: 'promoted' as const, attempt: 1, checks: r.checks }], gate: { name: 'g', approval: 'auto' as const, state: 'passed' as const } }],
    events: [], startedAt: new Date(0).toISOString(),
  };
  const text = stripAnsi(renderStatus(status, 0));
  assert.match(text, /vs peers mid, large \(shadow\): control 0\.0\d+, 20 paired samples {2}breach: latency-mean 0\.1\d+ vs control 0\.0\d+ \(\+\d+ %, p < 0\.001, 98 % CI/);
  // The details escape Markdown in what they quote; read them unescaped.
  const details = detailsMarkdown(status).replace(/\\(.)/g, '$1');
  assert.match(details, /\*\*small\*\* latency-mean vs peers mid\/large, shadow: breach \(latency-mean 0\.1\d+ vs control 0\.0\d+ \(\+\d+ %, p < 0\.001, 98 % CI/);
});

test('the quarterly review counts environment pauses apart from inconclusive checks', async () => {
  const { review, reviewMarkdown } = await import('../../src/client/review.js');
  const status = (kind: 'environment' | 'inconclusive') => ({
    service: 's', version: '2', owner: 'o', runbook: 'r', phase: 'paused' as const, currentStage: 0,
    stages: [{ index: 0, regions: [], gate: { name: 'g', approval: 'auto' as const, state: 'inconclusive' as const } }],
    events: [{ at: new Date(0).toISOString(), kind, message: 'x', region: 'small' }], startedAt: new Date(0).toISOString(),
  });
  const r = review([status('environment'), status('inconclusive')]);
  assert.equal(r.environment, 1);
  assert.equal(r.inconclusive, 1);
  assert.match(reviewMarkdown(r, '90d'), /deploys paused by a fleet incident \(environment: .*\): 1/);
});

test('next steps for a region held by environment: retry (re-soak) or abort, never approve', async () => {
  const { nextSteps } = await import('../../workflows/next-steps.js');
  const s = {
    service: 'svc', version: '2', owner: 'o', runbook: 'r', phase: 'paused' as const, currentStage: 0,
    stages: [{ index: 0, regions: [{ name: 'small', customers: 1, state: 'awaiting_approval' as const, attempt: 1, checks: [] }], gate: { name: 'g', approval: 'auto' as const, state: 'inconclusive' as const } }],
    events: [{ at: new Date(0).toISOString(), kind: 'environment' as const, message: 'x', region: 'small' }], startedAt: new Date(0).toISOString(),
  };
  const steps = nextSteps(s);
  assert.ok(steps.some((l) => l.startsWith('firebreak retry svc --region small')));
  assert.ok(!steps.some((l) => l.startsWith('firebreak approve')));
});
