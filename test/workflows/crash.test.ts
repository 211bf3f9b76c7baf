// A worker SIGKILLed (a real child process) in the middle of a soak: a new worker finishes the
// deploy, no region is deployed twice, and the soak keeps its absolute deadline: neither
// restarted from zero nor cut short.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestStack, startWorkerProcess, type TestStack } from '../helpers/stack.js';
import { testPlan } from '../../src/local/pipelines.js';
import { regionState, seedVersion, simDeployments, start, waitFor, settle } from '../helpers/deploys.js';
import { defaultPayloadConverter } from '@temporalio/common';
import type { WatchTally } from '../../activities/types.js';
import { deploysScheduled, earlyPasses, firedTimers, watchAnswers } from '../helpers/soak-times.js';
import { recordHistory } from '../helpers/histories.js';

let stack: TestStack;
before(async () => {
  stack = await startTestStack({ simulator: true });
});
after(async () => stack?.stop());

test('worker killed during a soak: a new worker finishes, nothing deployed twice, soak keeps its deadline', async () => {
  const SOAK_MS = 20_000;
  await seedVersion(stack, 'crash', ['small', 'large'], '1.0.0');
  const plan = testPlan({ service: 'crash', regions: [['small', 100, '20s'], ['large', 90000, '6s']], interval: '1s', minSamples: 5 }, '2.0.0');
  const workerOpts = { address: stack.address, taskQueue: stack.taskQueue, env: { FIREBREAK_SIM_URL: stack.sim!.url } };
  const first = await startWorkerProcess(workerOpts);
  const handle = await start(stack, plan);
  const soaking = await waitFor(handle, (s) => regionState(s, 'small') === 'soaking' && s.stages[0].regions[0].soakEndsAt !== undefined, 'small to soak');
  // Kill once the watcher has heartbeated samples: the server then holds a tally to resume.
  const heartbeated = await tallyOnServer(handle, (t) => t.checks[0].samples >= 2);
  first.kill('SIGKILL');
  const { signal } = await first.exited;
  assert.equal(signal, 'SIGKILL');

  const second = await startWorkerProcess(workerOpts);
  try {
    const done = await settle(handle);
    assert.equal(done.phase, 'succeeded', JSON.stringify(done.events, null, 1));

    const deploys = (await simDeployments(stack)).filter((d) => d.service === 'crash' && d.version === '2.0.0');
    assert.deepEqual(deploys.map((d) => d.region), ['small', 'large'], 'each region deployed exactly once');

    const small = done.stages[0].regions[0];
    const deadline = Date.parse(soaking.stages[0].regions[0].soakEndsAt!);
    // Not restarted: the deadline is the one set before the crash, and the soak carried on
    // from the tally the dead worker heartbeated (a restart would begin from zero samples).
    assert.equal(Date.parse(small.soakEndsAt!), deadline, 'the soak kept its absolute deadline');
    assert.equal(deadline - Date.parse(small.soakStartedAt!), SOAK_MS);
    assert.ok(small.checks[0].samples >= heartbeated.checks[0].samples, `samples carried across the crash: ${heartbeated.checks[0].samples} -> ${small.checks[0].samples}`);
    assert.ok(small.checks[0].samples >= 5, `minSamples reached: ${small.checks[0].samples}`);
    // Not cut short: promoted at or after the deadline by the workflow's clock, and every watch
    // that passed did so at or after it by the server's (or the workflow waited the rest out).
    const promotedAt = Date.parse(done.events.find((e) => e.kind === 'promoted' && e.region === 'small')!.at);
    assert.ok(promotedAt >= deadline, `not cut short: promoted ${deadline - promotedAt} ms before the deadline`);
    const history = await handle.fetchHistory();
    const answers = watchAnswers(history).filter((a) => a.region === 'small');
    assert.ok(answers.length >= 1, 'the soak answered');
    // By the server's clock: the soak's own timer fired a full soak after it started, and the
    // next region was deployed only after that, however early any watch answered.
    const timer = firedTimers(history).find((t) => t.ms === SOAK_MS);
    assert.ok(timer, 'the soak ran its own timer');
    const large = deploysScheduled(history).find((d) => d.region === 'large')!;
    assert.ok(large.at >= timer.firedAt, `large deployed ${timer.firedAt - large.at} ms before small's soak timer fired`);
  } finally {
    second.kill('SIGTERM');
    await second.exited;
  }
});

test('a soak watcher whose clock runs ahead answers early: the soak timer still holds each region to its full soak', async () => {
  // The watcher believes each soak is over 4 s before it is: without the soak timer each region
  // would be promoted 4 s early, on a short observation window. (Less than the shortest soak,
  // so the watcher still sees the soaks begin.)
  const SKEW_MS = 4_000;
  const SOAKS = { small: 12_000, large: 8_000 };
  await seedVersion(stack, 'skewed', ['small', 'large'], '1.0.0');
  const plan = testPlan({ service: 'skewed', regions: [['small', 100, '12s'], ['large', 90000, '8s']], interval: '500ms', minSamples: 3 }, '2.0.0');
  const worker = await startWorkerProcess({
    address: stack.address,
    taskQueue: stack.taskQueue,
    env: { FIREBREAK_SIM_URL: stack.sim!.url, FIREBREAK_FAULT_WATCH_CLOCK_SKEW_MS: String(SKEW_MS) },
  });
  try {
    const handle = await start(stack, plan);
    const done = await settle(handle);
    assert.equal(done.phase, 'succeeded', JSON.stringify(done.events, null, 1));
    await recordHistory(stack.address, handle, 'v5-soak-timer');
    const history = await handle.fetchHistory();
    // The fault really fell: each region's watch answered pass before its deadline.
    const early = earlyPasses(history);
    assert.deepEqual([...new Set(early.map((a) => a.region))].sort(), ['large', 'small'], JSON.stringify(watchAnswers(history)));
    const timers = firedTimers(history);
    for (const stage of done.stages) {
      for (const r of stage.regions) {
        const soakMs = SOAKS[r.name as keyof typeof SOAKS];
        const promoted = done.events.find((e) => e.kind === 'promoted' && e.region === r.name)!;
        assert.ok(Date.parse(promoted.at) >= Date.parse(r.soakEndsAt!), `${r.name} promoted at ${promoted.at}, before its soak ended at ${r.soakEndsAt}`);
        const timer = timers.find((t) => t.ms === soakMs);
        assert.ok(timer && timer.firedAt - timer.startedAt >= soakMs, `${r.name}: its soak timer ran ${soakMs} ms: ${JSON.stringify(timers)}`);
        assert.ok(r.checks[0].samples >= 3, `${r.name}: samples ${r.checks[0].samples}`);
      }
    }
    // By the server's clock, large was deployed only once small's full soak had passed.
    const smallTimer = timers.find((t) => t.ms === SOAKS.small)!;
    const large = deploysScheduled(history).find((d) => d.region === 'large')!;
    assert.ok(large.at >= smallTimer.firedAt, `large deployed ${smallTimer.firedAt - large.at} ms before small's soak ended`);
  } finally {
    worker.kill('SIGTERM');
    await worker.exited;
  }
});

/** Waits until the server holds heartbeat details for the pending watch that satisfy `ok`. */
async function tallyOnServer(handle: Awaited<ReturnType<typeof start>>, ok: (t: WatchTally) => boolean): Promise<WatchTally> {
  for (;;) {
    const watch = (await handle.describe()).raw.pendingActivities?.find((a) => a.activityType?.name === 'watchRegion');
    const payload = watch?.heartbeatDetails?.payloads?.[0];
    if (payload) {
      const tally = defaultPayloadConverter.fromPayload(payload) as WatchTally;
      if (ok(tally)) return tally;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('worker killed while reading the version a region runs: a new worker reads it again within seconds, not minutes', async () => {
  // A `current` command that takes a while, as `kubectl get` against a slow cluster can.
  const plan = testPlan({ service: 'crash-read', regions: [['only', 10]], soak: '1s', checks: 'none' }, '2.0.0');
  plan.deploy = { command: ['sh', '-c', 'exit 0'], current: ['sh', '-c', 'sleep 4; echo 1.0.0'], timeout: '1m' } as typeof plan.deploy;
  const workerOpts = { address: stack.address, taskQueue: stack.taskQueue, env: { FIREBREAK_SIM_URL: stack.sim!.url } };
  const first = await startWorkerProcess(workerOpts);
  const handle = await start(stack, plan);
  // The read is under way once the server has handed the activity to the worker.
  for (;;) {
    const desc = await handle.describe();
    const pending = (desc.raw.pendingActivities ?? []).find((a) => a.activityType?.name === 'currentVersion');
    if (pending?.state === 2 /* STARTED */) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  first.kill('SIGKILL');
  await first.exited;
  const killedAt = Date.now();
  const second = await startWorkerProcess(workerOpts);
  try {
    const done = await settle(handle);
    assert.equal(done.phase, 'succeeded', JSON.stringify(done.events, null, 1));
    assert.equal(done.stages[0].regions[0].fromVersion, '1.0.0');
    const deployingAt = Date.parse(done.events.find((e) => e.kind === 'deploying')!.at);
    // With no heartbeat the server would notice the lost read only at its 2-minute
    // start-to-close timeout; heartbeats bring that down to the 10 s heartbeat timeout.
    assert.ok(deployingAt - killedAt < 60_000, `the read resumed ${deployingAt - killedAt} ms after the kill`);
  } finally {
    second.kill('SIGTERM');
    await second.exited;
  }
});

test('worker stopped (SIGTERM) during a soak: it hands the soak back with its tally, and a new worker carries on from it', async () => {
  await seedVersion(stack, 'handover', ['small'], '1.0.0');
  const plan = testPlan({ service: 'handover', regions: [['small', 100, '20s']], interval: '500ms', minSamples: 5 }, '2.0.0');
  const workerOpts = { address: stack.address, taskQueue: stack.taskQueue, env: { FIREBREAK_SIM_URL: stack.sim!.url } };
  const first = await startWorkerProcess(workerOpts);
  const handle = await start(stack, plan);
  await waitFor(handle, (s) => regionState(s, 'small') === 'soaking', 'small to soak');
  // Inside the soak, before the watcher's first periodic heartbeat (6 s): only a hand-over
  // puts the samples taken so far on the server.
  await new Promise((r) => setTimeout(r, 2500));
  first.kill('SIGTERM');
  assert.equal((await first.exited).code, 0);

  const watch = (await handle.describe()).raw.pendingActivities?.find((a) => a.activityType?.name === 'watchRegion');
  assert.ok(watch, 'the watch is still pending on the server');
  assert.match(watch.lastFailure?.message ?? '', /shut down/, 'the attempt was given back, not left to time out');
  const tally = defaultPayloadConverter.fromPayload(watch.heartbeatDetails!.payloads![0]) as WatchTally;
  const handedOver = tally.checks[0].samples;
  assert.ok(handedOver >= 1, `the tally up to the hand-over: ${handedOver} samples`);

  const second = await startWorkerProcess(workerOpts);
  const secondReadyAt = Date.now();
  try {
    const done = await settle(handle);
    assert.equal(done.phase, 'succeeded', JSON.stringify(done.events, null, 1));
    // Carried on from the handed-over tally: never fewer samples than were handed over (a
    // restart from zero on a late worker would have fewer). A new worker that came up well
    // before the deadline must also have added samples of its own; on a loaded machine it may
    // come up after the deadline, and then the handed-over samples alone decide the soak.
    const samples = done.stages[0].regions[0].checks[0].samples;
    assert.ok(samples >= handedOver, `carried on from the handed-over tally: ${handedOver} -> ${samples}`);
    const deadline = Date.parse(done.stages[0].regions[0].soakEndsAt!);
    if (secondReadyAt < deadline - 8_000) assert.ok(samples > handedOver, `the new worker, up ${deadline - secondReadyAt} ms before the deadline, added samples: ${handedOver} -> ${samples}`);
  } finally {
    second.kill('SIGTERM');
    await second.exited;
  }
});
