// Creating a workload in a local region, as helm or GitOps would before Firebreak first updates
// it (Firebreak itself never creates workloads): the demo's Deployments and the tests'.
import { kubeRequest, type KubeConnection } from './api.js';

export interface DeploymentSpec {
  namespace: string;
  name: string;
  /** Container name -> image. */
  containers: Record<string, string>;
  replicas?: number;
  labels?: Record<string, string>;
  /** Seconds before Kubernetes reports ProgressDeadlineExceeded (default its 600). */
  progressDeadlineSeconds?: number;
}

async function ok(conn: KubeConnection, method: string, path: string, body?: unknown): Promise<void> {
  const res = await kubeRequest(conn, method, path, body);
  // 409: it exists already (a second demo run on the same state), which is what was wanted.
  if (res.status >= 300 && res.status !== 409) throw new Error(`${method} ${path}: HTTP ${res.status} ${res.text.slice(0, 300)}`);
}

/** Creates the namespace and the Deployment; both left as they are when they exist. */
export async function createDeployment(conn: KubeConnection, spec: DeploymentSpec): Promise<void> {
  await ok(conn, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: spec.namespace } });
  const match = { app: spec.name };
  await ok(conn, 'POST', `/apis/apps/v1/namespaces/${spec.namespace}/deployments`, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: spec.name, labels: { ...match, ...spec.labels } },
    spec: {
      replicas: spec.replicas ?? 3,
      ...(spec.progressDeadlineSeconds ? { progressDeadlineSeconds: spec.progressDeadlineSeconds } : {}),
      selector: { matchLabels: match },
      template: {
        metadata: { labels: match },
        spec: { containers: Object.entries(spec.containers).map(([name, image]) => ({ name, image })) },
      },
    },
  });
}

/** Resolves once every replica of the Deployment is updated and available. */
export async function waitForDeployment(conn: KubeConnection, namespace: string, name: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await kubeRequest(conn, 'GET', `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`);
    const d = res.body as { metadata?: { generation?: number }; spec?: { replicas?: number }; status?: { observedGeneration?: number; updatedReplicas?: number; availableReplicas?: number } };
    const want = d.spec?.replicas ?? 1;
    if (res.status === 200 && (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) && (d.status?.updatedReplicas ?? 0) >= want && (d.status?.availableReplicas ?? 0) >= want) return;
    if (Date.now() > deadline) throw new Error(`deployment/${name} in ${namespace} did not become available within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
