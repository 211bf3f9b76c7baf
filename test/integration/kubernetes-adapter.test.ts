// The kubernetes adapter on real control planes (one per region, the local fleet): a good
// version rolls through three clusters smallest first, each region only after the previous
// one's soak, every Deployment ending on the new image with every replica available; a
// `-crashloop` version fails the first region with its pods' reason and is patched back there,
// the other clusters never touched; a missing workload, an unknown context, refused credentials
// and a forbidden verb each fail the region with one line, changing nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { stringify } from 'yaml';
import { KubeConfig } from '@kubernetes/client-node';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { activityEnv, phaseIs, regionState, settle, start, waitFor, withWorker } from '../helpers/deploys.js';
import { testPlan } from '../../src/local/pipelines.js';
import { startTestFleet, type KubeFleet } from '../helpers/kube.js';
import { firedTimers } from '../helpers/soak-times.js';
import { apis, createDeployment, imagesOf, patchedAt, readDeployment, rolledOut, type Apis } from '../helpers/kube-workloads.js';

const REGIONS: [string, number][] = [
  ['small', 100],
  ['middle', 5000],
  ['large', 90000],
];
const NAMES = REGIONS.map(([name]) => name);
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

/** deploy.kubernetes for `service`, each region's context from the fleet. */
function deployYaml(service: string, extra: { timeout?: string; contexts?: Record<string, string>; regions?: string[] } = {}): string {
  const all: Record<string, string> = { ...fleet.contexts, ...extra.contexts };
  const contexts = Object.fromEntries((extra.regions ?? NAMES).map((r) => [r, all[r]]));
  const regions = Object.fromEntries(Object.entries(contexts).map(([r, c]) => [r, { context: c }]));
  return `  kubernetes:
    namespace: ${NS}
    workload: deployment/${service}
    containers: { web: "registry.example/${service}:{{version}}" }
    regions: ${JSON.stringify(regions)}
  timeout: ${extra.timeout ?? '1m'}`;
}

const POD_CHECK = `
    - name: pods
      kubernetes: { maxRestarts: 0, minReadyRatio: 1 }`;

async function seed(service: string, regions: string[], version: string, more: { progressDeadlineSeconds?: number } = {}) {
  const made = await Promise.all(
    regions.map((r) => createDeployment(api[r], { namespace: NS, name: service, containers: { web: `registry.example/${service}:${version}` }, ...more })),
  );
  return Object.fromEntries(regions.map((r, i) => [r, made[i].metadata!.generation!]));
}

test('a good version rolls through three clusters smallest first, each after the previous soak, every replica available', async () => {
  const service = 'shop-good';
  const generations = await seed(service, NAMES, '1.0.0');
  await withWorker(
    stack,
    async () => {
      const handle = await start(stack, testPlan({ service, regions: REGIONS, soak: '2s', checksYaml: POD_CHECK, deployYaml: deployYaml(service) }, '2.0.0'));
      const done = await settle(handle);
      assert.equal(done.phase, 'succeeded', done.pausedReason);
      // The rollback target was read from the images.
      for (const r of done.stages.flatMap((s) => s.regions)) assert.equal(r.fromVersion, '1.0.0');

      const deployed = await Promise.all(NAMES.map((r) => readDeployment(api[r], NS, service)));
      deployed.forEach((d, i) => {
        const region = NAMES[i];
        assert.deepEqual(imagesOf(d), { web: `registry.example/${service}:2.0.0` }, region);
        assert.ok(rolledOut(d), `${region}: every replica updated and available: ${JSON.stringify(d.status)}`);
        assert.equal(d.status?.availableReplicas, 3);
        assert.equal(d.metadata?.generation, generations[region] + 1, `${region}: patched once`);
        const ann = d.metadata?.annotations ?? {};
        assert.equal(ann['firebreak.dev/version'], '2.0.0');
        assert.equal(ann['firebreak.dev/by'], 'test', 'who started the deploy');
        assert.ok(ann['firebreak.dev/deploy-id'].startsWith(`${handle.workflowId}/`), ann['firebreak.dev/deploy-id']);
        assert.equal(ann['firebreak.dev/previous-images'], JSON.stringify({ web: `registry.example/${service}:1.0.0` }));
        assert.equal(ann['firebreak.dev/previous-version'], '1.0.0');
      });
      // Smallest first, and each cluster patched only after the previous region's soak timer
      // fired, by the server's clock (managedFields keep whole seconds: compared at that precision).
      const timers = firedTimers(await handle.fetchHistory()).filter((t) => t.ms === 2000);
      assert.equal(timers.length, 3, 'one soak timer per region');
      const patched = deployed.map((d) => patchedAt(d)!);
      for (let i = 1; i < NAMES.length; i++) {
        const soakEnd = Math.floor(timers[i - 1].firedAt / 1000) * 1000;
        assert.ok(patched[i] >= soakEnd, `${NAMES[i]} patched at ${new Date(patched[i]).toISOString()}, before ${NAMES[i - 1]}'s soak timer fired at ${new Date(timers[i - 1].firedAt).toISOString()}`);
        assert.ok(patched[i] >= patched[i - 1], 'smallest first');
      }
      // The pod check watched each region through its soak.
      for (const r of done.stages.flatMap((s) => s.regions)) {
        const pods = r.checks?.find((c) => c.name === 'pods');
        assert.ok(pods && pods.samples >= 3, `${r.name}: ${JSON.stringify(r.checks)}`);
      }
    },
    activityEnv(stack, { KUBECONFIG: fleet.kubeconfig }),
  );
});

test('a -crashloop version fails the first region with its pods\' reason and is patched back there; the other clusters never change', async () => {
  const service = 'shop-crash';
  const generations = await seed(service, NAMES, '1.0.0', { progressDeadlineSeconds: 8 });
  await withWorker(
    stack,
    async () => {
      const handle = await start(stack, testPlan({ service, regions: REGIONS, soak: '2s', checks: 'none', deployYaml: deployYaml(service, { timeout: '45s' }) }, '2.0.0-crashloop'));
      const paused = await waitFor(handle, phaseIs('paused'), 'the deploy to pause after the failed rollout', 180_000);
      assert.equal(regionState(paused, 'small'), 'rolled_back');
      assert.equal(regionState(paused, 'middle'), 'pending');
      assert.equal(regionState(paused, 'large'), 'pending');
      const error = paused.stages[0].regions[0].error!;
      // maxSurge 1 of 3: one new pod, crash-looping as the convention has it; none of the old ones replaced.
      assert.match(error, /^deploy failed: deploy of 2\.0\.0-crashloop to small: deployment\/shop-crash progress deadline exceeded: .*; 0 of 3 new pods ready: 1 not ready \(CrashLoopBackOff(; \d+ restarts?)?\), 2 not created$/, error);
      assert.ok(!error.includes('\n'), `one line: ${error}`);

      const small = await readDeployment(api.small, NS, service);
      assert.deepEqual(imagesOf(small), { web: `registry.example/${service}:1.0.0` }, 'patched back to the images read before');
      assert.equal(small.metadata?.generation, generations.small + 2, 'one patch out, one back');
      for (const region of ['middle', 'large']) {
        const d = await readDeployment(api[region], NS, service);
        assert.equal(d.metadata?.generation, generations[region], `${region} never changed`);
        assert.deepEqual(imagesOf(d), { web: `registry.example/${service}:1.0.0` });
      }
      await handle.terminate('test over');
    },
    activityEnv(stack, { KUBECONFIG: fleet.kubeconfig }),
  );
});

/** A second kubeconfig beside the fleet's: bad credentials, and a service account RBAC only lets read. */
async function extraKubeconfig(service: string): Promise<string> {
  const a = api.small;
  await a.core.createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: 'reader' } } });
  await a.rbac.createNamespacedRole({
    namespace: NS,
    body: { metadata: { name: 'reader' }, rules: [{ apiGroups: ['apps'], resources: ['deployments', 'replicasets'], verbs: ['get', 'list', 'watch'] }, { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }] },
  });
  await a.rbac.createNamespacedRoleBinding({
    namespace: NS,
    body: { metadata: { name: 'reader' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' }, subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: NS }] },
  });
  const token = await a.core.createNamespacedServiceAccountToken({ namespace: NS, name: 'reader', body: { spec: { audiences: [], expirationSeconds: 3600 } } });
  const kc = new KubeConfig();
  kc.loadFromFile(fleet.kubeconfig);
  const cluster = kc.getContextObject(fleet.contexts.small)!.cluster;
  const server = kc.getCluster(cluster)!;
  const file = join(mkdtempSync(join(tmpdir(), `firebreak-${service}-`)), 'extra.yaml');
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'small-again', cluster: { server: server.server, ...(server.caFile ? { 'certificate-authority': server.caFile } : {}), ...(server.caData ? { 'certificate-authority-data': server.caData } : {}), ...(server.skipTLSVerify ? { 'insecure-skip-tls-verify': true } : {}) } }],
      users: [
        { name: 'wrong', user: { token: 'not-a-token-this-cluster-knows' } },
        { name: 'reader', user: { token: token.status!.token } },
      ],
      contexts: [
        { name: 'bad-credentials', context: { cluster: 'small-again', user: 'wrong' } },
        { name: 'read-only', context: { cluster: 'small-again', user: 'reader' } },
      ],
    }),
  );
  return file;
}

test('a missing workload, an unknown context, refused credentials, a forbidden verb: one line each, nothing changed', async () => {
  const service = 'shop-refused';
  const generations = await seed(service, ['small'], '1.0.0');
  const extra = await extraKubeconfig(service);
  const cases: { name: string; deploy: string; reason: RegExp }[] = [
    { name: 'missing', deploy: deployYaml('shop-nowhere', { regions: ['small'] }), reason: /^deploy failed: deployment\/shop-nowhere in namespace shop of context \S+ does not exist: Firebreak updates workloads, creating them is the job of helm or GitOps$/ },
    { name: 'context', deploy: deployYaml(service, { contexts: { small: 'no-such-context' }, regions: ['small'] }), reason: /^deploy failed: context no-such-context is not in the kubeconfig \(it has .*bad-credentials.*\)$/ },
    { name: 'credentials', deploy: deployYaml(service, { contexts: { small: 'bad-credentials' }, regions: ['small'] }), reason: /^deploy failed: the API server of context bad-credentials refused the credentials \(401 Unauthorized\)$/ },
    { name: 'forbidden', deploy: deployYaml(service, { contexts: { small: 'read-only' }, regions: ['small'] }), reason: /^deploy failed: forbidden in context read-only: deployments\.apps "shop-refused" is forbidden: User "system:serviceaccount:shop:reader" cannot patch resource "deployments"/ },
  ];
  await withWorker(
    stack,
    async () => {
      for (const c of cases) {
        const handle = await start(stack, testPlan({ service: `${service}-${c.name}`, regions: [['small', 100]], soak: '1s', checks: 'none', deployYaml: c.deploy }, '2.0.0'));
        const s = await settle(handle, 60_000);
        assert.equal(s.phase, 'paused', c.name);
        const region = s.stages[0].regions[0];
        assert.match(region.error!, c.reason, c.name);
        assert.ok(!region.error!.includes('\n'), `${c.name}: one line`);
        assert.equal(region.attempt, 1);
        if (c.name === 'forbidden') assert.equal(region.fromVersion, '1.0.0', 'the reader could read the version');
        await handle.terminate('test over');
      }
      const d = await readDeployment(api.small, NS, service);
      assert.equal(d.metadata?.generation, generations.small, 'nothing changed');
      assert.deepEqual(imagesOf(d), { web: `registry.example/${service}:1.0.0` });
    },
    activityEnv(stack, { KUBECONFIG: [fleet.kubeconfig, extra].join(delimiter) }),
  );
});
