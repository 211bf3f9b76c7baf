// History stays bounded: one region-stage costs the same number of events whether its soak is
// three seconds or thirty (the watch heartbeats; it does not wake the workflow).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { testPlan } from '../../src/local/pipelines.js';
import { historyOf, start, withWorker, settle } from '../helpers/deploys.js';

let stack: TestStack;
before(async () => {
  stack = await startTestStack({ simulator: true });
});
after(async () => stack?.stop());

async function eventsFor(service: string, soak: string): Promise<number> {
  const handle = await start(stack, testPlan({ service, regions: [['only', 100]], soak, interval: '500ms', minSamples: 2 }, '2.0.0'), { previous: '1.0.0' });
  const done = await settle(handle);
  assert.equal(done.phase, 'succeeded');
  assert.ok(done.stages[0].regions[0].checks[0].samples >= 3);
  return (await historyOf(handle)).events.length;
}

// ±3: the soak's timer and its watch end at about the same moment, and whether they land in one
// workflow task or two (3 events: scheduled, started, completed) depends on which the server
// sees first, not on the soak's length.
test('a region-stage costs the same events for a 3 s and a 30 s soak (±3)', async () => {
  await withWorker(stack, async () => {
    const [short, long] = await Promise.all([eventsFor('hist-short', '3s'), eventsFor('hist-long', '30s')]);
    console.log(`history events per region-stage: 3s soak ${short}, 30s soak ${long}`);
    assert.ok(Math.abs(short - long) <= 3, `3s soak: ${short} events, 30s soak: ${long} events`);
    // A one-region deploy: start and end, the release check, a freeze read before expand, at the
    // stage and before promotion, the version read, deploy, watch and soak timer, with their
    // workflow tasks and search-attribute upserts: 51 events when measured; with the deploy
    // record at the end (its patch marker and the recordDeploy local activity's marker, once per
    // deploy, not per region-stage): 54.
    assert.ok(long < 60, `a single region-stage should be a few dozen events at most, got ${long}`);
  });
});
