// The soak is a bake, time and evidence: a soak whose checks lack minSamples at its
// deadline is extended until they arrive, up to gate.maxExtension, and only then does onNoData
// apply. A worker lost for longer than the soak has left no longer turns a healthy version into
// a false pause.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestStack, startWorkerProcess, type TestStack } from '../helpers/stack.js';
import { testPlan } from '../../src/local/pipelines.js';
import { regionState, seedVersion, settle, simDeployments, start, waitFor, withWorker } from '../helpers/deploys.js';
import { recordHistory } from '../helpers/histories.js';
import { abortUpdate, type DeployStatus } from '../../workflows/messages.js';

let stack: TestStack;
before(async () => {
  stack = await startTestStack({ simulator: true });
});
after(async () => stack?.stop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const events = (s: DeployStatus, kind: string, region?: string) => s.events.filter((e) => e.kind === kind && (!region || e.region === region));

test('a worker lost past the end of the soak: the soak extends for its samples and passes', async (t) => {
  await seedVersion(stack, 'bake', ['small', 'large'], '1.0.0');
  const plan = testPlan(
    { service: 'bake', regions: [['small', 100, '8s'], ['large', 90000, '6s']], interval: '1s', minSamples: 5, maxExtension: '60s' },
    '2.0.0',
  );
  const workerOpts = { address: stack.address, taskQueue: stack.taskQueue, env: { FIREBREAK_SIM_URL: stack.sim!.url } };
  const first = await startWorkerProcess(workerOpts);
  const handle = await start(stack, plan);
  const soaking = await waitFor(handle, (s) => regionState(s, 'small') === 'soaking' && s.stages[0].regions[0].soakEndsAt !== undefined, 'small to soak');
  const deadline = Date.parse(soaking.stages[0].regions[0].soakEndsAt!);
  await sleep(1500);
  first.kill('SIGKILL');
  await first.exited;
  // No worker until the soak's time is over: it cannot have its 5 samples by then.
  while (Date.now() < deadline + 1000) await sleep(200);

  const second = await startWorkerProcess(workerOpts);
  try {
    const done = await settle(handle);
    assert.equal(done.phase, 'succeeded', JSON.stringify(done.events, null, 1));
    assert.equal(events(done, 'inconclusive').length, 0, 'no false pause');

    const small = done.stages[0].regions[0];
    const [extended] = events(done, 'soak_extended', 'small');
    assert.ok(extended, 'the extension is in the audit trail');
    assert.match(extended.message, new RegExp(`^small soak extended until ${small.soakExtendedUntil!.replace(/[.]/g, '\\.')} to collect samples: not enough data in small to pass .*error-rate has [0-4] of 5 samples`));
    // The workflow's clock can lag after a lost worker: the event was seen stamped with the
    // soak's start time (8 s before its deadline). So `until` counts from the later of the two.
    t.diagnostic(`deadline ${new Date(deadline).toISOString()}, soak_extended at ${extended.at} (${Date.parse(extended.at) - deadline} ms after)`);
    assert.equal(Date.parse(small.soakExtendedUntil!), Math.max(deadline, Date.parse(extended.at)) + 60_000, 'until: maxExtension from the deadline, or from when samples were found missing if later');

    const promotedAt = Date.parse(events(done, 'promoted', 'small')[0].at);
    assert.ok(promotedAt < Date.parse(small.soakExtendedUntil!), 'promoted as soon as the evidence was in, not at the end of the extension');
    assert.ok(small.checks[0].samples >= 5, `samples: ${small.checks[0].samples}`);
    assert.equal(events(done, 'soak_extended', 'large').length, 0, 'a soak with its samples is not extended');

    const deploys = (await simDeployments(stack)).filter((d) => d.service === 'bake' && d.version === '2.0.0');
    assert.deepEqual(deploys.map((d) => d.region), ['small', 'large'], 'each region deployed exactly once');
    await recordHistory(stack.address, handle, 'v5-soak-extended-passed');
  } finally {
    second.kill('SIGTERM');
    await second.exited;
  }
});

test('a check that never gets data pauses only after maxExtension; maxExtension 0s pauses at once', async () => {
  await withWorker(stack, async () => {
    const plan = testPlan({ service: 'bake-nodata', regions: [['small', 10]], soak: '2s', interval: '500ms', minSamples: 3, checks: 'missing', maxExtension: '3s' }, '2.0.0');
    const handle = await start(stack, plan, { previous: '1.0.0' });
    const paused = await waitFor(handle, (s) => s.phase === 'paused', 'the deploy to pause');
    const small = paused.stages[0].regions[0];
    assert.equal(small.state, 'awaiting_approval');
    assert.equal(paused.stages[0].gate.state, 'inconclusive');
    const [extended] = events(paused, 'soak_extended', 'small');
    const [inconclusive] = events(paused, 'inconclusive', 'small');
    assert.ok(extended && inconclusive, JSON.stringify(paused.events, null, 1));
    assert.ok(Date.parse(small.soakExtendedUntil!) - Date.parse(small.soakEndsAt!) >= 3000, 'extended by maxExtension');
    assert.ok(Date.parse(inconclusive.at) >= Date.parse(small.soakExtendedUntil!), 'onNoData applied only after the extension');
    assert.match(paused.pausedReason!, /saturation has 0 of 3 samples/);
    await handle.executeUpdate(abortUpdate, { args: [{ reason: 'no data', by: 'test' }] });
    await recordHistory(stack.address, handle, 'v5-soak-extended-inconclusive');

    const never = testPlan({ service: 'bake-never', regions: [['small', 10]], soak: '2s', interval: '500ms', minSamples: 3, checks: 'missing', maxExtension: '0s' }, '2.0.0');
    const h2 = await start(stack, never, { previous: '1.0.0' });
    const p2 = await settle(h2);
    assert.equal(p2.phase, 'paused');
    assert.equal(events(p2, 'soak_extended').length, 0, 'maxExtension 0s: no extension');
    assert.ok(Date.parse(events(p2, 'inconclusive')[0].at) - Date.parse(p2.stages[0].regions[0].soakEndsAt!) < 3000, 'paused right after the soak');
    await h2.executeUpdate(abortUpdate, { args: [{ reason: 'no data', by: 'test' }] });
  });
});
