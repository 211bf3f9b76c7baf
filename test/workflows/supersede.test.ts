// --supersede: the running deploy of the service is aborted, with "superseded by <version>"
// in its audit trail, and the new version starts. Without it, another version is refused with
// the running one named, and the same version attaches (CI retries are safe).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { testPlan } from '../helpers/pipelines.js';
import { regionState, seedVersion, settle, start, waitFor, withWorker } from '../helpers/deploys.js';
import { startDeploy } from '../../src/deploy/start.js';
import { CliError } from '../../src/cli/fail.js';
import type { DeployStatus } from '../../workflows/messages.js';

let stack: TestStack;
before(async () => {
  stack = await startTestStack({ simulator: true });
});
after(async () => stack?.stop());

const REGIONS: [string, number][] = [
  ['small', 10],
  ['large', 1000],
];

test('attach to the same version, refuse another, supersede when asked; the audit trail says so', async () => {
  await withWorker(stack, async () => {
    await seedVersion(stack, 'sup', ['small', 'large'], '1.0.0');
    const first = await start(stack, testPlan({ service: 'sup', regions: REGIONS, soak: '20s' }, '2.0.0'));
    await waitFor(first, (s) => regionState(s, 'small') === 'soaking', 'small to soak');
    const firstRunId = (await first.describe()).runId;

    const again = await startDeploy(stack.client, { plan: testPlan({ service: 'sup', regions: REGIONS, soak: '20s' }, '2.0.0'), taskQueue: stack.taskQueue });
    assert.equal(again.attached, true, 'the same version attaches');
    assert.equal(again.handle.workflowId, first.workflowId);

    const next = testPlan({ service: 'sup', regions: REGIONS, soak: '1s', minSamples: 1 }, '2.0.1');
    await assert.rejects(startDeploy(stack.client, { plan: next, taskQueue: stack.taskQueue }), (err: unknown) => {
      assert.ok(err instanceof CliError);
      assert.match(err.message, /deploy-sup is already deploying sup 2\.0\.0 \(phase running\)/);
      return true;
    });

    const superseding = await startDeploy(stack.client, { plan: next, taskQueue: stack.taskQueue, supersede: true, startedBy: 'ci' });
    assert.equal(superseding.superseded, '2.0.0');
    // The first run's audit trail, read from the finished deploy.
    const old = (await stack.client.workflow.getHandle(first.workflowId, firstRunId).result()) as DeployStatus;
    assert.equal(old.phase, 'aborted');
    const abort = old.events.find((e) => e.kind === 'abort')!;
    assert.match(abort.message, /superseded by 2\.0\.1/);
    assert.equal(abort.by, 'ci');
    assert.equal(regionState(old, 'large'), 'pending');

    const done = await settle(superseding.handle);
    assert.equal(done.phase, 'succeeded');
    assert.equal(done.version, '2.0.1');
  });
});
