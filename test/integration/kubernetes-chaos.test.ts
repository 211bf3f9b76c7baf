// Chaos on real clusters, the campaign's way: during a deploy of three regions, the middle
// region's API server is stopped while its rollout runs and the worker following it is
// SIGKILLed at the same moment; a new worker comes up, the API server comes back. What the
// chaos campaign holds of every deploy must hold here: the deploy succeeds; each cluster was
// patched exactly once and runs the new image with every replica available; no region was
// deployed before the previous one's soak timer fired (server time); the history has no failed
// workflow task and replays on this build.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from '@temporalio/worker';
import { startTestStack, startWorkerProcess, workflowBundle, type TestStack } from '../helpers/stack.js';
import { regionState, settle, start, waitFor } from '../helpers/deploys.js';
import { deploysScheduled, firedTimers } from '../helpers/soak-times.js';
import { testPlan } from '../../src/local/pipelines.js';
import { startTestFleet, type KubeFleet } from '../helpers/kube.js';
import { apis, createDeployment, imagesOf, readDeployment, rolledOut, type Apis } from '../helpers/kube-workloads.js';

const REGIONS: [string, number][] = [
  ['small', 100],
  ['medium', 5000],
  ['large', 90000],
];
const NAMES = REGIONS.map(([r]) => r);
const NS = 'shop';
const SERVICE = 'shop-chaos';
const SOAK_MS = 3000;
let stack: TestStack;
let fleet: KubeFleet;
const api: Record<string, Apis> = {};

before(async () => {
  [stack, fleet] = await Promise.all([startTestStack(), startTestFleet(NAMES)]);
  for (const region of NAMES) api[region] = apis(fleet.kubeconfig, fleet.contexts[region]!);
});
after(async () => {
  await stack?.stop();
  await fleet?.stop();
});

test("a region's API server stopped and the worker SIGKILLed mid-rollout: every invariant of the chaos campaign holds", async () => {
  // A rollout that lasts: each new pod counts as available 8 s after it is ready.
  const made = await Promise.all(
    NAMES.map((r) => createDeployment(api[r]!, { namespace: NS, name: SERVICE, replicas: 2, minReadySeconds: 8, containers: { web: `registry.example/${SERVICE}:1.0.0` } })),
  );
  const created = Object.fromEntries(NAMES.map((r, i) => [r, made[i]!.metadata!.generation!]));
  const plan = testPlan(
    {
      service: SERVICE,
      regions: REGIONS,
      soak: `${SOAK_MS / 1000}s`,
      checks: 'none',
      deployYaml: `  kubernetes:
    namespace: ${NS}
    workload: deployment/${SERVICE}
    containers: { web: "registry.example/${SERVICE}:{{version}}" }
  timeout: 3m`,
    },
    '2.0.0',
  );
  const workerOpts = { address: stack.address, taskQueue: stack.taskQueue, env: { KUBECONFIG: fleet.kubeconfig } };
  const first = await startWorkerProcess(workerOpts);
  let firstKilled = false;
  let second: Awaited<ReturnType<typeof startWorkerProcess>> | undefined;
  try {
    const handle = await start(stack, plan);
    // The worst moment: medium's image is patched and its rollout is being followed.
    await waitFor(handle, (s) => regionState(s, 'medium') === 'deploying', 'medium deploying', 120_000);
    for (;;) {
      const d = await readDeployment(api.medium!, NS, SERVICE);
      if (imagesOf(d).web?.endsWith(':2.0.0')) {
        assert.ok(!rolledOut(d), 'the faults land while the rollout still runs');
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    first.kill('SIGKILL');
    firstKilled = true;
    await fleet.clusters.medium!.stopApiServer();
    assert.equal((await first.exited).signal, 'SIGKILL');
    second = await startWorkerProcess(workerOpts);
    await new Promise((r) => setTimeout(r, 4000));
    await fleet.clusters.medium!.startApiServer();

    const done = await settle(handle);
    assert.equal(done.phase, 'succeeded', done.pausedReason);

    // Effects: each cluster patched exactly once, and runs the new version fully.
    for (const region of NAMES) {
      const d = await readDeployment(api[region]!, NS, SERVICE);
      assert.equal(d.metadata?.generation, created[region]! + 1, `${region}: patched exactly once`);
      assert.equal(imagesOf(d).web, `registry.example/${SERVICE}:2.0.0`, region);
      assert.ok(rolledOut(d), `${region}: every replica updated and available`);
    }

    const history = await handle.fetchHistory();
    // Order and soaks: each region deployed only after the previous region's soak timer fired.
    const soaks = firedTimers(history).filter((t) => t.ms === SOAK_MS);
    const deploys = deploysScheduled(history);
    assert.deepEqual([...new Set(deploys.map((d) => d.region))], NAMES, 'smallest first');
    assert.equal(soaks.length, NAMES.length, 'one full soak timer per region');
    for (let i = 1; i < NAMES.length; i++) {
      const firstDeploy = deploys.find((d) => d.region === NAMES[i])!;
      assert.ok(firstDeploy.at >= soaks[i - 1]!.firedAt, `${NAMES[i]} deployed after ${NAMES[i - 1]}'s soak ended (server time)`);
    }
    // Histories: no failed workflow task; replay on this build.
    const failedTasks = (history.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes);
    assert.equal(failedTasks.length, 0, JSON.stringify(failedTasks.map((e) => e.workflowTaskFailedEventAttributes?.failure?.message)));
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, handle.workflowId);
  } finally {
    if (!firstKilled) first.kill('SIGKILL');
    if (second) {
      second.kill('SIGTERM');
      await second.exited;
    }
  }
});
