// The local Kubernetes fleet (src/local/kubernetes) is real: each region is its own control
// plane (etcd, kube-apiserver, controller-manager, scheduler) with kwok's fake nodes; a
// Deployment really rolls out, a `-crashloop` image never becomes ready and keeps restarting,
// the API server can be taken away and brought back with its state, and the simulator's
// Kubernetes mode serves per region what that region's cluster runs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { kubePrograms } from '../../src/local/kubernetes/programs.js';
import { startSimulator, type Simulator } from '../../src/local/sim/server.js';
import { createDeployment, eventually, fleetConnections, listPods, readDeployment, setImages, startTestFleet, type KubeFleet } from '../helpers/kube.js';

let fleet: KubeFleet;
let sim: Simulator;
const NS = 'shop';

before(async () => {
  fleet = await startTestFleet(['small', 'large']);
  sim = await startSimulator({ port: 0, kubernetes: fleetConnections(fleet) });
});
after(async () => {
  await sim?.close();
  await fleet?.stop();
});

async function simVersion(region: string, service = 'shop'): Promise<string | null> {
  await sim.pollClusters!();
  const res = await fetch(`${sim.url}/services/${service}/regions/${region}`);
  if (res.status === 404) return null;
  return ((await res.json()) as { version: string | null }).version;
}

test('one kubeconfig names a context per region, and kubectl reaches each cluster with it', () => {
  const text = readFileSync(fleet.kubeconfig, 'utf8');
  assert.deepEqual(fleet.contexts, { small: 'small', large: 'large' });
  for (const region of ['small', 'large']) {
    const nodes = execFileSync(kubePrograms().kubectl, ['--kubeconfig', fleet.kubeconfig, '--context', region, 'get', 'nodes', '-o', 'name'], { encoding: 'utf8' });
    assert.deepEqual(nodes.trim().split('\n').sort(), [`node/kwok-${region}-0`, `node/kwok-${region}-1`]);
  }
  assert.notEqual(fleet.clusters.small!.admin.server, fleet.clusters.large!.admin.server, 'separate control planes');
  assert.match(text, /certificate-authority-data: /, 'the CA is verified, not skipped');
});

test("kwok heartbeats its nodes through leases, so the node controller never marks them (and their pods) not ready", async () => {
  const { kubeRequest } = await import('../../src/local/kubernetes/api.js');
  const conn = fleet.clusters.large!.admin;
  const renewals = async () => {
    const res = await kubeRequest(conn, 'GET', '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases');
    const items = (res.body as { items?: { metadata: { name: string }; spec?: { renewTime?: string } }[] }).items ?? [];
    return Object.fromEntries(items.map((l) => [l.metadata.name, l.spec?.renewTime ?? '']));
  };
  const first = await renewals();
  assert.deepEqual(Object.keys(first).sort(), ['kwok-large-0', 'kwok-large-1'], 'a lease per node');
  // Renewed every 10 s (a quarter of the 40 s lease): both change before the controller's grace ends.
  await eventually('every lease renewed', renewals, (now) => Object.keys(first).every((n) => now[n] && now[n] !== first[n]), 45_000);
});

test('a Deployment of two containers rolls out on fake nodes, and a new image rolls out again', async () => {
  const conn = fleet.clusters.small!.admin;
  await createDeployment(conn, { namespace: NS, name: 'shop', containers: { web: 'registry.example/shop:1.0.0', sidecar: 'registry.example/proxy:1.0.0' }, replicas: 3 });
  await eventually('3 of 3 available', () => readDeployment(conn, NS, 'shop'), (d) => d.available === 3 && d.updated === 3);
  assert.equal(await simVersion('small'), '1.0.0', 'the simulator serves what the cluster runs');
  assert.equal(await simVersion('large'), null, 'large runs no shop yet');

  await setImages(conn, NS, 'shop', { web: 'registry.example/shop:1.1.0' });
  const d = await eventually('1.1.0 rolled out', () => readDeployment(conn, NS, 'shop'), (v) => v.observedGeneration === v.generation && v.updated === 3 && v.available === 3);
  assert.equal(d.images.web, 'registry.example/shop:1.1.0');
  const pods = await eventually('old pods gone', () => listPods(conn, NS, 'app=shop'), (ps) => ps.length === 3 && ps.every((p) => p.ready && p.images[0] === 'registry.example/shop:1.1.0'));
  assert.equal(pods.length, 3);
  assert.equal(await simVersion('small'), '1.1.0');
});

test('a -crashloop image never becomes ready: its pods restart in CrashLoopBackOff, and the region keeps serving the old version', async () => {
  const conn = fleet.clusters.large!.admin;
  await createDeployment(conn, { namespace: NS, name: 'shop', containers: { web: 'registry.example/shop:2.0.0' }, replicas: 2, progressDeadlineSeconds: 10 });
  await eventually('2.0.0 available', () => readDeployment(conn, NS, 'shop'), (d) => d.available === 2);
  assert.equal(await simVersion('large'), '2.0.0');
  await setImages(conn, NS, 'shop', { web: 'registry.example/shop:2.1.0-crashloop' });
  const pods = await eventually(
    'new pods crash-looping with restarts counted',
    () => listPods(conn, NS, 'app=shop'),
    (ps) => ps.some((p) => p.images[0]!.endsWith('-crashloop') && p.waiting.includes('CrashLoopBackOff') && p.restarts >= 2),
  );
  assert.ok(pods.filter((p) => p.images[0]!.endsWith('-crashloop')).every((p) => !p.ready), 'no crash-looping pod is ready');
  // Kubernetes itself gives up on the rollout after progressDeadlineSeconds.
  const stuck = await eventually(
    'ProgressDeadlineExceeded',
    async () => (await fetchDeploymentConditions(conn)).find((c) => c.type === 'Progressing'),
    (c) => c?.reason === 'ProgressDeadlineExceeded',
  );
  assert.equal(stuck?.status, 'False');
  assert.equal((await readDeployment(conn, NS, 'shop')).available, 2, 'the old pods still serve');
  assert.equal(await simVersion('large'), '2.0.0', 'the simulator does not serve a version that never became ready');
});

async function fetchDeploymentConditions(conn: KubeFleet['clusters'][string]['admin']): Promise<{ type: string; status: string; reason?: string }[]> {
  const { kubeRequest } = await import('../../src/local/kubernetes/api.js');
  const res = await kubeRequest(conn, 'GET', `/apis/apps/v1/namespaces/${NS}/deployments/shop`);
  return ((res.body as { status?: { conditions?: { type: string; status: string; reason?: string }[] } }).status?.conditions ?? []);
}

test("a region's API server stopped and started again keeps its workloads; the simulator keeps serving meanwhile", async () => {
  const cluster = fleet.clusters.small!;
  const before = await readDeployment(cluster.admin, NS, 'shop');
  await cluster.stopApiServer();
  await assert.rejects(readDeployment(cluster.admin, NS, 'shop'), /ECONNREFUSED|socket hang up|ECONNRESET/);
  assert.equal(await simVersion('small'), '1.1.0', 'the last version seen keeps serving while the API is away');
  await cluster.startApiServer();
  const again = await readDeployment(cluster.admin, NS, 'shop');
  assert.equal(again.generation, before.generation);
  assert.deepEqual(again.images, before.images);
});

test('the deployer user has no rights until a Role grants them (RBAC is on)', async () => {
  const { kubeRequest } = await import('../../src/local/kubernetes/api.js');
  const res = await kubeRequest(fleet.clusters.small!.deployer, 'GET', `/apis/apps/v1/namespaces/${NS}/deployments/shop`);
  assert.equal(res.status, 403, res.text);
  const anonymous = await kubeRequest({ ...fleet.clusters.small!.admin, token: 'not-a-token' }, 'GET', '/api/v1/nodes');
  assert.equal(anonymous.status, 401);
});
