// A breach in a middle region: that region is rolled back to its previous version, earlier
// regions keep the new one, later regions are never deployed, the deploy pauses. Then retry
// (after clearing the fault) completes it; separately, abort {rollback: all} undoes everything.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { testPlan } from '../../src/local/pipelines.js';
import {
  clearFaults,
  phaseIs,
  regionState,
  seedVersion,
  simDeployments,
  simFault,
  simRegion,
  start,
  waitFor,
  withWorker,
  settle,
} from '../helpers/deploys.js';
import { recordHistory } from '../helpers/histories.js';
import { abortUpdate, retryUpdate } from '../../workflows/messages.js';

let stack: TestStack;
before(async () => {
  stack = await startTestStack({ simulator: true });
});
after(async () => stack?.stop());

const REGIONS: [string, number][] = [
  ['small', 100],
  ['middle', 5000],
  ['large', 90000],
];

async function breachInMiddle(service: string) {
  await seedVersion(stack, service, ['small', 'middle', 'large'], '1.0.0');
  await simFault(stack, { service, region: 'middle', version: '2.0.0', errorRate: 0.5 });
  const handle = await start(stack, testPlan({ service, regions: REGIONS, soak: '3s' }, '2.0.0'));
  const paused = await waitFor(handle, phaseIs('paused'), 'the deploy to pause after the breach');
  return { handle, paused };
}

test('breach in the middle region: rolled back, earlier untouched, later never deployed; retry completes', async () => {
  await withWorker(stack, async () => {
    const { handle, paused } = await breachInMiddle('shop-retry');
    assert.equal(regionState(paused, 'small'), 'promoted');
    assert.equal(regionState(paused, 'middle'), 'rolled_back');
    assert.equal(regionState(paused, 'large'), 'pending');
    assert.match(paused.pausedReason!, /middle: failed and rolled back to 1\.0\.0/);
    const middle = paused.stages[1].regions[0];
    assert.match(middle.error!, /error-rate = 0\.5 breached <= 0\.05/);
    assert.ok(paused.events.some((e) => e.kind === 'breach' && e.region === 'middle'));

    assert.equal((await simRegion(stack, 'shop-retry', 'small')).version, '2.0.0', 'earlier region untouched');
    assert.equal((await simRegion(stack, 'shop-retry', 'middle')).version, '1.0.0', 'failed region back on 1.0.0');
    assert.equal((await simRegion(stack, 'shop-retry', 'large')).version, '1.0.0');
    const deployed = (await simDeployments(stack)).filter((d) => d.service === 'shop-retry' && d.version === '2.0.0');
    assert.deepEqual(deployed.map((d) => d.region), ['small', 'middle'], 'the large region never saw 2.0.0');

    // Still paused a while later: nothing promotes on its own.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(regionState(await waitFor(handle, () => true, 'status'), 'large'), 'pending');

    await clearFaults(stack);
    const afterRetry = await handle.executeUpdate(retryUpdate, { args: [{ region: 'middle', by: 'ana' }] });
    assert.equal(afterRetry.phase, 'running', 'an accepted update returns the new status');
    const done = await settle(handle);
    assert.equal(done.phase, 'succeeded');
    assert.equal(done.stages[1].regions[0].attempt, 2);
    for (const region of ['small', 'middle', 'large']) {
      assert.equal((await simRegion(stack, 'shop-retry', region)).version, '2.0.0');
    }
    assert.ok(done.events.some((e) => e.kind === 'retry' && e.by === 'ana'));
    await recordHistory(stack.address, handle, 'v5-breach-rollback-retry');
  });
});

test('abort {rollback: all} returns every region to its previous version', async () => {
  await withWorker(stack, async () => {
    const { handle } = await breachInMiddle('shop-abort');
    const aborted = await handle.executeUpdate(abortUpdate, { args: [{ reason: 'bad build', by: 'ana', rollback: 'all' }] });
    assert.equal(aborted.phase, 'aborted');
    for (const region of ['small', 'middle', 'large']) {
      assert.equal((await simRegion(stack, 'shop-abort', region)).version, '1.0.0', `${region} back on 1.0.0`);
    }
    assert.equal(regionState(aborted, 'small'), 'rolled_back');
    assert.equal(regionState(aborted, 'large'), 'pending', 'a region never deployed needs no rollback');
    const final = await settle(handle);
    assert.equal(final.phase, 'aborted');
    assert.ok(final.events.some((e) => e.kind === 'abort' && e.by === 'ana' && /bad build/.test(e.message)));
    await recordHistory(stack.address, handle, 'v5-abort-rollback-all');
  });
});

test('rollback.onFailure: all rolls back every deployed region and ends rolled_back', async () => {
  await withWorker(stack, async () => {
    const service = 'shop-all';
    await seedVersion(stack, service, ['small', 'middle', 'large'], '1.0.0');
    await simFault(stack, { service, region: 'middle', version: '2.0.0', errorRate: 0.5 });
    const handle = await start(stack, testPlan({ service, regions: REGIONS, soak: '3s', rollback: { onFailure: 'all' } }, '2.0.0'));
    const final = await settle(handle);
    assert.equal(final.phase, 'rolled_back');
    for (const region of ['small', 'middle']) {
      assert.equal((await simRegion(stack, service, region)).version, '1.0.0');
    }
    assert.equal(regionState(final, 'large'), 'pending');
  });
});

test('a wave: one region breaches, its sibling passes later; the stage gate still shows failed', async () => {
  await withWorker(stack, async () => {
    const service = 'shop-wave';
    await seedVersion(stack, service, ['small', 'middle', 'large'], '1.0.0');
    await simFault(stack, { service, region: 'small', version: '2.0.0', errorRate: 0.5 });
    const handle = await start(stack, testPlan({ service, regions: REGIONS, waves: [['small', 'middle'], ['large']], soak: '3s' }, '2.0.0'));
    // Paused on small's breach, and middle's soak (which outlasts small's) has passed since.
    const s = await waitFor(handle, (x) => x.phase === 'paused' && regionState(x, 'middle') === 'promoted', 'small to fail and middle to pass');
    assert.equal(regionState(s, 'small'), 'rolled_back');
    assert.equal(s.stages[0].regions[0].gate?.state, 'failed');
    assert.equal(s.stages[0].regions[1].gate?.state, 'passed');
    assert.equal(s.stages[0].gate.state, 'failed', 'the sibling that passed later must not hide the failure');
    await handle.executeUpdate(abortUpdate, { args: [{ reason: 'test over', by: 'test', rollback: 'none' }] });
  });
});
