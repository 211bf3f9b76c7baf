// Operator commands: updates that make no sense are refused with a reason and leave no trace
// in history; the same commands sent as signals with the `temporal` CLI (as an operator would)
// are recorded as ignored; a pause signalled while no worker runs takes effect when one returns.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { WorkflowHandle } from '@temporalio/client';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { testPlan } from '../../src/local/pipelines.js';
import { createTestWorker, historyOf, phaseIs, refused, regionState, start, waitFor, withWorker, settle } from '../helpers/deploys.js';
import { findTemporalCli } from '../../src/local/tools.js';
import { recordHistory } from '../helpers/histories.js';
import { resumeUpdate, retryUpdate, approveUpdate } from '../../workflows/messages.js';

const run = promisify(execFile);
let stack: TestStack;
before(async () => {
  stack = await startTestStack({ simulator: true });
});
after(async () => stack?.stop());

const REGIONS: [string, number][] = [
  ['small', 100],
  ['large', 90000],
];

/** `temporal workflow signal`, exactly as the runbook tells an operator to type it. */
async function signal(handle: WorkflowHandle, name: string, input: object) {
  await run(findTemporalCli(), [
    'workflow', 'signal', '--address', stack.address, '--namespace', stack.namespace,
    '--workflow-id', handle.workflowId, '--name', name, '--input', JSON.stringify(input),
  ]);
}


test('nonsense updates are refused with a reason and add no history event', async () => {
  await withWorker(stack, async () => {
    const handle = await start(stack, testPlan({ service: 'op-refuse', regions: REGIONS, soak: '4s' }, '2.0.0'));
    await waitFor(handle, (s) => regionState(s, 'small') === 'soaking', 'small to soak');
    const before = (await historyOf(handle)).events.length;
    assert.equal(await refused(handle.executeUpdate(resumeUpdate, { args: [{ by: 'ana' }] })), 'the deploy is running, not paused');
    assert.match(await refused(handle.executeUpdate(retryUpdate, { args: [{ region: 'small', by: 'ana' }] })), /small is soaking: nothing to retry/);
    assert.match(await refused(handle.executeUpdate(approveUpdate, { args: [{ region: 'large', by: 'ana' }] })), /large is pending, not awaiting approval/);
    const afterRefusals = await historyOf(handle);
    // Events may have been added by the deploy itself meanwhile; none may mention an update.
    const updateEvents = afterRefusals.events.slice(before).filter((e) => /update/i.test(String(e.eventType)) || e.workflowExecutionUpdateAcceptedEventAttributes || e.workflowExecutionUpdateCompletedEventAttributes);
    assert.deepEqual(updateEvents, [], 'refused updates leave no trace in history');
    const s = await settle(handle);
    assert.equal(s.phase, 'succeeded');
    assert.ok(!s.events.some((e) => e.kind === 'ignored'), 'refused updates are not events either');
  });
});

test('the same commands as signals (temporal CLI) are recorded as ignored, with the reason', async () => {
  await withWorker(stack, async () => {
    const handle = await start(stack, testPlan({ service: 'op-signal', regions: REGIONS, soak: '3s' }, '2.0.0'));
    await waitFor(handle, (s) => regionState(s, 'small') === 'soaking', 'small to soak');
    await signal(handle, 'resume', { by: 'bob' });
    await signal(handle, 'retry', { region: 'small', by: 'bob' });
    const s = await waitFor(handle, (x) => x.events.filter((e) => e.kind === 'ignored').length === 2, 'two ignored signals');
    const ignored = s.events.filter((e) => e.kind === 'ignored');
    assert.equal(ignored[0].message, 'resume signal ignored: the deploy is running, not paused');
    assert.equal(ignored[0].by, 'bob');
    assert.match(ignored[1].message, /retry signal ignored: small is soaking: nothing to retry/);
    assert.equal(s.phase, 'running', 'ignored signals change nothing');
    assert.equal((await settle(handle)).phase, 'succeeded');
  });
});

test('pause sent as a signal while no worker runs takes effect when a worker returns', async () => {
  const handle = await start(stack, testPlan({ service: 'op-brake', regions: REGIONS, soak: '3s' }, '2.0.0'));
  await withWorker(stack, () => waitFor(handle, (s) => regionState(s, 'small') === 'soaking', 'small to soak'));
  // No worker now: the signal is durable in history all the same.
  await signal(handle, 'pause', { reason: 'incident in us-east', by: 'oncall' });
  const worker = await createTestWorker(stack);
  await worker.runUntil(async () => {
    const paused = await waitFor(handle, phaseIs('paused'), 'the pause to take effect');
    assert.match(paused.pausedReason!, /paused by oncall: incident in us-east/);
    // The soak of small ends while paused: it must not promote, and large must not start.
    await waitFor(handle, (s) => s.stages[0].gate.state === 'passed', 'small to pass its checks');
    await new Promise((r) => setTimeout(r, 1500));
    const held = await waitFor(handle, () => true, 'status');
    assert.equal(regionState(held, 'small'), 'soaking');
    assert.equal(regionState(held, 'large'), 'pending');
    assert.equal(held.phase, 'paused');
    await signal(handle, 'resume', { by: 'oncall' });
    const done = await settle(handle);
    assert.equal(done.phase, 'succeeded');
    assert.deepEqual(done.events.filter((e) => e.by === 'oncall').map((e) => e.kind), ['paused', 'resumed']);
    await recordHistory(stack.address, handle, 'v1-pause-signal-resume');
  });
});

test('manual approval waits, refuses the wrong region, promotes after the right one', async () => {
  await withWorker(stack, async () => {
    const handle = await start(stack, testPlan({ service: 'op-approve', regions: REGIONS, soak: '2s', approval: 'manual' }, '2.0.0'));
    const waiting = await waitFor(handle, (s) => regionState(s, 'small') === 'awaiting_approval', 'small to await approval');
    assert.equal(waiting.stages[0].gate.state, 'awaiting_approval');
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(regionState(await waitFor(handle, () => true, 'status'), 'large'), 'pending', 'no promotion without approval');
    assert.match(await refused(handle.executeUpdate(approveUpdate, { args: [{ region: 'large', by: 'ana' }] })), /large is pending, not awaiting approval \(awaiting: small\)/);
    const approved = await handle.executeUpdate(approveUpdate, { args: [{ region: 'small', by: 'ana' }] });
    assert.ok(approved.events.some((e) => e.kind === 'approved' && e.region === 'small' && e.by === 'ana'));
    await waitFor(handle, (s) => regionState(s, 'large') === 'awaiting_approval', 'large to await approval');
    await handle.executeUpdate(approveUpdate, { args: [{ by: 'ben' }] });
    const done = await settle(handle);
    assert.equal(done.phase, 'succeeded');
    assert.equal(done.stages[0].gate.by, 'ana');
    assert.equal(done.stages[1].gate.by, 'ben');
    assert.equal(done.stages[1].gate.state, 'approved');
    await recordHistory(stack.address, handle, 'v1-manual-approval');
  });
});
