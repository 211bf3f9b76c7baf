// Peer judgement on the real stack (dev server, simulator with seeded noise, Prometheus):
// a +50 % latency regression under the absolute SLO is caught in the first region by its
// peers; a fleet-wide error incident during a healthy deploy pauses as `environment` without a
// rollback (retry re-soaks once the fleet recovers); the last stage, which has no peers, is
// judged against its own values before its deploy.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { testPlan } from '../../src/local/pipelines.js';
import { clearFaults, phaseIs, regionState, seedVersion, settle, simFault, simRegion, start, waitFor, withWorker } from '../helpers/deploys.js';
import { recordHistory } from '../helpers/histories.js';
import { abortUpdate, approveUpdate, retryUpdate } from '../../workflows/messages.js';

let stack: TestStack;
before(async () => {
  stack = await startTestStack({ simulator: { noise: 0.1, seed: 12 }, prometheus: true });
});
after(async () => stack?.stop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const REGIONS: [string, number][] = [
  ['small', 2000],
  ['mid', 5000],
  ['large', 90000],
];

test('a +50 % latency regression under the absolute SLO is caught in the first region, by its peers', async () => {
  await withWorker(stack, async () => {
    await seedVersion(stack, 'judge-slow', ['small', 'mid', 'large'], '1.0.0');
    // The new version is 40 ms slower everywhere it runs: 80 ms -> 120 ms, far under the 2 s SLO.
    await simFault(stack, { service: 'judge-slow', version: '1.1.0', latencyMs: 40 });
    try {
      const plan = testPlan({ service: 'judge-slow', regions: REGIONS, soak: '8s', interval: '500ms', minSamples: 10, checks: 'compare-latency' }, '1.1.0');
      const handle = await start(stack, plan);
      const s = await waitFor(handle, phaseIs('paused'), 'the relative breach to pause the deploy');
      assert.equal(regionState(s, 'small'), 'rolled_back');
      assert.equal(regionState(s, 'mid'), 'pending');
      assert.equal(regionState(s, 'large'), 'pending');
      const small = s.stages[0].regions[0];
      // Judged by its change against the peers' (or, when the seconds since the seed hold no
      // history yet, by level, saying so).
      assert.match(small.error!, /latency-mean (\+\d+ % beyond its peers' change \(98 % CI \+\d+ % to \+\d+ %, p [<=] 0\.0\d+; [^)]*\)|0\.\d+ vs control 0\.\d+ \(\+\d+ %, p [<=] 0\.0\d+, 98 % CI [^)]*\)) in small, against peers mid, large/);
      const check = small.checks[0];
      assert.ok(typeof check.value === 'number' && check.value < 2, 'under the absolute SLO');
      assert.equal(check.compare?.verdict, 'breach');
      assert.deepEqual(check.compare?.regions, ['mid', 'large']);
      assert.ok(s.events.some((e) => e.kind === 'judgement' && e.region === 'small' && /^small breach: latency-mean/.test(e.message)));
      assert.equal((await simRegion(stack, 'judge-slow', 'small')).version, '1.0.0', 'rolled back');
      await handle.executeUpdate(abortUpdate, { args: [{ reason: 'test over', by: 'test' }] });
    } finally {
      await clearFaults(stack);
    }
  });
});

test('a fleet-wide error incident during a healthy deploy pauses as environment, with no rollback', async () => {
  await withWorker(stack, async () => {
    const regions: [string, number][] = [
      ['small', 2000],
      ['large', 90000],
    ];
    await seedVersion(stack, 'judge-fleet', ['small', 'large'], '1.0.0');
    const plan = testPlan({ service: 'judge-fleet', regions, soak: '8s', interval: '500ms', minSamples: 10, checks: 'compare-errors' }, '1.1.0');
    const handle = await start(stack, plan);
    await waitFor(handle, (s) => regionState(s, 'small') === 'soaking', 'small to soak');
    // Everything breaks, whatever the version: the incident is the fleet's, not the deploy's.
    // With noise, the regions cross 0.05 moments apart: the judgement must not call it the
    // version's because small crossed first (judge.ts fleetCall).
    await simFault(stack, { service: 'judge-fleet', errorRate: 0.3 });
    let s;
    try {
      s = await waitFor(handle, phaseIs('paused'), 'the incident to pause the deploy');
    } finally {
      await clearFaults(stack);
    }
    assert.equal(regionState(s, 'small'), 'awaiting_approval', `held, not failed: ${s.pausedReason}`);
    assert.equal(s.stages[0].gate.state, 'inconclusive');
    assert.match(s.pausedReason!, /small: environment: error-rate = 0\.\d+ breached <= 0\.05 \d+ times in a row in small, and so did its control: large 0\.\d+: the fleet is sick, not this version/);
    assert.ok(s.events.some((e) => e.kind === 'environment' && e.region === 'small'));
    assert.ok(!s.events.some((e) => e.kind === 'rollback_started' || e.kind === 'region_failed'), 'no rollback');
    assert.equal((await simRegion(stack, 'judge-fleet', 'small')).version, '1.1.0', 'the new version still runs');
    // approve is refused: the version was never judged; retry re-soaks, abort ends.
    await assert.rejects(handle.executeUpdate(approveUpdate, { args: [{ region: 'small', by: 'ana' }] }), (err: Error) => {
      assert.match(String((err.cause as Error | undefined)?.message ?? err.message), /control breaches too \(environment\): retry re-soaks/);
      return true;
    });
    // Once the fleet recovers (and the rate windows have moved past the incident), retry re-soaks.
    await sleep(4000);
    await handle.executeUpdate(retryUpdate, { args: [{ region: 'small', by: 'ana' }] });
    const done = await settle(handle);
    assert.equal(done.phase, 'succeeded', done.pausedReason ?? done.failure);
    assert.equal(done.events.filter((e) => e.kind === 'deploying' && e.region === 'small').length, 1, 'a re-soak does not redeploy');
    await recordHistory(stack.address, handle, 'v4-environment-retry');
  });
});

test('the last stage has no peers: it is judged against its own values before its deploy', async () => {
  await withWorker(stack, async () => {
    const regions: [string, number][] = [
      ['small', 2000],
      ['large', 90000],
    ];
    await seedVersion(stack, 'judge-before', ['small', 'large'], '1.0.0');
    // The new version is slow only in large: small passes against its peer large (still on
    // 1.0.0); large, the last stage, can only be compared with its own history.
    await simFault(stack, { service: 'judge-before', region: 'large', version: '1.2.0', latencyMs: 40 });
    try {
      const plan = testPlan({ service: 'judge-before', regions, soak: '8s', interval: '500ms', minSamples: 10, checks: 'compare-latency' }, '1.2.0');
      const handle = await start(stack, plan);
      const s = await waitFor(handle, phaseIs('paused'), 'large to breach against its history');
      assert.equal(regionState(s, 'small'), 'promoted');
      const small = s.stages[0].regions[0].checks[0].compare!;
      assert.equal(small.against, 'peers');
      assert.equal(small.verdict, 'pass');
      assert.equal(regionState(s, 'large'), 'rolled_back');
      const large = s.stages[1].regions[0];
      assert.match(large.error!, /latency-mean 0\.\d+ vs control 0\.\d+ \(\+\d+ %, p [<=] 0\.0\d+, 98 % CI \+\d+ % to \+\d+ %\) in large, against its own values before the deploy/);
      assert.equal(large.checks[0].compare?.against, 'before');
      await handle.executeUpdate(abortUpdate, { args: [{ reason: 'test over', by: 'test' }] });
    } finally {
      await clearFaults(stack);
    }
  });
});

test('shadow mode: the same regression is judged, shown and recorded, and the deploy carries on', async () => {
  await withWorker(stack, async () => {
    const regions: [string, number][] = [
      ['small', 2000],
      ['large', 90000],
    ];
    await seedVersion(stack, 'judge-shadow', ['small', 'large'], '1.0.0');
    await simFault(stack, { service: 'judge-shadow', version: '1.1.0', region: 'small', latencyMs: 40 });
    try {
      const plan = testPlan({ service: 'judge-shadow', regions, soak: '8s', interval: '500ms', minSamples: 10, checks: 'compare-latency-shadow' }, '1.1.0');
      const handle = await start(stack, plan);
      const done = await settle(handle);
      assert.equal(done.phase, 'succeeded', done.pausedReason ?? done.failure);
      const small = done.stages[0].regions[0].checks[0].compare!;
      assert.equal(small.enforce, false);
      assert.equal(small.verdict, 'breach', 'judged worse than its peer');
      const event = done.events.find((e) => e.kind === 'judgement' && e.region === 'small');
      assert.match(event?.message ?? '', /^small breach: latency-mean (\+\d+ % beyond its peers' change|0\.\d+ vs control 0\.\d+) \(.*\) \(shadow: never fails a region\)$/);
    } finally {
      await clearFaults(stack);
    }
  });
});

test('too little data: a control without values extends the soak, then follows onNoData (pause)', async () => {
  await withWorker(stack, async () => {
    // `ghost` has never served anything: its query has no series, so no sample can be paired.
    const regions: [string, number][] = [
      ['small', 2000],
      ['ghost', 90000],
    ];
    await seedVersion(stack, 'judge-nodata', ['small'], '1.0.0');
    const plan = testPlan({ service: 'judge-nodata', regions, soak: '4s', interval: '500ms', minSamples: 5, checks: 'compare-latency' }, '1.1.0');
    const handle = await start(stack, plan);
    const s = await waitFor(handle, phaseIs('paused'), 'the judgement to go inconclusive');
    assert.equal(regionState(s, 'small'), 'awaiting_approval');
    assert.equal(s.stages[0].gate.state, 'inconclusive');
    assert.ok(s.events.some((e) => e.kind === 'soak_extended' && e.region === 'small'), 'extended first (the bake)');
    assert.match(s.pausedReason!, /small: checks inconclusive: .*latency-mean has 0 of 5 samples paired with its control/);
    assert.equal((await simRegion(stack, 'judge-nodata', 'small')).version, '1.1.0', 'missing data is no breach: no rollback');
    await handle.executeUpdate(abortUpdate, { args: [{ reason: 'test over', by: 'test' }] });
  });
});
