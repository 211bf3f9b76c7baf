// The kubernetes adapter: sets the images of a region's Deployment or StatefulSet through the
// Kubernetes API, then follows the rollout until every replica runs them and is available.
//
// Exactly-once without a key store: the workload itself says what was applied. A deploy first
// reads it; when the images already are the ones wanted (a retried activity, a new worker after
// a crash), nothing is patched and the rollout in progress is followed. Patching only when the
// images differ keeps the generation bumped once per change. The first patch of a deploy also
// records the images read just before it (annotation firebreak.dev/previous-images): a rollback
// of that deploy to the version they ran puts those exact images back.
import { setTimeout as sleep } from 'node:timers/promises';
import type { V1Deployment, V1StatefulSet } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { cancelled } from '../../src/domain/cancelled.js';
import { FailureType } from '../../src/domain/failures.js';
import { formatDuration } from '../../src/domain/pipeline/duration.js';
import { deployTimeoutMs } from '../../src/domain/pipeline/deploy-timeout.js';
import type { Deploy, KubernetesDeploy } from '../../src/domain/pipeline/schema.js';
import type { Target } from '../../src/domain/target.js';
import { placeOf } from '../../src/domain/kubernetes/place.js';
import { rolloutProgress, newPodsText } from '../../src/domain/kubernetes/rollout.js';
import { versionProblem, workloadVersion } from '../../src/domain/kubernetes/image-template.js';
import { Renderer } from '../templates.js';
import { Cluster, KubeRefused, imagesOf, labelSelector, podState, refused, showRef, stateOf, transientText, workloadRef, type WorkloadRef } from '../kubernetes/client.js';
import type { Heartbeat, RegionAdapter } from './region-adapter.js';

/** The annotations a deploy leaves on the workload it changed. */
export const ANNOTATION = {
  deployId: 'firebreak.dev/deploy-id',
  version: 'firebreak.dev/version',
  key: 'firebreak.dev/idempotency-key',
  by: 'firebreak.dev/by',
  previousImages: 'firebreak.dev/previous-images',
  previousVersion: 'firebreak.dev/previous-version',
} as const;

export interface KubernetesAdapterOptions {
  /** How often the rollout is read while it runs. */
  pollMs?: number;
  /** Who started the deploy, for the firebreak.dev/by annotation (activities/deploy/who.ts). */
  who?: () => Promise<string | undefined>;
}

type Workload = V1Deployment | V1StatefulSet;

export class KubernetesAdapter implements RegionAdapter {
  private readonly k: KubernetesDeploy;
  private readonly timeoutMs: number;
  private readonly pollMs: number;
  private readonly who: () => Promise<string | undefined>;

  constructor(
    deploy: Deploy,
    private readonly env: NodeJS.ProcessEnv = process.env,
    opts: KubernetesAdapterOptions = {},
  ) {
    if (!deploy.kubernetes) throw new Error('the kubernetes adapter needs deploy.kubernetes');
    this.k = deploy.kubernetes;
    this.timeoutMs = deployTimeoutMs(deploy);
    this.pollMs = opts.pollMs ?? 1000;
    this.who = opts.who ?? (async () => undefined);
  }

  /**
   * The version the workload's images were made from. A workload that does not exist runs
   * nothing (null). A cluster that refuses us (unknown context, credentials, RBAC) is null too:
   * the deploy that follows fails the region with that refusal in one line, changing nothing.
   */
  async current(target: Target, signal?: AbortSignal): Promise<string | null> {
    const r = new Renderer(target, this.env);
    try {
      const { cluster, ref } = await this.open(r);
      const w = await cluster.read(ref);
      if (signal?.aborted) throw cancelled(signal, 'reading the current version');
      if (!w) return null;
      const v = workloadVersion(this.k.containers, imagesOf(w), (s) => r.render(s));
      if (v.kind === 'version') return v.version;
      throw ApplicationFailure.nonRetryable(`${showRef(ref, cluster.context)} ${versionProblem(v)}`, FailureType.CurrentVersionFailed);
    } catch (err) {
      if (err instanceof KubeRefused) return null;
      if (err instanceof ApplicationFailure || signal?.aborted) throw r.redactError(err);
      throw r.redactError(ApplicationFailure.retryable(`cannot read the current version in ${target.region}: ${transientText(err)}`, FailureType.CurrentVersionFailed));
    }
  }

  async deploy(target: Target, key: string, signal: AbortSignal, heartbeat: Heartbeat): Promise<void> {
    const r = new Renderer(target, this.env);
    const deadline = Date.now() + this.timeoutMs;
    const what = `deploy of ${target.version} to ${target.region}`;
    try {
      const { cluster, ref } = await this.open(r);
      heartbeat();
      let generation: number | undefined;
      let last = 'nothing read yet';
      // Kubernetes' verdict must hold on two reads in a row: a condition left by an earlier
      // rollout is replaced as the controller takes up the new generation.
      let failedReads = 0;
      for (;;) {
        try {
          const w = await cluster.read(ref);
          if (!w) {
            throw new KubeRefused(`${showRef(ref, cluster.context)} does not exist: Firebreak updates workloads, creating them is the job of helm or GitOps`);
          }
          if (generation === undefined) {
            generation = await this.apply(cluster, ref, w, target, key, r);
            continue;
          }
          const state = stateOf(ref.kind, w);
          const progress = rolloutProgress(state);
          if (progress.done && state.generation >= generation) return;
          failedReads = progress.failed ? failedReads + 1 : 0;
          if (progress.failed && failedReads >= 2) {
            throw ApplicationFailure.nonRetryable(`${what}: ${ref.kind}/${ref.name} ${progress.failed}; ${await this.newPods(cluster, ref, w)}`, FailureType.DeployFailed);
          }
          last = progress.text;
        } catch (err) {
          if (err instanceof KubeRefused) throw refused(err);
          if (err instanceof ApplicationFailure || signal.aborted) throw err;
          // The API server is away or struggling: keep following until the deadline.
          last = `cannot read ${ref.kind}/${ref.name}: ${transientText(err)}`;
        }
        heartbeat({ rollout: r.redact(last) });
        if (Date.now() >= deadline) {
          const pods = await this.newPodsNow(cluster, ref);
          throw ApplicationFailure.nonRetryable(
            `${what}: ${ref.kind}/${ref.name} did not finish rolling out within ${formatDuration(this.timeoutMs)}: ${pods ?? last}`,
            FailureType.DeployFailed,
          );
        }
        await sleep(this.pollMs, undefined, { signal }).catch(() => undefined);
        if (signal.aborted) throw cancelled(signal, 'deploy');
      }
    } catch (err) {
      if (signal.aborted) throw cancelled(signal, 'deploy');
      if (err instanceof KubeRefused) throw r.redactError(refused(err));
      throw r.redactError(err);
    }
  }

  /** Patch the images when they differ; the generation the rollout must reach. */
  private async apply(cluster: Cluster, ref: WorkloadRef, w: Workload, target: Target, key: string, r: Renderer): Promise<number> {
    const live = imagesOf(w);
    for (const name of Object.keys(this.k.containers)) {
      if (live[name] === undefined) {
        throw new KubeRefused(`${showRef(ref, cluster.context)} has no container ${name} (it has ${Object.keys(live).join(', ') || 'none'})`);
      }
    }
    const annotations = w.metadata?.annotations ?? {};
    const ours = annotations[ANNOTATION.deployId] === target.deployId;
    const wanted = this.wantedImages(target, r, ours ? annotations : {});
    if (Object.entries(wanted).every(([name, image]) => live[name] === image)) return w.metadata?.generation ?? 0;
    const before = Object.fromEntries(Object.keys(wanted).map((name) => [name, live[name]]));
    const was = workloadVersion(this.k.containers, live, (s) => r.render(s));
    const by = await this.who();
    const body = {
      metadata: {
        annotations: {
          [ANNOTATION.deployId]: target.deployId,
          [ANNOTATION.version]: target.version,
          [ANNOTATION.key]: key,
          [ANNOTATION.by]: by ?? null,
          // The rollback target: the images before this deploy's first change, kept by its later ones.
          ...(ours
            ? {}
            : {
                [ANNOTATION.previousImages]: JSON.stringify(before),
                [ANNOTATION.previousVersion]: was.kind === 'version' ? was.version : null,
              }),
        },
      },
      spec: { template: { spec: { containers: Object.entries(wanted).map(([name, image]) => ({ name, image })) } } },
    };
    const after = await cluster.patch(ref, body);
    return after.metadata?.generation ?? 0;
  }

  /**
   * The images for target.version: the templates filled, except when this deploy already changed
   * the workload and now goes back to the version it replaced: then the images it replaced.
   */
  private wantedImages(target: Target, r: Renderer, annotations: Record<string, string>): Record<string, string> {
    const wanted = Object.fromEntries(Object.entries(this.k.containers).map(([name, template]) => [name, r.render(template)]));
    if (annotations[ANNOTATION.previousVersion] !== target.version) return wanted;
    let previous: unknown;
    try {
      previous = JSON.parse(annotations[ANNOTATION.previousImages] ?? '');
    } catch {
      return wanted;
    }
    if (typeof previous !== 'object' || previous === null) return wanted;
    for (const name of Object.keys(wanted)) {
      const image = (previous as Record<string, unknown>)[name];
      if (typeof image === 'string' && image !== '') wanted[name] = image;
    }
    return wanted;
  }

  /** What the new pods of a rollout do, in one line. */
  private async newPods(cluster: Cluster, ref: WorkloadRef, w: Workload): Promise<string> {
    const desired = w.spec?.replicas ?? 1;
    let selector = labelSelector(w.spec?.selector);
    if (ref.kind === 'deployment') {
      const hash = await cluster.newReplicaSetHash(w as V1Deployment);
      if (hash === undefined) return `0 of ${desired} new pods created`;
      selector = `${selector ? `${selector},` : ''}pod-template-hash=${hash}`;
    } else {
      const revision = (w as V1StatefulSet).status?.updateRevision;
      if (revision) selector = `${selector ? `${selector},` : ''}controller-revision-hash=${revision}`;
    }
    const pods = await cluster.pods(ref.namespace, selector);
    return newPodsText(pods.map(podState), desired);
  }

  /** newPods, read afresh; undefined when the cluster cannot be read now. */
  private async newPodsNow(cluster: Cluster, ref: WorkloadRef): Promise<string | undefined> {
    try {
      const w = await cluster.read(ref);
      return w ? await this.newPods(cluster, ref, w) : undefined;
    } catch {
      return undefined;
    }
  }

  private async open(r: Renderer): Promise<{ cluster: Cluster; ref: WorkloadRef }> {
    const place = placeOf(this.k, r.target.region);
    const cluster = await Cluster.open(r.render(place.context), this.env);
    return { cluster, ref: workloadRef(this.k.workload, r.render(place.namespace)) };
  }
}

