// Kubernetes checks: the workload's own pods in the region's cluster during the soak. The value
// is 0 while they keep the check's limits (maxRestarts, minReadyRatio), else the breach in words;
// judged like any other check (failAfter, minSamples). A cluster that cannot be read is no data.
import type { V1Deployment, V1StatefulSet } from '@kubernetes/client-node';
import type { Check } from '../../src/domain/pipeline/schema.js';
import type { Target } from '../../src/domain/target.js';
import { CHECK_REQUEST_TIMEOUT_MS } from '../../src/domain/limits.js';
import type { CheckProvider, CheckValue, EvaluateOptions } from '../../src/domain/soak/provider.js';
import { podHealth } from '../../src/domain/kubernetes/rollout.js';
import { Renderer } from '../templates.js';
import { Cluster, labelSelector, podState, showRef, workloadRef } from '../kubernetes/client.js';

export class KubernetesCheckProvider implements CheckProvider {
  private readonly env: NodeJS.ProcessEnv;

  constructor(opts: { env?: NodeJS.ProcessEnv } = {}) {
    this.env = opts.env ?? process.env;
  }

  async evaluate(check: Check, target: Target, opts: EvaluateOptions = {}): Promise<CheckValue> {
    const k = check.kubernetes;
    // plan() fills the workload and place from deploy.kubernetes; the schema requires them otherwise.
    if (!k?.workload) throw new Error(`check ${check.name} names no workload`);
    const r = new Renderer(target, this.env);
    try {
      const timeoutMs = Math.min(opts.timeoutMs ?? CHECK_REQUEST_TIMEOUT_MS, CHECK_REQUEST_TIMEOUT_MS);
      const cluster = await Cluster.open(r.render(k.context ?? '{{region}}'), this.env, timeoutMs);
      const ref = workloadRef(k.workload, r.render(k.namespace ?? 'default'));
      const w: V1Deployment | V1StatefulSet | undefined = await cluster.read(ref);
      if (!w) throw new Error(`${showRef(ref, cluster.context)} does not exist`);
      const pods = await cluster.pods(ref.namespace, labelSelector(w.spec?.selector));
      return podHealth(pods.map(podState), w.spec?.replicas ?? 1, { maxRestarts: k.maxRestarts, minReadyRatio: k.minReadyRatio });
    } catch (err) {
      throw r.redactError(err);
    }
  }
}
