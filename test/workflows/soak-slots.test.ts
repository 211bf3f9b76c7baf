// Soaks hold no activity slot (docs/design.md): on a worker with two activity slots, seven regions
// soak at once. Every healthy soak collects its samples inside its own window (none is
// extended for samples it could not take while waiting for a slot), and the one bad region's
// breach is rolled back while the others are still soaking.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestStack, workflowBundle, type TestStack } from '../helpers/stack.js';
import { testPlan } from '../../src/local/pipelines.js';
import { activityEnv, seedVersion, settle, simFault, start } from '../helpers/deploys.js';
import { createActivities } from '../../activities/index.js';
import { createWorker } from '../../src/worker/run.js';

let stack: TestStack;
before(async () => {
  stack = await startTestStack({ simulator: true });
});
after(async () => stack?.stop());

const SLOTS = 2;
const HEALTHY = 6;

test('more soaks than activity slots: each gets its samples in its own window; a breach is acted on while the others soak', async () => {
  const services = [...Array.from({ length: HEALTHY }, (_, i) => `slots-${i}`), 'slots-bad'];
  for (const s of services) await seedVersion(stack, s, ['only'], '1.0.0');
  await simFault(stack, { service: 'slots-bad', version: '2.0.0', errorRate: 0.5 });
  const worker = await createWorker({
    connection: stack.connection,
    namespace: stack.namespace,
    taskQueue: stack.taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ env: activityEnv(stack) }),
    options: { maxConcurrentActivityTaskExecutions: SLOTS },
  });
  const ended = await worker.runUntil(async () => {
    // minSamples is half of what the soak can take (6 s at 500 ms): only a soak that waited
    // for a slot for half its length falls short and is extended.
    const handles = await Promise.all(services.map((service) => start(stack, testPlan({ service, regions: [['only', 1000]], soak: '6s', interval: '500ms', minSamples: 6 }, '2.0.0'))));
    return Promise.all(handles.map((h) => settle(h)));
  });
  const healthy = ended.slice(0, HEALTHY);
  const bad = ended[HEALTHY];

  for (const s of healthy) {
    assert.equal(s.phase, 'succeeded', `${s.service}: ${JSON.stringify(s.events.slice(-3))}`);
    assert.equal(s.events.filter((e) => e.kind === 'soak_extended').length, 0, `${s.service} soaked without waiting for a slot`);
    assert.ok(s.stages[0].regions[0].checks[0].samples >= 6, `${s.service}: ${s.stages[0].regions[0].checks[0].samples} samples`);
  }
  assert.equal(bad.stages[0].regions[0].state, 'rolled_back');
  const breachAt = Date.parse(bad.events.find((e) => e.kind === 'breach')!.at);
  const rolledBackAt = Date.parse(bad.events.find((e) => e.kind === 'rolled_back')!.at);
  const firstHealthyEnd = Math.min(...healthy.map((s) => Date.parse(s.stages[0].regions[0].soakEndsAt!)));
  assert.ok(breachAt < firstHealthyEnd, 'the breach came while the healthy regions soaked');
  assert.ok(rolledBackAt < firstHealthyEnd, `the rollback did not wait for a slot: rolled back ${firstHealthyEnd - rolledBackAt} ms before the first healthy soak ended`);
});
