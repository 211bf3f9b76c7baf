// Faults in the middle of a Kubernetes rollout, on real control planes: a worker SIGKILLed while
// it follows a rollout is replaced, and the new worker follows the same rollout without patching
// again (the generation moves once); a region's API server stopped mid-rollout is waited for,
// and the deploy neither applies twice nor loses the rollback target.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestStack, startWorkerProcess, type TestStack } from '../helpers/stack.js';
import { regionState, settle, start, waitFor } from '../helpers/deploys.js';
import { testPlan } from '../../src/local/pipelines.js';
import { startTestFleet, type KubeFleet } from '../helpers/kube.js';
import { apis, createDeployment, imagesOf, readDeployment, rolledOut, type Apis } from '../helpers/kube-workloads.js';

const NAMES = ['small', 'large'];
const NS = 'shop';
let stack: TestStack;
let fleet: KubeFleet;
const api: Record<string, Apis> = {};

before(async () => {
  [stack, fleet] = await Promise.all([startTestStack(), startTestFleet(NAMES)]);
  for (const region of NAMES) api[region] = apis(fleet.kubeconfig, fleet.contexts[region]);
});
after(async () => {
  await stack?.stop();
  await fleet?.stop();
});

function plan(service: string, version: string) {
  const regions = Object.fromEntries(NAMES.map((r) => [r, { context: fleet.contexts[r] }]));
  return testPlan(
    {
      service,
      regions: [
        ['small', 100],
        ['large', 90000],
      ],
      soak: '1s',
      checks: 'none',
      deployYaml: `  kubernetes:
    namespace: ${NS}
    workload: deployment/${service}
    containers: { web: "registry.example/${service}:{{version}}" }
    regions: ${JSON.stringify(regions)}
  timeout: 2m`,
    },
    version,
  );
}

/** A Deployment whose rollout lasts: each new pod counts as available only 10 s after it is ready. */
async function slowWorkload(service: string) {
  const made = await Promise.all(
    NAMES.map((r) => createDeployment(api[r], { namespace: NS, name: service, replicas: 2, minReadySeconds: 10, containers: { web: `registry.example/${service}:1.0.0` } })),
  );
  return Object.fromEntries(NAMES.map((r, i) => [r, made[i].metadata!.generation!]));
}

async function waitPatched(a: Apis, service: string, version: string) {
  for (;;) {
    const d = await readDeployment(a, NS, service);
    if (imagesOf(d).web === `registry.example/${service}:${version}`) return d;
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a worker SIGKILLed mid-rollout: a new worker follows the same rollout, patching nothing twice', async () => {
  const service = 'shop-killed';
  const generations = await slowWorkload(service);
  const workerOpts = { address: stack.address, taskQueue: stack.taskQueue, env: { KUBECONFIG: fleet.kubeconfig } };
  const first = await startWorkerProcess(workerOpts);
  const handle = await start(stack, plan(service, '2.0.0'));
  const patched = await waitPatched(api.small, service, '2.0.0');
  assert.ok(!rolledOut(patched), 'killed while the rollout still runs');
  first.kill('SIGKILL');
  assert.equal((await first.exited).signal, 'SIGKILL');

  const second = await startWorkerProcess(workerOpts);
  try {
    const done = await settle(handle);
    assert.equal(done.phase, 'succeeded', done.pausedReason);
    for (const region of NAMES) {
      const d = await readDeployment(api[region], NS, service);
      assert.equal(d.metadata?.generation, generations[region] + 1, `${region}: patched exactly once`);
      assert.ok(rolledOut(d), region);
      assert.equal(d.metadata?.annotations?.['firebreak.dev/previous-version'], '1.0.0');
    }
    assert.equal(done.stages[0].regions[0].fromVersion, '1.0.0');
    // The deploy activity ran again on the new worker (the first attempt's heartbeats stopped).
    const history = await handle.fetchHistory();
    const attempts = history.events!.filter((e) => e.activityTaskStartedEventAttributes && (e.activityTaskStartedEventAttributes.attempt ?? 1) > 1);
    assert.ok(attempts.length >= 1, 'the activity was retried after the crash');
  } finally {
    second.kill('SIGTERM');
    await second.exited;
  }
});

test("a region's API server stopped mid-rollout: waited for, applied once, rollback target kept", async () => {
  const service = 'shop-apiserver';
  const generations = await slowWorkload(service);
  const workerOpts = { address: stack.address, taskQueue: stack.taskQueue, env: { KUBECONFIG: fleet.kubeconfig } };
  const worker = await startWorkerProcess(workerOpts);
  try {
    const handle = await start(stack, plan(service, '2.0.0'));
    await waitPatched(api.small, service, '2.0.0');
    await fleet.clusters.small.stopApiServer();
    await waitFor(handle, (s) => regionState(s, 'small') === 'deploying', 'small still deploying');
    await new Promise((r) => setTimeout(r, 3000));
    await fleet.clusters.small.startApiServer();
    const done = await settle(handle);
    assert.equal(done.phase, 'succeeded', done.pausedReason);
    const small = await readDeployment(api.small, NS, service);
    assert.equal(small.metadata?.generation, generations.small + 1, 'applied once');
    assert.equal(small.metadata?.annotations?.['firebreak.dev/previous-images'], JSON.stringify({ web: `registry.example/${service}:1.0.0` }), 'the rollback target kept');
    assert.equal(done.stages[0].regions[0].fromVersion, '1.0.0');
  } finally {
    worker.kill('SIGTERM');
    await worker.exited;
  }
});
