// `firebreak review`: the quarterly retrospective, from the audit trails of real finished
// deploys: where failures were caught and what operators did.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { runFirebreak } from '../helpers/cli.js';
import { testPlan } from '../../src/local/pipelines.js';
import { phaseIs, seedVersion, settle, simFault, start, waitFor, withWorker } from '../helpers/deploys.js';
import { abortUpdate } from '../../workflows/messages.js';

let stack: TestStack;
before(async () => {
  stack = await startTestStack({ simulator: true });
});
after(async () => stack?.stop());

const REGIONS: [string, number][] = [
  ['small', 100],
  ['large', 9900],
];

test('review counts outcomes, the stage where each failure was caught, and operator actions', async () => {
  await withWorker(stack, async () => {
    await seedVersion(stack, 'rev', ['small', 'large'], '1.0.0');
    assert.equal((await settle(await start(stack, testPlan({ service: 'rev', regions: REGIONS, soak: '2s' }, '2.0.0')))).phase, 'succeeded');
    await simFault(stack, { service: 'rev', region: 'small', version: '2.1.0', errorRate: 0.5 });
    const bad = await start(stack, testPlan({ service: 'rev', regions: REGIONS, soak: '2s' }, '2.1.0'));
    await waitFor(bad, phaseIs('paused'), 'the failure in small');
    await bad.executeUpdate(abortUpdate, { args: [{ reason: 'bad build', by: 'ana' }] });
  });
  // Visibility is eventually consistent: wait until both closed runs are listed.
  let report: { deploys: number; byPhase: Record<string, number>; caughtAtStage: Record<string, number>; caughtFirstShare: number; customersExposedToFailures: number; customersAllAtOnce: number; operatorActions: Record<string, number> } | undefined;
  for (let i = 0; i < 50 && (report?.deploys ?? 0) < 2; i++) {
    const run = await runFirebreak(stack, ['review', '--service', 'rev', '--json']);
    assert.equal(run.code, 0, run.stderr);
    report = JSON.parse(run.stdout);
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(report!.deploys, 2);
  assert.deepEqual(report!.byPhase, { succeeded: 1, aborted: 1 });
  assert.deepEqual(report!.caughtAtStage, { 1: 1 });
  assert.equal(report!.caughtFirstShare, 1);
  assert.equal(report!.customersExposedToFailures, 100, 'only the smallest region ran the bad version');
  assert.equal(report!.customersAllAtOnce, 10000);
  assert.deepEqual(report!.operatorActions, { abort: 1 });

  const text = await runFirebreak(stack, ['review', '--service', 'rev']);
  assert.match(text.stdout, /Caught in the first \(smallest\) stage: 100%/);
  assert.match(text.stdout, /Customers on a failing version before it was caught: 100, against 10,000/);
});
