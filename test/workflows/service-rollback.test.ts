// `firebreak rollback` and `firebreak release` on the real stack (dev server + simulator):
// a finished deploy goes back in every region with no soak, no timer and no watch; the
// rollback then holds the service's train, so a new version waits (touching no region) until
// `release`; a running deploy is aborted first and its queued version waits too; bad input is
// one line and changes nothing; a second rollback attaches to the first.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { startTestStack, startWorkerProcess, type TestStack } from '../helpers/stack.js';
import { testPlan, writePipelineFile, type TestPipeline } from '../../src/local/pipelines.js';
import { runFirebreak } from '../helpers/cli.js';
import { recordHistory } from '../helpers/histories.js';
import { activityEnv, clearFaults, historyOf, regionState, seedVersion, settle, simDeployments, simFault, simRegion, start, waitFor, withWorker } from '../helpers/deploys.js';
import { deployHandle } from '../../src/client/workflow.js';
import { rollbackHandle } from '../../src/client/rollback.js';
import { abortUpdate, statusQuery, type DeployStatus } from '../../workflows/messages.js';
import type { RollbackStatus } from '../../workflows/service-rollback.js';

let stack: TestStack;
before(async () => {
  // A region deploy takes a second, so the crash test can kill a worker in the middle of one.
  stack = await startTestStack({ simulator: true, deploySeconds: 1 });
});
after(async () => stack?.stop());

const pipeline = (service: string, soak = '3s', extra = ''): TestPipeline => ({
  service,
  regions: [
    ['small', 10],
    ['medium', 100],
    ['large', 1000],
  ],
  soak,
  minSamples: 1,
  extra,
});
const latest = (service: string) => deployHandle(stack.client, `deploy-${service}`);
const rollbackOf = (service: string) => rollbackHandle(stack.client, service);
const regionsOf = (s: DeployStatus) => s.stages.flatMap((st) => st.regions);
const fileFor = (t: TestPipeline) => writePipelineFile(mkdtempSync(join(tmpdir(), 'firebreak-rollback-')), t);

async function versions(service: string, regions: string[]): Promise<string[]> {
  return Promise.all(regions.map(async (r) => (await simRegion(stack, service, r)).version));
}

test('a finished deploy rolls back in every region with no soak, no timer and no watch; the train waits until release', async () => {
  await withWorker(stack, async () => {
    const service = 'rb-finished';
    const t = pipeline(service);
    const file = fileFor(t);
    await seedVersion(stack, service, ['small', 'medium', 'large'], '1.0.0');
    const done = await settle(await start(stack, testPlan(t, '2.0.0')));
    assert.equal(done.phase, 'succeeded');
    assert.deepEqual(await versions(service, ['small', 'medium', 'large']), ['2.0.0', '2.0.0', '2.0.0']);

    const rb = await runFirebreak(stack, ['rollback', service, '--reason', '2.0.0 leaks memory', '--wait']);
    assert.equal(rb.code, 0, rb.stderr + rb.stdout);
    assert.match(rb.stdout, /started rollback-rb-finished/);
    assert.match(rb.stdout, /train is held: no version starts until firebreak release rb-finished/);
    assert.deepEqual(await versions(service, ['small', 'medium', 'large']), ['1.0.0', '1.0.0', '1.0.0']);

    const status = (await rollbackOf(service).query(statusQuery)) as RollbackStatus;
    assert.equal(status.rollback.stage, 'holding');
    assert.equal(status.phase, 'paused');
    assert.deepEqual(regionsOf(status).map((r) => [r.name, r.state, r.fromVersion]), [
      ['small', 'rolled_back', '2.0.0'],
      ['medium', 'rolled_back', '2.0.0'],
      ['large', 'rolled_back', '2.0.0'],
    ]);
    assert.equal(status.rollback.of?.version, '2.0.0');
    // The checks were read once per region and reported.
    assert.equal(status.events.filter((e) => e.kind === 'checks_read').length, 3);
    assert.ok(regionsOf(status).every((r) => r.checks.length === 1 && r.checks[0].samples === 1), JSON.stringify(regionsOf(status)));
    // Fast by construction: the deploy soaked each region, the rollback waited on nothing.
    const rollbackHistory = await historyOf(rollbackOf(service));
    const deployHistory = await historyOf(latest(service));
    const scheduled = (events: typeof rollbackHistory.events, name: string) =>
      events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === name).length;
    assert.equal(scheduled(deployHistory.events, 'watchRegion'), 3);
    assert.equal(scheduled(rollbackHistory.events, 'watchRegion'), 0);
    assert.equal(rollbackHistory.events.filter((e) => e.timerStartedEventAttributes).length, 0, 'no soak timer, no window wait');
    assert.equal(scheduled(rollbackHistory.events, 'deployRegion'), 3, 'each region rolled back once');

    // A second rollback attaches; one to another version is refused; nothing changes.
    const again = await runFirebreak(stack, ['rollback', service, '--reason', 'again']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /attached to rollback-rb-finished/);
    const other = await runFirebreak(stack, ['rollback', service, '--reason', 'other', '--to', '2.0.0']);
    assert.equal(other.code, 2, other.stdout);
    assert.match(other.stderr, /^firebreak: a rollback of rb-finished is already under way .*release it first.*nothing changed\n$/);

    // A new version starts but waits, paused, touching no region, until release.
    const held = await runFirebreak(stack, ['deploy', file, '--version', '3.0.0', '--wait']);
    assert.equal(held.code, 3, held.stderr + held.stdout);
    const heldStatus = await latest(service).query(statusQuery);
    assert.equal(heldStatus.version, '3.0.0');
    assert.equal(heldStatus.phase, 'paused');
    assert.match(heldStatus.pausedReason ?? '', /held by rollback-rb-finished .*firebreak release rb-finished/);
    assert.ok(regionsOf(heldStatus).every((r) => r.state === 'pending'));
    assert.ok(!(await simDeployments(stack)).some((d) => d.service === service && d.version === '3.0.0'));
    assert.deepEqual(await versions(service, ['small', 'medium', 'large']), ['1.0.0', '1.0.0', '1.0.0']);

    const list = await runFirebreak(stack, ['list', '--service', service, '-o', 'json']);
    assert.equal(list.code, 0, list.stderr);
    assert.ok((JSON.parse(list.stdout) as { workflowId: string }[]).some((r) => r.workflowId === 'rollback-rb-finished'));

    // Aborted while it waits, even with rollback all, it ends touching nothing; started again, it waits again.
    const dropped = await latest(service).executeUpdate(abortUpdate, { args: [{ reason: 'not now', by: 'test', rollback: 'all' }] });
    assert.equal(dropped.phase, 'aborted');
    assert.ok(!dropped.events.some((e) => e.kind === 'rollback_started' || e.kind === 'deploying'));
    await settle(latest(service));
    const again3 = await runFirebreak(stack, ['deploy', file, '--version', '3.0.0']);
    assert.equal(again3.code, 0, again3.stderr);
    await waitFor(latest(service), (s) => s.version === '3.0.0' && s.phase === 'paused', 'the new version to wait again');
    assert.deepEqual(await versions(service, ['small', 'medium', 'large']), ['1.0.0', '1.0.0', '1.0.0']);

    const released = await runFirebreak(stack, ['release', service, '--reason', 'fix shipped as 3.0.0']);
    assert.equal(released.code, 0, released.stderr);
    // The held deploy notices the release within its next poll, then rolls out as any deploy.
    await waitFor(latest(service), (s) => s.events.some((e) => e.kind === 'released'), 'the held deploy to start');
    const after = await settle(latest(service));
    assert.equal(after.phase, 'succeeded');
    assert.ok(after.events.some((e) => e.kind === 'released'));
    assert.deepEqual(await versions(service, ['small', 'medium', 'large']), ['3.0.0', '3.0.0', '3.0.0']);
    const final = (await rollbackOf(service).result()) as RollbackStatus;
    assert.equal(final.rollback.stage, 'released');
    assert.equal(final.phase, 'succeeded');
    const twice = await runFirebreak(stack, ['release', service, '--reason', 'twice']);
    assert.equal(twice.code, 2);
    assert.match(twice.stderr, /^firebreak: no rollback holds rb-finished's train .*nothing changed\n$/);

    await recordHistory(stack.address, rollbackOf(service), 'v6-rollback-held-release');
    await recordHistory(stack.address, latest(service), 'v6-deploy-held-by-rollback');
  });
});

test('a running deploy is aborted first, untouched regions stay, and its queued version waits for release', async () => {
  await withWorker(stack, async () => {
    const service = 'rb-running';
    // The soak is long: the rollback has to stop the deploy in the middle of it.
    const t = pipeline(service, '5m', 'train: { mode: queue }\n');
    const file = fileFor(t);
    await seedVersion(stack, service, ['small', 'medium', 'large'], '1.0.0');
    const first = await start(stack, testPlan(t, '2.0.0'));
    await waitFor(first, (s) => regionState(s, 'small') === 'soaking', 'the small region to soak');
    const queued = await runFirebreak(stack, ['deploy', file, '--version', '2.1.0']);
    assert.equal(queued.code, 0, queued.stderr);
    assert.match(queued.stdout, /queued behind 2\.0\.0/);

    const rb = await runFirebreak(stack, ['rollback', service, '--reason', 'bad canary', '--in-order', '--wait']);
    assert.equal(rb.code, 0, rb.stderr + rb.stdout);
    assert.match(rb.stdout, /aborting the running deploy of 2\.0\.0 first/);
    assert.deepEqual(await versions(service, ['small', 'medium', 'large']), ['1.0.0', '1.0.0', '1.0.0']);
    const aborted = await first.query(statusQuery);
    assert.equal(aborted.phase, 'aborted');
    assert.equal(aborted.next, '2.1.0');
    const status = (await rollbackOf(service).query(statusQuery)) as RollbackStatus;
    assert.equal(status.rollback.of?.aborted, true);
    assert.deepEqual(regionsOf(status).map((r) => r.state), ['rolled_back', 'pending', 'pending']);
    assert.equal(status.events.filter((e) => e.kind === 'rollback_skipped').length, 2);

    // The queued version's run started and waits, touching no region.
    const next = await waitFor(latest(service), (s) => s.version === '2.1.0' && s.phase === 'paused', 'the queued version to wait');
    assert.ok(regionsOf(next).every((r) => r.state === 'pending'));
    assert.ok(!(await simDeployments(stack)).some((d) => d.service === service && d.version === '2.1.0'));

    const released = await runFirebreak(stack, ['release', service, '--reason', 'canary fixed']);
    assert.equal(released.code, 0, released.stderr);
    await waitFor(latest(service), (s) => regionState(s, 'small') === 'soaking', 'the queued version to start after release');
    await latest(service).executeUpdate(abortUpdate, { args: [{ reason: 'test over', by: 'test', rollback: 'none' }] });
    await settle(latest(service));
  });
});

test('a region whose rollback fails is named with its reason (exit 1); the others still go back, and the train is held', async () => {
  await withWorker(stack, async () => {
    const service = 'rb-partial';
    const t = pipeline(service, '1s');
    await seedVersion(stack, service, ['small', 'medium', 'large'], '1.0.0');
    assert.equal((await settle(await start(stack, testPlan(t, '2.0.0')))).phase, 'succeeded');
    await simFault(stack, { service, region: 'medium', version: '1.0.0', deploy: 'fail' });
    try {
      const rb = await runFirebreak(stack, ['rollback', service, '--reason', 'bad', '--wait']);
      assert.equal(rb.code, 1, rb.stderr + rb.stdout);
      assert.match(rb.stdout, /rollback of medium failed: rollback to 1\.0\.0 failed: /);
      assert.doesNotMatch(rb.stdout, /rollback of (small|large) failed/);
    } finally {
      await clearFaults(stack);
    }
    assert.deepEqual(await versions(service, ['small', 'large']), ['1.0.0', '1.0.0']);
    const status = (await rollbackOf(service).query(statusQuery)) as RollbackStatus;
    assert.equal(status.rollback.stage, 'holding');
    assert.deepEqual(status.rollback.failed.map((f) => f.region), ['medium']);
    assert.deepEqual(regionsOf(status).map((r) => r.state), ['rolled_back', 'failed', 'rolled_back']);
    const released = await runFirebreak(stack, ['release', service, '--reason', 'medium fixed by hand']);
    assert.equal(released.code, 0, released.stderr);
    assert.equal(((await rollbackOf(service).result()) as RollbackStatus).phase, 'failed');
  });
});

test('bad input: never deployed, a version no region ran, a first deploy, an empty reason: one line each, nothing started', async () => {
  await withWorker(stack, async () => {
    const never = await runFirebreak(stack, ['rollback', 'rb-never', '--reason', 'x']);
    assert.equal(never.code, 2);
    assert.match(never.stderr, /^firebreak: rb-never was never deployed .*nothing was started\n$/);

    const service = 'rb-bad';
    const t = pipeline(service, '1s');
    // No seed: the first deploy replaced nothing anywhere.
    assert.equal((await settle(await start(stack, testPlan(t, '1.0.0')))).phase, 'succeeded');
    const first = await runFirebreak(stack, ['rollback', service, '--reason', 'x']);
    assert.equal(first.code, 2);
    assert.match(first.stderr, /^firebreak: the last deploy of rb-bad \(1\.0\.0\) replaced no earlier version in any region: name one with --to; nothing was started\n$/);
    const unknown = await runFirebreak(stack, ['rollback', service, '--reason', 'x', '--to', '0.9.0']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^firebreak: no region of rb-bad ever ran 0\.9\.0 \(its deploys ran 1\.0\.0\); nothing was started\n$/);
    const notVersion = await runFirebreak(stack, ['rollback', service, '--reason', 'x', '--to', '../etc']);
    assert.equal(notVersion.code, 2);
    assert.match(notVersion.stderr, /--to must be a version/);
    const noReason = await runFirebreak(stack, ['rollback', service, '--reason', '  ']);
    assert.equal(noReason.code, 2);
    const missing = await runFirebreak(stack, ['rollback', service]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--reason/);
    for (const svc of ['rb-never', service]) {
      await assert.rejects(rollbackOf(svc).describe(), WorkflowNotFoundError, `nothing started for ${svc}`);
    }
    const release = await runFirebreak(stack, ['release', service, '--reason', 'x']);
    assert.equal(release.code, 2);
    assert.match(release.stderr, /no rollback holds rb-bad's train/);
  });
});

test('a worker SIGKILLed during a rollback: every region still ends on the target, each rolled back once', async () => {
  const service = 'rb-crash';
  const t = pipeline(service, '1s');
  await seedVersion(stack, service, ['small', 'medium', 'large'], '1.0.0');
  await withWorker(stack, async () => assert.equal((await settle(await start(stack, testPlan(t, '2.0.0')))).phase, 'succeeded'));

  const env = activityEnv(stack) as Record<string, string>;
  const opts = { address: stack.address, taskQueue: stack.taskQueue, namespace: stack.namespace, env };
  const doomed = await startWorkerProcess(opts);
  const rb = await runFirebreak(stack, ['rollback', service, '--reason', 'crash test']);
  assert.equal(rb.code, 0, rb.stderr);
  // Killed while the regions are being rolled back (the simulator takes seconds per deploy).
  await waitFor(rollbackOf(service), (s) => regionsOf(s).some((r) => r.state === 'rolling_back'), 'a region to be rolling back');
  doomed.kill('SIGKILL');
  await doomed.exited;
  const survivor = await startWorkerProcess(opts);
  try {
    const held = await waitFor(rollbackOf(service), (s) => (s as RollbackStatus).rollback?.stage === 'holding', 'the rollback to hold', 180_000);
    assert.deepEqual(regionsOf(held).map((r) => r.state), ['rolled_back', 'rolled_back', 'rolled_back']);
    assert.deepEqual(await versions(service, ['small', 'medium', 'large']), ['1.0.0', '1.0.0', '1.0.0']);
    const rollbacks = (await simDeployments(stack)).filter((d) => d.service === service && d.deployId.startsWith('rollback-'));
    assert.deepEqual(rollbacks.map((d) => d.region).sort(), ['large', 'medium', 'small'], JSON.stringify(rollbacks));
    const released = await runFirebreak(stack, ['release', service, '--reason', 'done']);
    assert.equal(released.code, 0, released.stderr);
  } finally {
    survivor.kill('SIGTERM');
    await survivor.exited;
  }
});
