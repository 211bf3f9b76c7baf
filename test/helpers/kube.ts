// Real Kubernetes control planes for tests (src/local/kubernetes): one fleet per test file,
// in a scratch directory removed afterwards, and the few API calls tests make to set up and
// inspect workloads. Nothing here fakes the Kubernetes API.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeRequest, type KubeConnection } from '../../src/local/kubernetes/api.js';
import { startKubeFleet, type KubeFleet } from '../../src/local/kubernetes/fleet.js';

export { createDeployment, waitForDeployment, type DeploymentSpec } from '../../src/local/kubernetes/workloads.js';

export type { KubeConnection } from '../../src/local/kubernetes/api.js';
export type { KubeFleet } from '../../src/local/kubernetes/fleet.js';

/** A fleet of regions; stop() also removes its directory. */
export async function startTestFleet(regions: string[], nodes = 2): Promise<KubeFleet> {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-kube-'));
  try {
    const fleet = await startKubeFleet({ regions, dir, nodes });
    return {
      ...fleet,
      stop: async () => {
        await fleet.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Region -> admin connection, as the simulator's Kubernetes mode takes them. */
export function fleetConnections(fleet: KubeFleet): Record<string, KubeConnection> {
  return Object.fromEntries(Object.entries(fleet.clusters).map(([r, c]) => [r, c.admin]));
}

async function ok(conn: KubeConnection, method: string, path: string, body?: unknown, contentType?: string): Promise<unknown> {
  const res = await kubeRequest(conn, method, path, body, { contentType });
  if (res.status >= 300) throw new Error(`${method} ${path}: HTTP ${res.status} ${res.text.slice(0, 300)}`);
  return res.body;
}

export interface DeploymentView {
  generation: number;
  images: Record<string, string>;
  replicas: number;
  updated: number;
  available: number;
  observedGeneration: number;
  annotations: Record<string, string>;
}

export async function readDeployment(conn: KubeConnection, namespace: string, name: string): Promise<DeploymentView> {
  const d = (await ok(conn, 'GET', `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`)) as {
    metadata: { generation: number; annotations?: Record<string, string> };
    spec: { replicas: number; template: { spec: { containers: { name: string; image: string }[] } } };
    status?: { updatedReplicas?: number; availableReplicas?: number; observedGeneration?: number };
  };
  return {
    generation: d.metadata.generation,
    images: Object.fromEntries(d.spec.template.spec.containers.map((c) => [c.name, c.image])),
    replicas: d.spec.replicas,
    updated: d.status?.updatedReplicas ?? 0,
    available: d.status?.availableReplicas ?? 0,
    observedGeneration: d.status?.observedGeneration ?? 0,
    annotations: d.metadata.annotations ?? {},
  };
}

/** Sets container images with a strategic-merge patch, as `kubectl set image` does. */
export async function setImages(conn: KubeConnection, namespace: string, name: string, images: Record<string, string>): Promise<void> {
  await ok(
    conn,
    'PATCH',
    `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`,
    { spec: { template: { spec: { containers: Object.entries(images).map(([n, image]) => ({ name: n, image })) } } } },
    'application/strategic-merge-patch+json',
  );
}

export interface PodView {
  name: string;
  ready: boolean;
  restarts: number;
  waiting: string[];
  images: string[];
}

export async function listPods(conn: KubeConnection, namespace: string, selector: string): Promise<PodView[]> {
  const body = (await ok(conn, 'GET', `/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(selector)}`)) as {
    items: {
      metadata: { name: string; deletionTimestamp?: string };
      spec: { containers: { image: string }[] };
      status?: { conditions?: { type: string; status: string }[]; containerStatuses?: { restartCount?: number; state?: { waiting?: { reason?: string } } }[] };
    }[];
  };
  return body.items
    .filter((p) => !p.metadata.deletionTimestamp)
    .map((p) => ({
      name: p.metadata.name,
      ready: p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
      restarts: (p.status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0),
      waiting: (p.status?.containerStatuses ?? []).map((c) => c.state?.waiting?.reason).filter((r): r is string => !!r),
      images: p.spec.containers.map((c) => c.image),
    }));
}

/** Polls until check() holds (or throws after timeoutMs with the last state it saw). */
export async function eventually<T>(what: string, probe: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (check(last)) return last;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms; last seen ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
