// The change judgement on the real stack (dev server, simulator with seeded noise and
// region-level faults, Prometheus): a region permanently 50 % slower than its peers (a
// region-scoped latency fault on every version) promotes a healthy version, and a +50 %
// regression in that same region is caught there and rolled back; in the last stage, which has
// no peers, a fleet incident pauses as `environment` (the promoted regions are sick too) and
// rolls nothing back.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { testPlan } from '../../src/local/pipelines.js';
import { clearFaults, phaseIs, regionState, seedVersion, settle, simFault, simRegion, start, waitFor, withWorker } from '../helpers/deploys.js';
import { recordHistory } from '../helpers/histories.js';
import { abortUpdate, retryUpdate } from '../../workflows/messages.js';

let stack: TestStack;
before(async () => {
  stack = await startTestStack({ simulator: { noise: 0.1, seed: 23 }, prometheus: true });
});
after(async () => stack?.stop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const REGIONS: [string, number][] = [
  ['ca-central-1', 2000],
  ['eu-south-1', 5000],
  ['us-east-1', 90000],
];
const SOAK_MS = 8000;
/** Long enough for a soak-long past at the region's lasting level, rate window included. */
const HISTORY_MS = SOAK_MS + 5000;

/** A service whose first region is 40 ms (50 %) slower than its peers on every version, for a soak-long past. */
async function biasedService(service: string): Promise<void> {
  await seedVersion(stack, service, REGIONS.map(([r]) => r), '1.0.0');
  await simFault(stack, { service, region: 'ca-central-1', latencyMs: 40 });
  await sleep(HISTORY_MS);
}

test('a healthy version in a region permanently 50 % slower than its peers is promoted: its change is judged, not its level', async () => {
  await withWorker(stack, async () => {
    try {
      await biasedService('change-biased');
      const plan = testPlan({ service: 'change-biased', regions: REGIONS, soak: '8s', interval: '500ms', minSamples: 10, checks: 'compare-latency' }, '2.0.0');
      const done = await settle(await start(stack, plan));
      assert.equal(done.phase, 'succeeded', done.pausedReason ?? done.failure);
      const first = done.stages[0].regions[0].checks[0];
      const c = first.compare!;
      assert.equal(c.verdict, 'pass');
      assert.equal(c.basis, 'change', c.text);
      assert.ok(c.before!.region > c.before!.peers * 1.3, `slower than its peers before too: ${c.text}`);
      assert.ok(c.effect!.low <= c.effect!.estimate && c.effect!.estimate <= c.effect!.high);
      const event = done.events.find((e) => e.kind === 'judgement' && e.region === 'ca-central-1');
      assert.match(event?.message ?? '', /^ca-central-1 pass: latency-mean [+-]\d+ % beyond its peers' change \(98 % CI [+-]\d+ % to [+-]\d+ %, p [<=] [\d.]+; region [\d.]+ -> [\d.]+, peers [\d.]+ -> [\d.]+\)$/);
      // The levels themselves are noisy (the region read 0.09978 once): how much slower it is, is asserted above.
    } finally {
      await clearFaults(stack);
    }
  });
});

test('a +50 % regression in that same region is caught there, by its change, and rolled back', async () => {
  await withWorker(stack, async () => {
    try {
      await biasedService('change-regress');
      // The new version is 50 % slower in ca-central-1 only: 120 ms -> 180 ms, far under the 2 s
      // SLO (the simulator applies the largest matching latency fault: 100 ms over the 80 ms base).
      await simFault(stack, { service: 'change-regress', region: 'ca-central-1', version: '2.0.0', latencyMs: 100 });
      const plan = testPlan({ service: 'change-regress', regions: REGIONS, soak: '8s', interval: '500ms', minSamples: 10, checks: 'compare-latency' }, '2.0.0');
      const handle = await start(stack, plan);
      const s = await waitFor(handle, phaseIs('paused'), 'the regression to pause the deploy');
      assert.equal(regionState(s, 'ca-central-1'), 'rolled_back');
      assert.equal(regionState(s, 'eu-south-1'), 'pending');
      const first = s.stages[0].regions[0];
      assert.match(first.error!, /latency-mean \+\d+ % beyond its peers' change \(98 % CI \+\d+ % to \+\d+ %, p [<=] 0\.0\d+; region 0\.1\d* -> 0\.\d+, peers 0\.0\d* -> 0\.0\d*\) in ca-central-1, against peers eu-south-1, us-east-1/);
      const c = first.checks[0].compare!;
      assert.equal(c.verdict, 'breach');
      assert.equal(c.basis, 'change');
      assert.ok(c.effect!.estimate > 0.25, c.text);
      assert.match(s.pausedReason ?? '', /beyond its peers' change/, 'the pause (and its notification) carries the explanation');
      assert.equal((await simRegion(stack, 'change-regress', 'ca-central-1')).version, '1.0.0', 'rolled back');
      await handle.executeUpdate(abortUpdate, { args: [{ reason: 'test over', by: 'test' }] });
    } finally {
      await clearFaults(stack);
    }
  });
});

test('the last stage has no peers: a fleet incident there pauses as environment, read from the promoted regions, and rolls nothing back', async () => {
  await withWorker(stack, async () => {
    const regions: [string, number][] = [
      ['small', 2000],
      ['large', 90000],
    ];
    await seedVersion(stack, 'change-last', ['small', 'large'], '1.0.0');
    const plan = testPlan({ service: 'change-last', regions, soak: '8s', interval: '500ms', minSamples: 10, checks: 'compare-errors' }, '1.1.0');
    const handle = await start(stack, plan);
    await waitFor(handle, (s) => regionState(s, 'large') === 'soaking', 'the last stage to soak');
    // Everything breaks, whatever the version and region: small (promoted) too.
    await simFault(stack, { service: 'change-last', errorRate: 0.3 });
    let s;
    try {
      s = await waitFor(handle, phaseIs('paused'), 'the incident to pause the deploy');
    } finally {
      await clearFaults(stack);
    }
    assert.equal(regionState(s, 'small'), 'promoted');
    assert.equal(regionState(s, 'large'), 'awaiting_approval', `held, not failed: ${s.pausedReason}`);
    assert.equal(s.stages[1].gate.state, 'inconclusive');
    assert.match(s.pausedReason!, /large: environment: error-rate = 0\.\d+ breached <= 0\.05 \d+ times in a row in large, and so did its control: the promoted regions small 0\.\d+: the fleet is sick, not this version/);
    assert.ok(!s.events.some((e) => e.kind === 'rollback_started' || e.kind === 'region_failed'), 'no rollback');
    assert.equal((await simRegion(stack, 'change-last', 'large')).version, '1.1.0', 'the new version still runs');
    // Once the fleet recovers, retry re-soaks the last stage to success.
    await sleep(4000);
    await handle.executeUpdate(retryUpdate, { args: [{ region: 'large', by: 'ana' }] });
    const done = await settle(handle);
    assert.equal(done.phase, 'succeeded', done.pausedReason ?? done.failure);
    await recordHistory(stack.address, handle, 'v6-promoted-environment');
  });
});
