// The train (train.mode queue), through the CLI as CI runs it: versions started while
// one rolls out wait on deploy-<service>; when it ends the newest queued version starts as the
// next run of the same workflow id, and older queued ones end superseded (`deploy --wait`
// exits 4). A paused deploy keeps its queue; `abort` lets the newest queued version start.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { testPlan, writePipelineFile, type TestPipeline } from '../../src/local/pipelines.js';
import { runFirebreak } from '../helpers/cli.js';
import { recordHistory } from '../helpers/histories.js';
import { regionState, seedVersion, settle, simDeployments, waitFor, withWorker } from '../helpers/deploys.js';
import { startDeploy } from '../../src/client/start.js';
import { waitInQueue } from '../../src/client/train.js';
import { deployHandle } from '../../src/client/workflow.js';
import { abortUpdate, pauseUpdate, statusQuery, type DeployStatus } from '../../workflows/messages.js';

let stack: TestStack;
before(async () => {
  stack = await startTestStack({ simulator: true });
});
after(async () => stack?.stop());

const queued = (service: string, soak: string): TestPipeline => ({
  service,
  regions: [
    ['small', 10],
    ['large', 1000],
  ],
  soak,
  minSamples: 1,
  extra: 'train: { mode: queue }\n',
});

const latest = (service: string) => deployHandle(stack.client, `deploy-${service}`);
const runIdOf = async (service: string) => (await latest(service).describe()).runId;

/** Until a CLI started in the background has started the deploy (the workflow exists). */
async function started(service: string): Promise<void> {
  for (;;) {
    const found = await latest(service).describe().then(() => true, () => false);
    if (found) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('three versions in quick succession: the first runs, the second ends superseded (exit 4), the third runs after the first', async () => {
  await withWorker(stack, async () => {
    const service = 'train-three';
    await seedVersion(stack, service, ['small', 'large'], '1.0.0');
    // Soaks long enough that the first version is still rolling out after four CLI runs on a
    // loaded machine (with 4 s, 2.2.0 had already started before the last one ran).
    const file = writePipelineFile(mkdtempSync(join(tmpdir(), 'firebreak-train-')), queued(service, '15s'));

    const first = runFirebreak(stack, ['deploy', file, '--version', '2.0.0', '--wait']);
    await started(service);
    await waitFor(latest(service), (s) => regionState(s, 'small') === 'soaking', 'the first version to soak');
    const firstRunId = await runIdOf(service);
    const firstRun = deployHandle(stack.client, `deploy-${service}`, firstRunId);

    const second = runFirebreak(stack, ['deploy', file, '--version', '2.1.0', '--wait']);
    await waitFor(firstRun, (s) => (s.queue ?? []).some((q) => q.version === '2.1.0'), 'the second version to queue');
    const third = runFirebreak(stack, ['deploy', file, '--version', '2.2.0', '--wait'], { FIREBREAK_USER: 'ci-third' });
    await waitFor(firstRun, (s) => (s.queue ?? []).some((q) => q.version === '2.2.0'), 'the third version to queue');

    // The same version queued twice attaches: one place in the queue, exit 0 without --wait.
    const again = await runFirebreak(stack, ['deploy', file, '--version', '2.2.0']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /queued behind 2\.0\.0 \(stage [12] of 2\)/);
    const during = await firstRun.query(statusQuery);
    assert.deepEqual(during.queue?.map((q) => q.version), ['2.1.0', '2.2.0']);
    assert.equal(during.queue?.[1].by, 'ci-third');
    assert.ok(during.queue?.every((q) => !Number.isNaN(Date.parse(q.since))));

    const [r1, r2, r3] = await Promise.all([first, second, third]);
    assert.equal(r1.code, 0, `the first deploy's --wait follows its own run to the end: ${r1.stderr}${r1.stdout}`);
    assert.match(r1.stdout, /train-three 2\.0\.0\s+phase: succeeded/);

    assert.equal(r2.code, 4, r2.stderr + r2.stdout);
    assert.match(r2.stdout, /queued behind 2\.0\.0 \(stage [12] of 2\)/);
    assert.match(r2.stderr, /superseded by 2\.2\.0 before it started/);

    assert.equal(r3.code, 0, r3.stderr + r3.stdout);
    assert.match(r3.stdout, /queued behind 2\.0\.0 \(stage [12] of 2\)/);
    assert.match(r3.stdout, /2\.0\.0 ended; 2\.2\.0 started as the next run of deploy-train-three/);
    assert.match(r3.stdout, /train-three 2\.2\.0\s+phase: succeeded/);

    // The first run's audit trail names the version that superseded the second.
    const old: DeployStatus = await firstRun.query(statusQuery);
    assert.equal(old.phase, 'succeeded');
    assert.equal(old.next, '2.2.0');
    const superseded = old.events.filter((e) => e.kind === 'superseded');
    assert.equal(superseded.length, 1);
    assert.match(superseded[0].message, /^2\.1\.0 superseded by 2\.2\.0 before it started/);
    assert.equal(superseded[0].by, 'ci');

    // The third ran as the next run of the same id, after the first; the second touched nothing.
    const thirdRun = latest(service);
    const [oldDesc, newDesc] = await Promise.all([firstRun.describe(), thirdRun.describe()]);
    assert.equal(oldDesc.status.name, 'CONTINUED_AS_NEW');
    assert.notEqual(newDesc.runId, firstRunId);
    const done = await settle(deployHandle(stack.client, `deploy-${service}`, newDesc.runId));
    assert.equal(done.version, '2.2.0');
    assert.equal(done.phase, 'succeeded');
    assert.equal(done.queued?.behind, '2.0.0');
    assert.deepEqual(done.queued?.superseded.map((q) => q.version), ['2.1.0']);
    assert.match(done.events[0].message, /started \(queued .* behind 2\.0\.0; superseded 2\.1\.0\)/);
    assert.equal(done.events[0].by, 'ci-third');
    const versions = (await simDeployments(stack)).filter((d) => d.service === service).map((d) => d.version);
    assert.ok(!versions.includes('2.1.0'), `2.1.0 was never deployed: ${versions.join(', ')}`);
    // Each region soaked 2.2.0 from zero in its own run: its checks are its own samples.
    assert.ok(done.stages.every((s) => s.regions.every((r) => r.soakStartedAt && Date.parse(r.soakStartedAt) >= Date.parse(done.startedAt))));

    await recordHistory(stack.address, firstRun, 'v4-train-queue-handover', firstRunId);
  });
});

test('a paused deploy keeps its queue; --wait-timeout stops waiting (exit 5); abort lets the newest queued version start', async () => {
  await withWorker(stack, async () => {
    const service = 'train-paused';
    await seedVersion(stack, service, ['small', 'large'], '1.0.0');
    const pipeline = queued(service, '1s');
    const file = writePipelineFile(mkdtempSync(join(tmpdir(), 'firebreak-train-')), pipeline);
    const started = await startDeploy(stack.client, { plan: testPlan(pipeline, '2.0.0'), taskQueue: stack.taskQueue, startedBy: 'test', queue: true });
    const firstRun = started.handle;
    await waitFor(firstRun, (s) => regionState(s, 'small') === 'soaking', 'small to soak');
    await firstRun.executeUpdate(pauseUpdate, { args: [{ reason: 'look at the dashboards', by: 'ana' }] });

    const waits = [];
    for (const version of ['2.1.0', '2.2.0']) {
      const q = await startDeploy(stack.client, { plan: testPlan(pipeline, version), taskQueue: stack.taskQueue, startedBy: `ci-${version}`, queue: true });
      assert.equal(q.queued?.behind, '2.0.0');
      waits.push(waitInQueue(stack.client, q.handle, version, { pollMs: 200 }));
    }

    // CI's time limit: it stops waiting, with the line that says how to follow; the queue stays.
    const timedOut = await runFirebreak(stack, ['deploy', file, '--version', '2.2.0', '--wait', '--wait-timeout', '2s']);
    assert.equal(timedOut.code, 5, timedOut.stderr + timedOut.stdout);
    assert.match(timedOut.stderr, /stopped waiting after 2s \(--wait-timeout\); the deploy goes on\. Follow it with: firebreak status train-paused --watch/);

    // Paused: small soaked and waits to be promoted; the queue waits with it.
    const paused = await waitFor(firstRun, (s) => s.phase === 'paused' && s.events.some((e) => e.kind === 'queued' && e.message.startsWith('2.2.0')), 'paused with a queue');
    assert.deepEqual(paused.queue?.map((q) => [q.version, q.by]), [['2.1.0', 'ci-2.1.0'], ['2.2.0', 'ci-2.2.0']]);
    assert.equal(regionState(paused, 'large'), 'pending');
    assert.equal((await firstRun.describe()).status.name, 'RUNNING');
    const details = await runFirebreak(stack, ['status', service]);
    assert.match(details.stdout, /queued: 2\.1\.0 \(by ci-2\.1\.0, .*\), 2\.2\.0 \(by ci-2\.2\.0, .*\); the newest starts when this deploy ends/);
    const listed = await runFirebreak(stack, ['list', '--service', service]);
    assert.match(listed.stdout, /QUEUED/);
    assert.match(listed.stdout, /2\.1\.0 \(ci-2\.1\.0, .* ago\), 2\.2\.0 \(ci-2\.2\.0, .* ago\)/);
    // The details escape Markdown in what they quote; read them unescaped.
    const webUi = ((await firstRun.query<{ currentDetails?: string }>('__temporal_workflow_metadata')).currentDetails ?? '').replace(/\\(.)/g, '$1');
    assert.match(webUi, /queued: 2\.1\.0 \(by ci-2\.1\.0, since .*\), 2\.2\.0 \(by ci-2\.2\.0, since .*\)/);

    const abort = await runFirebreak(stack, ['abort', service, '--reason', 'wrong build', '--by', 'ana']);
    assert.equal(abort.code, 0, abort.stderr);

    const [second, third] = await Promise.all(waits);
    assert.ok('supersededBy' in second && second.supersededBy === '2.2.0', JSON.stringify(second));
    assert.ok('started' in third, JSON.stringify(third));
    const old = await firstRun.query(statusQuery);
    assert.equal(old.phase, 'aborted');
    assert.equal(old.next, '2.2.0');
    assert.ok(old.events.some((e) => e.kind === 'superseded' && /^2\.1\.0 superseded by 2\.2\.0/.test(e.message) && e.by === 'ci-2.1.0'));

    await waitFor(latest(service), (s) => s.version === '2.2.0', 'the newest queued version to start');
    assert.equal((await third.started.describe()).runId, await runIdOf(service));
    const done = await settle(third.started);
    assert.equal(done.phase, 'succeeded');
    assert.equal(done.version, '2.2.0');
    await recordHistory(stack.address, firstRun, 'v4-train-paused-abort', (await firstRun.describe()).runId);
  });
});

test('--supersede in queue mode: the running deploy is aborted now and hands over to this version, ahead of older queued ones', async () => {
  await withWorker(stack, async () => {
    const service = 'train-sup';
    await seedVersion(stack, service, ['small', 'large'], '1.0.0');
    const pipeline = queued(service, '8s');
    const first = await startDeploy(stack.client, { plan: testPlan(pipeline, '2.0.0'), taskQueue: stack.taskQueue, startedBy: 'test', queue: true });
    await waitFor(first.handle, (s) => regionState(s, 'small') === 'soaking', 'small to soak');
    await startDeploy(stack.client, { plan: testPlan(pipeline, '2.1.0'), taskQueue: stack.taskQueue, startedBy: 'ci', queue: true });

    const now = await startDeploy(stack.client, { plan: testPlan(pipeline, '2.2.0'), taskQueue: stack.taskQueue, startedBy: 'ana', queue: true, supersede: true });
    assert.equal(now.superseded, '2.0.0');
    const old = await first.handle.query(statusQuery);
    assert.equal(old.phase, 'aborted');
    assert.equal(old.next, '2.2.0');
    assert.match(old.events.find((e) => e.kind === 'abort')!.message, /superseded by 2\.2\.0/);
    assert.ok(old.events.some((e) => e.kind === 'superseded' && /^2\.1\.0 superseded by 2\.2\.0/.test(e.message)));

    // small changed hands mid-soak: its soak for 2.2.0 starts from zero in the new run.
    const oldSmall = old.stages[0].regions.find((r) => r.name === 'small')!;
    const s = await waitFor(now.handle, (x) => regionState(x, 'small') !== 'pending' && regionState(x, 'small') !== 'deploying', 'small to soak 2.2.0');
    const small = s.stages[0].regions.find((r) => r.name === 'small')!;
    assert.equal(s.version, '2.2.0');
    assert.equal(small.attempt, 1);
    assert.ok(Date.parse(small.soakStartedAt!) > Date.parse(old.endedAt!), 'the soak restarted after the old run ended');
    assert.ok(oldSmall.state === 'soaking' || oldSmall.state === 'deploying', `small was mid-soak under 2.0.0 (${oldSmall.state})`);
    await now.handle.executeUpdate(abortUpdate, { args: [{ reason: 'end of test', by: 'test' }] });
  });
});
