// The workloads the Kubernetes adapter tests deploy to, through @kubernetes/client-node (the
// library the adapter uses): whole objects, managedFields and all. test/helpers/kube.ts has the fleet.
import { AppsV1Api, CoreV1Api, KubeConfig, RbacAuthorizationV1Api, type V1Deployment } from '@kubernetes/client-node';

export interface Apis {
  apps: AppsV1Api;
  core: CoreV1Api;
  rbac: RbacAuthorizationV1Api;
}

export function apis(kubeconfig: string, context: string): Apis {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  kc.setCurrentContext(context);
  return { apps: kc.makeApiClient(AppsV1Api), core: kc.makeApiClient(CoreV1Api), rbac: kc.makeApiClient(RbacAuthorizationV1Api) };
}

export interface WorkloadSpec {
  namespace: string;
  name: string;
  /** container name -> image */
  containers: Record<string, string>;
  replicas?: number;
  /** Kubernetes' own deadline for a rollout that makes no progress. */
  progressDeadlineSeconds?: number;
  /** Pods count as available only this long after ready: makes a rollout last (a worker can be killed in it). */
  minReadySeconds?: number;
}

export async function ensureNamespace(a: Apis, namespace: string): Promise<void> {
  try {
    await a.core.createNamespace({ body: { metadata: { name: namespace } } });
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
  }
}

/** Creates the Deployment and waits until every replica is available. */
export async function createDeployment(a: Apis, w: WorkloadSpec): Promise<V1Deployment> {
  await ensureNamespace(a, w.namespace);
  const labels = { app: w.name };
  await a.apps.createNamespacedDeployment({
    namespace: w.namespace,
    body: {
      metadata: { name: w.name, labels },
      spec: {
        replicas: w.replicas ?? 3,
        selector: { matchLabels: labels },
        ...(w.progressDeadlineSeconds ? { progressDeadlineSeconds: w.progressDeadlineSeconds } : {}),
        ...(w.minReadySeconds ? { minReadySeconds: w.minReadySeconds } : {}),
        template: {
          metadata: { labels },
          spec: { containers: Object.entries(w.containers).map(([name, image]) => ({ name, image })) },
        },
      },
    },
  });
  return waitRolledOut(a, w.namespace, w.name);
}

export async function readDeployment(a: Apis, namespace: string, name: string): Promise<V1Deployment> {
  return a.apps.readNamespacedDeployment({ namespace, name });
}

/** Polls until the Deployment's rollout is complete (bounded: a safety net only). */
export async function waitRolledOut(a: Apis, namespace: string, name: string, timeoutMs = 60_000): Promise<V1Deployment> {
  const until = Date.now() + timeoutMs;
  let d: V1Deployment | undefined;
  while (Date.now() < until) {
    d = await readDeployment(a, namespace, name);
    if (rolledOut(d)) return d;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`deployment/${name} did not roll out: ${JSON.stringify(d?.status)}`);
}

export function rolledOut(d: V1Deployment): boolean {
  const want = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  return (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) && s.updatedReplicas === want && s.availableReplicas === want && s.replicas === want;
}

export const imagesOf = (d: V1Deployment) => Object.fromEntries((d.spec?.template.spec?.containers ?? []).map((c) => [c.name, c.image]));

/** When Firebreak last changed the workload (its managedFields entry), epoch ms at second precision. */
export function patchedAt(d: V1Deployment, manager = 'firebreak'): number | undefined {
  const times = (d.metadata?.managedFields ?? []).filter((f) => f.manager === manager && f.time).map((f) => new Date(f.time as unknown as string).getTime());
  return times.length ? Math.max(...times) : undefined;
}
