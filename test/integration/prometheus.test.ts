// SLO checks through a real Prometheus scraping the simulator: a -bad version is caught by
// its error rate; a metric with no samples never promotes (onNoData: pause), or fails the
// region (onNoData: fail).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { testPlan } from '../../src/local/pipelines.js';
import { phaseIs, regionState, seedVersion, simRegion, start, waitFor, withWorker, settle } from '../helpers/deploys.js';
import { recordHistory } from '../helpers/histories.js';
import { abortUpdate, approveUpdate, retryUpdate } from '../../workflows/messages.js';

let stack: TestStack;
before(async () => {
  stack = await startTestStack({ simulator: true, prometheus: true });
});
after(async () => stack?.stop());

const REGIONS: [string, number][] = [
  ['small', 2000],
  ['large', 90000],
];

test('a -bad version is caught by the Prometheus error rate in the smallest region', async () => {
  await withWorker(stack, async () => {
    await seedVersion(stack, 'prom-bad', ['small', 'large'], '1.0.0');
    const handle = await start(stack, testPlan({ service: 'prom-bad', regions: REGIONS, soak: '8s', interval: '1s', checks: 'prometheus' }, '1.1.0-bad'));
    const s = await waitFor(handle, phaseIs('paused'), 'the breach to pause the deploy');
    assert.equal(regionState(s, 'small'), 'rolled_back');
    assert.equal(regionState(s, 'large'), 'pending');
    const check = s.stages[0].regions[0].checks[0];
    assert.ok(typeof check.value === 'number' && check.value > 0.05, `error rate seen by Prometheus: ${check.value}`);
    assert.equal((await simRegion(stack, 'prom-bad', 'small')).version, '1.0.0');
    await handle.executeUpdate(abortUpdate, { args: [{ reason: 'test over', by: 'test' }] });
  });
});

test('onNoData: pause — a metric with no samples never promotes; the region waits for a person', async () => {
  await withWorker(stack, async () => {
    await seedVersion(stack, 'prom-nodata', ['small', 'large'], '1.0.0');
    const handle = await start(stack, testPlan({ service: 'prom-nodata', regions: REGIONS, soak: '3s', checks: 'nodata', onNoData: 'pause' }, '2.0.0'));
    const s = await waitFor(handle, phaseIs('paused'), 'no data to pause the deploy');
    assert.equal(regionState(s, 'small'), 'awaiting_approval');
    assert.equal(s.stages[0].gate.state, 'inconclusive');
    assert.match(s.pausedReason!, /small: checks inconclusive/);
    assert.equal(s.stages[0].regions[0].checks[0].samples, 0);
    await new Promise((r) => setTimeout(r, 1500));
    const still = await waitFor(handle, () => true, 'status');
    assert.equal(regionState(still, 'small'), 'awaiting_approval', 'no promotion on missing data');
    assert.equal(regionState(still, 'large'), 'pending');
    assert.equal((await simRegion(stack, 'prom-nodata', 'small')).version, '2.0.0', 'inconclusive is not a failure: no rollback');

    // retry re-soaks without redeploying; still no data, so still held.
    await handle.executeUpdate(retryUpdate, { args: [{ region: 'small', by: 'ana' }] });
    const again = await waitFor(handle, (x) => x.phase === 'paused' && x.stages[0].regions[0].attempt === 2, 'the re-soak to end inconclusive');
    assert.equal(again.events.filter((e) => e.kind === 'deploying' && e.region === 'small').length, 1, 'a re-soak does not redeploy');
    await handle.executeUpdate(abortUpdate, { args: [{ reason: 'no metrics', by: 'ana', rollback: 'failed' }] });
    assert.equal((await simRegion(stack, 'prom-nodata', 'small')).version, '1.0.0', 'abort {rollback: failed} rolls back the unproven region');
  });
});

test('onNoData: pause — an operator may approve an inconclusive region on their own judgement', async () => {
  await withWorker(stack, async () => {
    const handle = await start(stack, testPlan({ service: 'prom-judge', regions: [['only', 10]], soak: '2s', checks: 'nodata' }, '2.0.0', ), { previous: '1.0.0' });
    await waitFor(handle, phaseIs('paused'), 'inconclusive');
    await handle.executeUpdate(approveUpdate, { args: [{ region: 'only', by: 'ana' }] });
    const done = await settle(handle);
    assert.equal(done.phase, 'succeeded');
    assert.equal(done.stages[0].gate.by, 'ana');
    await recordHistory(stack.address, handle, 'v1-inconclusive-approved');
  });
});

test('onNoData: fail — missing data fails the region and rolls it back', async () => {
  await withWorker(stack, async () => {
    await seedVersion(stack, 'prom-fail', ['small', 'large'], '1.0.0');
    const handle = await start(stack, testPlan({ service: 'prom-fail', regions: REGIONS, soak: '2s', checks: 'nodata', onNoData: 'fail' }, '2.0.0'));
    const s = await waitFor(handle, phaseIs('paused'), 'the failure');
    assert.equal(regionState(s, 'small'), 'rolled_back');
    assert.match(s.stages[0].regions[0].error!, /no data/);
    await handle.executeUpdate(abortUpdate, { args: [{ by: 'test' }] });
  });
});
