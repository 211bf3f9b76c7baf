// Freezes on the real stack: a freeze stops a running deploy at its next gate and a deploy
// started during it touches no region; both go on after unfreeze. An approval waiting at a
// manual gate is refused while frozen, and goes through after unfreeze. A scheduled freeze
// starts and ends on its own. Held deploys are woken by the freeze workflow (freeze-changed):
// the worker's fallback recheck is set to ten minutes, so nothing here rests on it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { WorkflowHandle } from '@temporalio/client';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { testPlan } from '../../src/local/pipelines.js';
import { activityEnv, historyOf, refused, settle, simDeployments, start, waitFor, withWorker } from '../helpers/deploys.js';
import { recordHistory } from '../helpers/histories.js';
import { approveUpdate } from '../../workflows/messages.js';
import { liftFreeze, listFreezes, setFreeze } from '../../src/client/freeze.js';
import { FREEZE_WORKFLOW_ID } from '../../src/domain/freeze.js';
import { freezeUpdate, unfreezeUpdate } from '../../workflows/freeze.js';

let stack: TestStack;
before(async () => {
  stack = await startTestStack({ simulator: true });
});
after(async () => stack?.stop());

const REGIONS: [string, number][] = [
  ['small', 100],
  ['large', 90000],
];
const env = () => activityEnv(stack, { FIREBREAK_FREEZE_RECHECK_MS: String(10 * 60_000) });

/** How many freeze-changed signals the deploy has received. */
async function freezeSignals(handle: WorkflowHandle): Promise<number> {
  const { events } = await historyOf(handle);
  return events.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'freeze-changed').length;
}

async function waitForSignal(handle: WorkflowHandle, seen: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if ((await freezeSignals(handle)) > seen) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('no freeze-changed signal reached the deploy');
}


test('a freeze holds a running deploy at its next gate, one started during it touches no region, a manual approval is refused; all go on after unfreeze', async () => {
  await withWorker(
    stack,
    async () => {
      const running = await start(stack, testPlan({ service: 'fz-running', regions: REGIONS, soak: '3s' }, '2.0.0'));
      const gated = await start(stack, testPlan({ service: 'fz-gated', regions: REGIONS, soak: '1s', approval: 'manual' }, '2.0.0'));
      await waitFor(running, (s) => s.stages[0].regions[0].state === 'soaking', 'fz-running small to soak');
      await waitFor(gated, (s) => s.stages[0].regions[0].state === 'awaiting_approval', 'fz-gated small at its manual gate');

      const signalsBefore = await freezeSignals(gated);
      const first = await setFreeze(stack.client, stack.taskQueue, { services: ['fz-running', 'fz-new', 'fz-gated'], reason: 'incident 42', by: 'ana' });
      assert.deepEqual(first.changed, ['fz-gated', 'fz-new', 'fz-running']);
      // Sent twice: nothing changes.
      const again = await setFreeze(stack.client, stack.taskQueue, { services: ['fz-running', 'fz-new', 'fz-gated'], reason: 'incident 42', by: 'ana' });
      assert.deepEqual(again.changed, []);
      assert.equal(again.freezes.length, 3);

      // The running deploy finishes its soak, then holds before promoting: nothing rolled back.
      const held = await waitFor(running, (s) => s.frozen !== undefined, 'fz-running to hold for the freeze');
      assert.equal(held.phase, 'paused');
      assert.match(held.frozen!.at, /promotion of small|stage 2/);
      assert.equal(held.frozen!.reason, 'incident 42');
      assert.equal(held.stages[1].regions[0].state, 'pending');
      assert.ok(held.events.some((e) => e.kind === 'frozen' && e.by === 'ana'));

      // Started during the freeze: it touches no region.
      const fresh = await start(stack, testPlan({ service: 'fz-new', regions: REGIONS, soak: '1s' }, '2.0.0'));
      const waiting = await waitFor(fresh, (s) => s.frozen !== undefined, 'fz-new to hold at its first gate');
      assert.match(waiting.frozen!.at, /^stage 1/);
      assert.ok(waiting.stages.every((st) => st.regions.every((r) => r.state === 'pending')));
      assert.deepEqual((await simDeployments(stack)).filter((d) => d.service === 'fz-new'), [], 'no region of fz-new was deployed');

      // The manual gate: approve is refused, naming the freeze, once the deploy has heard of it.
      await waitForSignal(gated, signalsBefore);
      const why = await refused(gated.executeUpdate(approveUpdate, { args: [{ region: 'small', by: 'ana' }] }));
      assert.match(why, /fz-gated frozen by ana .*incident 42.*unfreeze/);

      // A pause of the freeze alone is no pause that times out; still held after a while.
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal((await settleNot(running)).frozen?.reason, 'incident 42');

      const beforeLift = await freezeSignals(gated);
      const lifted = await liftFreeze(stack.client, stack.taskQueue, { services: ['fz-running', 'fz-new', 'fz-gated'], by: 'ana', reason: 'resolved' });
      assert.deepEqual(lifted.changed, ['fz-gated', 'fz-new', 'fz-running']);
      assert.deepEqual((await liftFreeze(stack.client, stack.taskQueue, { services: ['fz-running'] })).changed, [], 'unfreeze twice changes nothing');

      const [a, b] = await Promise.all([ended(running), ended(fresh)]);
      assert.equal(a.phase, 'succeeded');
      assert.equal(b.phase, 'succeeded');
      for (const s of [a, b]) {
        assert.ok(s.events.some((e) => e.kind === 'unfrozen'), 'the deploy went on by itself');
        assert.equal(s.frozen, undefined);
        assert.ok(!s.events.some((e) => e.kind === 'rollback_started'), 'nothing was rolled back');
      }
      await waitForSignal(gated, beforeLift);
      await gated.executeUpdate(approveUpdate, { args: [{ region: 'small', by: 'ana' }] });
      await waitFor(gated, (s) => s.stages[1].regions[0].state === 'awaiting_approval', 'fz-gated large at its gate');
      await gated.executeUpdate(approveUpdate, { args: [{ region: 'large', by: 'ana' }] });
      assert.equal((await ended(gated)).phase, 'succeeded');
      await recordHistory(stack.address, running, 'v6-freeze-hold');
    },
    env(),
  );
});

/** The status once the deploy has ended (a paused one is still waiting to go on). */
function ended(handle: WorkflowHandle) {
  return waitFor(handle as never, (s) => s.phase !== 'running' && s.phase !== 'paused', 'the deploy to end', 120_000);
}

/** The status while still paused (a guard: the deploy must not have moved on). */
async function settleNot(handle: WorkflowHandle) {
  return waitFor(handle as never, (s) => s.phase === 'paused', 'still paused', 5000);
}

test('a scheduled freeze starts and ends on its own, holding the deploy in between', async () => {
  await withWorker(
    stack,
    async () => {
      const now = Date.now();
      const from = new Date(now + 1000).toISOString();
      const until = new Date(now + 12_000).toISOString();
      const answer = await setFreeze(stack.client, stack.taskQueue, { services: ['fz-scheduled'], reason: 'earnings day', from, until });
      assert.equal(answer.freezes.find((f) => f.scope === 'fz-scheduled')?.until, until);
      const handle = await start(stack, testPlan({ service: 'fz-scheduled', regions: REGIONS, soak: '2s' }, '2.0.0'));
      const held = await waitFor(handle, (s) => s.frozen !== undefined, 'the scheduled freeze to hold the deploy');
      assert.equal(held.frozen!.until, until);
      const s = await waitFor(handle, (x) => x.phase !== 'running' && x.phase !== 'paused', 'the deploy to end', 120_000);
      assert.equal(s.phase, 'succeeded');
      const unfrozen = s.events.find((e) => e.kind === 'unfrozen');
      assert.ok(unfrozen, 'it went on by itself');
      assert.ok(Date.parse(unfrozen.at) >= Date.parse(until), `went on at ${unfrozen.at}, not before the freeze ended at ${until}`);
      // The ended freeze is dropped from the state.
      assert.equal((await listFreezes(stack.client)).some((f) => f.scope === 'fz-scheduled'), false);
      await recordHistory(stack.address, stack.client.workflow.getHandle(FREEZE_WORKFLOW_ID), 'v6-freeze-workflow');
    },
    env(),
  );
});

test('bad freezes are refused by the workflow itself and change nothing; --override-freeze passes and is recorded', async () => {
  await withWorker(
    stack,
    async () => {
      await liftFreeze(stack.client, stack.taskQueue, { services: true });
      await setFreeze(stack.client, stack.taskQueue, { services: true, reason: 'holidays', by: 'ana' });
      const handle = stack.client.workflow.getHandle(FREEZE_WORKFLOW_ID);
      const before = (await historyOf(handle)).events.length;
      const past = new Date(Date.now() - 60_000).toISOString();
      assert.match(await refused(handle.executeUpdate(freezeUpdate, { args: [{ services: ['x'], reason: 'late', until: past }] })), /in the past/);
      assert.match(await refused(handle.executeUpdate(freezeUpdate, { args: [{ services: ['x'], reason: '' }] as never })), /needs a reason/);
      assert.match(await refused(handle.executeUpdate(freezeUpdate, { args: [{ services: ['x'] }] as never })), /needs a reason/);
      assert.match(await refused(handle.executeUpdate(unfreezeUpdate, { args: [null] as never })), /JSON object/);
      const after = await historyOf(handle);
      const updates = after.events.slice(before).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
      assert.deepEqual(updates, [], 'refused updates leave no trace');
      assert.deepEqual((await listFreezes(stack.client)).map((f) => f.scope), ['*']);

      const plan = testPlan({ service: 'fz-override', regions: REGIONS, soak: '1s' }, '2.0.0');
      const { handle: deploy } = await (await import('../../src/client/start.js')).startDeploy(stack.client, {
        plan,
        taskQueue: stack.taskQueue,
        startedBy: 'test',
        overrideFreeze: { reason: 'the fix for the incident', by: 'ana' },
      });
      const s = await settle(deploy);
      assert.equal(s.phase, 'succeeded');
      const passed = s.events.filter((e) => e.kind === 'freeze_override');
      assert.ok(passed.length >= 2, 'the start and each freeze passed are recorded');
      assert.ok(passed.some((e) => /every service frozen by ana/.test(e.message) && e.by === 'ana'));
      assert.equal(s.overrideFreeze?.reason, 'the fix for the incident');
      await liftFreeze(stack.client, stack.taskQueue, { services: true });
      assert.deepEqual(await listFreezes(stack.client), []);
    },
    env(),
  );
});
