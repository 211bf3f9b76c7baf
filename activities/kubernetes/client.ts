// The Kubernetes API as the adapter and the pod check use it: the kubeconfig found as kubectl
// finds it (KUBECONFIG, else ~/.kube/config), one context per region, and every API error
// sorted into "retrying can help" (the API server is away, 5xx, 429) or one line naming what is
// wrong (unknown context, refused credentials, a forbidden verb, a workload that is not there).
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
// The client library is loaded on first use (it takes a second or two to import): a worker
// whose pipelines never touch Kubernetes does not pay for it.
import type { AppsV1Api, CoreV1Api, KubeConfig, V1Deployment, V1LabelSelector, V1Pod, V1StatefulSet } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../../src/domain/failures.js';
import type { PodState, WorkloadKind, WorkloadState } from '../../src/domain/kubernetes/rollout.js';

/** One request's limit: well under the deploy heartbeat timeout, so a hung API server cannot look like a lost worker. */
const REQUEST_TIMEOUT_MS = 10_000;

/** A failure that retrying cannot fix: the message is the one line the region fails with. */
export class KubeRefused extends Error {
  override name = 'KubeRefused';
}

/** The kubeconfig files kubectl would read, from this environment. */
export function kubeconfigFiles(env: NodeJS.ProcessEnv): string[] {
  if (env.KUBECONFIG) return env.KUBECONFIG.split(delimiter).filter(Boolean);
  return [join(env.HOME || homedir(), '.kube', 'config')];
}

type Lib = typeof import('@kubernetes/client-node');
let lib: Promise<Lib> | undefined;
const loadLib = (): Promise<Lib> => (lib ??= import('@kubernetes/client-node'));

/** The kubeconfig (every file of KUBECONFIG merged, as kubectl does); throws KubeRefused when there is none. */
export async function loadKubeConfig(env: NodeJS.ProcessEnv): Promise<KubeConfig> {
  const { KubeConfig } = await loadLib();
  const files = kubeconfigFiles(env).filter((f) => existsSync(f));
  if (files.length === 0) {
    throw new KubeRefused(
      env.KUBECONFIG ? `no kubeconfig: none of KUBECONFIG's files exists (${env.KUBECONFIG})` : `no kubeconfig: KUBECONFIG is not set and ${kubeconfigFiles(env)[0]} does not exist`,
    );
  }
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(files[0]);
    for (const file of files.slice(1)) {
      const more = new KubeConfig();
      more.loadFromFile(file);
      kc.mergeConfig(more, true);
    }
  } catch (err) {
    throw new KubeRefused(`cannot read the kubeconfig ${files.join(delimiter)}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return kc;
}

/** One cluster, reached through one kubeconfig context. */
export class Cluster {
  private constructor(
    readonly context: string,
    private readonly k8s: Lib,
    private readonly apps: AppsV1Api,
    private readonly core: CoreV1Api,
    private readonly requestTimeoutMs: number,
  ) {}

  /** The cluster of `context` in the worker's kubeconfig; KubeRefused when the context is not there. */
  static async open(context: string, env: NodeJS.ProcessEnv, requestTimeoutMs = REQUEST_TIMEOUT_MS): Promise<Cluster> {
    const k8s = await loadLib();
    const kc = await loadKubeConfig(env);
    if (!kc.getContextObject(context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new KubeRefused(`context ${context} is not in the kubeconfig (it has ${known.join(', ') || 'none'})`);
    }
    kc.setCurrentContext(context);
    return new Cluster(context, k8s, kc.makeApiClient(k8s.AppsV1Api), kc.makeApiClient(k8s.CoreV1Api), requestTimeoutMs);
  }

  /** The workload, or undefined when it does not exist. */
  async read(ref: WorkloadRef): Promise<V1Deployment | V1StatefulSet | undefined> {
    const req = { name: ref.name, namespace: ref.namespace };
    try {
      return await this.call(`get ${ref.kind}/${ref.name}`, () =>
        ref.kind === 'deployment' ? this.apps.readNamespacedDeployment(req) : this.apps.readNamespacedStatefulSet(req),
      );
    } catch (err) {
      if (isApiError(err) && err.code === 404) return undefined;
      throw err;
    }
  }

  /** A strategic merge patch of the workload (containers merge by name). */
  async patch(ref: WorkloadRef, body: object): Promise<V1Deployment | V1StatefulSet> {
    const req = { name: ref.name, namespace: ref.namespace, body, fieldManager: 'firebreak' };
    const opts = this.k8s.setHeaderOptions('Content-Type', this.k8s.PatchStrategy.StrategicMergePatch);
    return this.call(`patch ${ref.kind}/${ref.name}`, () =>
      ref.kind === 'deployment' ? this.apps.patchNamespacedDeployment(req, opts) : this.apps.patchNamespacedStatefulSet(req, opts),
    );
  }

  async pods(namespace: string, labelSelector: string): Promise<V1Pod[]> {
    const list = await this.call('list pods', () => this.core.listNamespacedPod({ namespace, labelSelector }));
    return list.items.filter((p) => !p.metadata?.deletionTimestamp);
  }

  /** The pod-template-hash of a Deployment's newest ReplicaSet (the one of its current revision). */
  async newReplicaSetHash(d: V1Deployment): Promise<string | undefined> {
    const namespace = d.metadata?.namespace ?? 'default';
    const selector = labelSelector(d.spec?.selector);
    const list = await this.call('list replicasets', () => this.apps.listNamespacedReplicaSet({ namespace, labelSelector: selector }));
    const revision = d.metadata?.annotations?.['deployment.kubernetes.io/revision'];
    const owned = list.items.filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.uid === d.metadata?.uid));
    const rs = owned.find((r) => revision !== undefined && r.metadata?.annotations?.['deployment.kubernetes.io/revision'] === revision);
    return rs?.metadata?.labels?.['pod-template-hash'];
  }

  /** The request, limited in time, its failures made KubeRefused where retrying cannot help. */
  private async call<T>(what: string, request: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      const ms = this.requestTimeoutMs;
      timer = setTimeout(() => reject(new Error(`${what}: no answer from the API server of context ${this.context} within ${ms / 1000}s`)), ms);
    });
    try {
      return await Promise.race([request(), timeout]);
    } catch (err) {
      throw refusal(err, what, this.context) ?? err;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A KubeRefused for an answer no retry changes (401, 403, 400, 422), else undefined. */
export function refusal(err: unknown, what: string, context: string): KubeRefused | undefined {
  if (isApiError(err)) {
    const message = apiMessage(err.body);
    if (err.code === 401) return new KubeRefused(`the API server of context ${context} refused the credentials (401 Unauthorized)`);
    if (err.code === 403) return new KubeRefused(`forbidden in context ${context}: ${message ?? `${what} (403)`}`);
    if (err.code === 400 || err.code === 422) return new KubeRefused(`${what} refused in context ${context}: ${message ?? `HTTP ${err.code}`}`);
    return undefined;
  }
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) {
    return new KubeRefused(`cannot trust the API server of context ${context}: ${(err as Error).message}`);
  }
  return undefined;
}

/** A retryable error in one line: the API server away, a 5xx, a timeout. */
export function transientText(err: unknown): string {
  if (isApiError(err)) return `HTTP ${err.code}${apiMessage(err.body) ? `: ${apiMessage(err.body)}` : ''}`;
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

/** The library's ApiException, by its shape (the library itself is loaded lazily). */
function isApiError(err: unknown): err is Error & { code: number; body: unknown } {
  return err instanceof Error && typeof (err as { code?: unknown }).code === 'number' && 'body' in err;
}

function apiMessage(body: unknown): string | undefined {
  let b = body;
  if (typeof body === 'string') {
    try {
      b = JSON.parse(body);
    } catch {
      return body.trim() ? body.trim().slice(0, 300) : undefined;
    }
  }
  const m = (b as { message?: unknown } | undefined)?.message;
  return typeof m === 'string' ? m : undefined;
}

/** A workload as the pipeline names it, in its namespace. */
export interface WorkloadRef {
  kind: WorkloadKind;
  name: string;
  namespace: string;
}

export function workloadRef(workload: string, namespace: string): WorkloadRef {
  const [kind, name] = workload.split('/');
  return { kind: kind as WorkloadKind, name, namespace };
}

export const showRef = (ref: WorkloadRef, context: string) => `${ref.kind}/${ref.name} in namespace ${ref.namespace} of context ${context}`;

/** A label selector as the list API takes it. */
export function labelSelector(sel: V1LabelSelector | undefined): string {
  const parts = Object.entries(sel?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel?.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

/** The live images, by container name. */
export function imagesOf(w: V1Deployment | V1StatefulSet): Record<string, string> {
  return Object.fromEntries((w.spec?.template.spec?.containers ?? []).map((c) => [c.name, c.image ?? '']));
}

export function stateOf(kind: WorkloadKind, w: V1Deployment | V1StatefulSet): WorkloadState {
  const s = w.status;
  return {
    kind,
    generation: w.metadata?.generation ?? 0,
    observedGeneration: s?.observedGeneration,
    desired: w.spec?.replicas ?? 1,
    replicas: s?.replicas,
    updated: s?.updatedReplicas,
    ready: s?.readyReplicas,
    available: s?.availableReplicas,
    ...(kind === 'statefulset'
      ? { currentRevision: (s as V1StatefulSet['status'])?.currentRevision, updateRevision: (s as V1StatefulSet['status'])?.updateRevision }
      : {}),
    conditions: (s?.conditions ?? []).map((c) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message })),
  };
}

export function podState(p: V1Pod): PodState {
  const statuses = [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])];
  const notReady = statuses.filter((c) => !c.ready);
  const waiting = notReady.map((c) => c.state?.waiting?.reason).find(Boolean);
  const terminated = notReady.map((c) => c.state?.terminated?.reason ?? c.lastState?.terminated?.reason).find(Boolean);
  const unscheduled = p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  return {
    name: p.metadata?.name ?? '?',
    ready: p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    phase: p.status?.phase,
    reason: p.status?.reason ?? unscheduled?.reason,
    ...(waiting ? { waiting } : {}),
    ...(terminated ? { terminated } : {}),
    restarts: statuses.reduce((n, c) => n + (c.restartCount ?? 0), 0),
  };
}

/** A KubeRefused as the non-retryable failure the region fails with. */
export function refused(err: KubeRefused, type: string = FailureType.DeployFailed): ApplicationFailure {
  return ApplicationFailure.nonRetryable(err.message, type);
}
