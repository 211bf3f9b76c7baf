// --supersede: the running deploy of the service is aborted, with "superseded by <version>"
// in its audit trail, and the new version starts. Without it, another version is refused with
// the running one named, and the same version attaches (CI retries are safe). The old run keeps
// the workflow id until it has delivered its last notifications: the new one starts once it has
// closed, which a hanging webhook delays by its bounded delivery time at most.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { testPlan, writePipelineFile, type TestPipeline } from '../../src/local/pipelines.js';
import { runFirebreak } from '../helpers/cli.js';
import { regionState, seedVersion, settle, start, waitFor, withWorker } from '../helpers/deploys.js';
import { startWebhookReceivers, type WebhookReceivers } from '../helpers/webhooks.js';
import { CLOSE_TIMEOUT_MS, NOTIFY_DELIVERY_MS, startDeploy, StartRefused } from '../../src/client/start.js';
import { abortUpdate, approveUpdate } from '../../workflows/messages.js';
import { FirebreakVersion } from '../../workflows/search-attributes.js';
import { deployHandle } from '../../src/client/workflow.js';

let stack: TestStack;
let hooks: WebhookReceivers;
before(async () => {
  stack = await startTestStack({ simulator: true });
  hooks = await startWebhookReceivers();
});
after(async () => {
  await hooks?.close();
  await stack?.stop();
});

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
      assert.ok(err instanceof StartRefused);
      assert.match(err.message, /deploy-sup is already deploying sup 2\.0\.0 \(phase running\)/);
      return true;
    });

    const superseding = await startDeploy(stack.client, { plan: next, taskQueue: stack.taskQueue, supersede: true, startedBy: 'ci' });
    assert.equal(superseding.superseded, '2.0.0');
    // The first run's audit trail, read from the finished deploy.
    const old = await deployHandle(stack.client, first.workflowId, firstRunId).result();
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

const EVERY_EVENT = '[awaiting_approval, aborted, paused, rolled_back, succeeded]';
/** A manual gate, and two webhooks on every event: one never answers, one answers 500. */
const hooksPipeline = (service: string): TestPipeline => ({
  service,
  regions: [['small', 10]],
  soak: '1s',
  minSamples: 1,
  approval: 'manual',
  extra: `notify:
  - { webhook: "${hooks.hanging(service)}", on: ${EVERY_EVENT} }
  - { webhook: "${hooks.failing(service)}", on: ${EVERY_EVENT} }
`,
});
const withHooks = (service: string, version: string) => testPlan(hooksPipeline(service), version);

test('supersede waits for the old run to deliver its notifications (a hanging and a failing webhook), then starts', async () => {
  await withWorker(stack, async () => {
    await seedVersion(stack, 'sup-ntf', ['small'], '1.0.0');
    const first = await start(stack, withHooks('sup-ntf', '2.0.0'));
    await waitFor(first, (s) => regionState(s, 'small') === 'awaiting_approval', 'the manual gate');
    const firstRunId = (await first.describe()).runId;

    // What an operator runs: the CLI, as a child process, by user "ci".
    const file = writePipelineFile(mkdtempSync(join(tmpdir(), 'firebreak-sup-')), hooksPipeline('sup-ntf'));
    const t0 = Date.now();
    const run = await runFirebreak(stack, ['deploy', file, '--version', '2.1.0', '--supersede']);
    const took = Date.now() - t0;
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /waiting for the superseded sup-ntf 2\.0\.0 \(deploy-sup-ntf, run .*\) to close/);
    assert.match(run.stdout, /aborted the running deploy of 2\.0\.0 \(superseded\)/);
    assert.match(run.stdout, /started deploy-sup-ntf: sup-ntf 2\.1\.0/);
    const newRun = stack.client.workflow.getHandle(first.workflowId);

    // The new run started only once the old one had closed, with its deliveries done and reported.
    const oldRun = deployHandle(stack.client, first.workflowId, firstRunId);
    const [oldDesc, newDesc] = await Promise.all([oldRun.describe(), newRun.describe()]);
    assert.notEqual(newDesc.runId, firstRunId);
    assert.ok(oldDesc.closeTime, 'the old run is closed');
    assert.ok(newDesc.startTime.getTime() >= oldDesc.closeTime.getTime(), 'the new run started after the old one closed');
    const old = await oldRun.result();
    assert.equal(old.phase, 'aborted');
    const abort = old.events.find((e) => e.kind === 'abort')!;
    assert.match(abort.message, /superseded by 2\.1\.0/);
    assert.equal(abort.by, 'ci');
    const failures = old.events.filter((e) => e.kind === 'notify_failed').map((e) => e.message);
    assert.ok(
      failures.some((m) => /"aborted" to webhook \d of 2 failed after 3 attempts: .*\/…: no answer within 5000 ms/.test(m)),
      `the hanging webhook was cut off by its time limit: ${failures.join(' | ')}`,
    );
    assert.ok(failures.some((m) => /"aborted" .*HTTP 500/.test(m)), `the failing webhook is reported: ${failures.join(' | ')}`);
    // The abort did not cut off the deliveries already under way (the manual gate's message).
    assert.ok(failures.some((m) => /"awaiting_approval" to webhook \d of 2 failed after 3 attempts: .*HTTP 500/.test(m)), failures.join(' | '));
    assert.ok(failures.every((m) => !/failed: (no reason given)?$/.test(m)), `every failure says why: ${failures.join(' | ')}`);
    assert.ok((hooks.hits.get('/hang/sup-ntf') ?? 0) >= 3, 'the hanging webhook was called');

    // Held up by the hanging webhook's bounded delivery (3 x 5 s), not by the notify activity's
    // 2-minute timeout nor the close timeout; the margin is for a slow machine (and the CLI's start).
    assert.ok(took < NOTIFY_DELIVERY_MS + 30_000, `supersede took ${took} ms; bounded delivery ${NOTIFY_DELIVERY_MS} ms`);
    assert.ok(NOTIFY_DELIVERY_MS + 30_000 < CLOSE_TIMEOUT_MS);
    console.log(`# supersede with a hanging webhook took ${took} ms (bounded delivery ${NOTIFY_DELIVERY_MS} ms)`);

    await waitFor(newRun, (s) => regionState(s, 'small') === 'awaiting_approval', 'the new run\'s manual gate');
    await newRun.executeUpdate(approveUpdate, { args: [{ region: 'small', by: 'ana' }] });
    const done = await settle(newRun);
    assert.equal(done.phase, 'succeeded');
    assert.equal(done.version, '2.1.0');
  });
});

test('two supersedes racing for an old run that is still delivering: one starts, the other is refused naming it', async () => {
  await withWorker(stack, async () => {
    await seedVersion(stack, 'sup-race', ['small'], '1.0.0');
    const first = await start(stack, withHooks('sup-race', '2.0.0'));
    await waitFor(first, (s) => regionState(s, 'small') === 'awaiting_approval', 'the manual gate');
    const firstRunId = (await first.describe()).runId;

    const versions = ['2.1.0', '2.2.0'];
    const outcomes = await Promise.allSettled(
      versions.map((v) => startDeploy(stack.client, { plan: withHooks('sup-race', v), taskQueue: stack.taskQueue, supersede: true, startedBy: `ci-${v}` })),
    );
    const won = outcomes.findIndex((o) => o.status === 'fulfilled');
    const lost = outcomes.findIndex((o) => o.status === 'rejected');
    assert.ok(won >= 0 && lost >= 0, `exactly one starts: ${outcomes.map((o) => o.status).join(', ')}`);
    const winner = (outcomes[won] as PromiseFulfilledResult<Awaited<ReturnType<typeof startDeploy>>>).value;
    assert.equal(winner.attached, false);
    const err = (outcomes[lost] as PromiseRejectedResult).reason as Error;
    assert.ok(err instanceof StartRefused, String(err));
    assert.match(err.message, new RegExp(`deploy-sup-race is now deploying sup-race ${versions[won].replace(/\./g, '\\.')} \\(phase running`));
    assert.match(err.message, /someone started it while this start waited/);
    assert.match(err.message, /nothing new was started/);

    const old = await deployHandle(stack.client, first.workflowId, firstRunId).result();
    assert.equal(old.phase, 'aborted');
    const aborts = old.events.filter((e) => e.kind === 'abort');
    assert.equal(aborts.length, 1, 'aborted once');
    assert.match(aborts[0].message, /superseded by 2\.[12]\.0/);
    assert.equal((await winner.handle.describe()).typedSearchAttributes.get(FirebreakVersion), versions[won]);
  });
});

test('a deploy that has ended but still delivers its notifications is waited for, not called "already deploying"', async () => {
  await withWorker(stack, async () => {
    await seedVersion(stack, 'sup-ended', ['small'], '1.0.0');
    const first = await start(stack, withHooks('sup-ended', '2.0.0'));
    await waitFor(first, (s) => regionState(s, 'small') === 'awaiting_approval', 'the manual gate');
    const firstRunId = (await first.describe()).runId;
    const ended = await first.executeUpdate(abortUpdate, { args: [{ reason: 'bad build', by: 'ana' }] });
    assert.equal(ended.phase, 'aborted');

    // No --supersede: the aborted run is not "deploying", it only holds the id while it delivers.
    const waits: string[] = [];
    const next = await startDeploy(stack.client, { plan: withHooks('sup-ended', '2.1.0'), taskQueue: stack.taskQueue, progress: (l) => waits.push(l) });
    assert.equal(next.attached, false);
    assert.equal(next.superseded, undefined, 'an operator ended it, not this start');
    assert.match(waits.join('\n'), /waiting for the ended sup-ended 2\.0\.0 .* \(phase aborted\) to close/);
    const [oldDesc, newDesc] = await Promise.all([stack.client.workflow.getHandle(first.workflowId, firstRunId).describe(), next.handle.describe()]);
    assert.ok(oldDesc.closeTime && newDesc.startTime.getTime() >= oldDesc.closeTime.getTime(), 'started after the old run closed');
    assert.equal(newDesc.typedSearchAttributes.get(FirebreakVersion), '2.1.0');
  });
});
