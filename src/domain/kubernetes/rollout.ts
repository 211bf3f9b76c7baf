// When a workload's rollout is complete, how far it got, and what its new pods are doing, from
// the fields Kubernetes reports (kubectl rollout status reads the same ones). Pure: the adapter
// reads the objects and hands their numbers here, unit tests hand made-up ones.

export type WorkloadKind = 'deployment' | 'statefulset';

/** A workload's spec and status, as far as a rollout needs them. */
export interface WorkloadState {
  kind: WorkloadKind;
  /** metadata.generation: bumped by every spec change (our image patch among them). */
  generation: number;
  observedGeneration?: number;
  /** spec.replicas: the desired count. */
  desired: number;
  /** status.replicas: every pod, old and new. */
  replicas?: number;
  updated?: number;
  ready?: number;
  available?: number;
  /** StatefulSet: the revisions the old and new pods belong to. */
  currentRevision?: string;
  updateRevision?: string;
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
}

export interface RolloutProgress {
  done: boolean;
  /** Where it stands, in words (heartbeat details, the timeout's reason). */
  text: string;
  /** Set when Kubernetes itself says the rollout failed (ProgressDeadlineExceeded). */
  failed?: string;
}

export function rolloutProgress(w: WorkloadState): RolloutProgress {
  const desired = w.desired;
  const updated = w.updated ?? 0;
  const replicas = w.replicas ?? 0;
  const ready = w.ready ?? 0;
  const available = w.kind === 'statefulset' ? (w.available ?? ready) : (w.available ?? 0);
  if ((w.observedGeneration ?? 0) < w.generation) {
    return { done: false, text: `waiting for the controller to observe generation ${w.generation}` };
  }
  const deadline = w.conditions?.find((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded');
  const message = deadline?.message?.trim().replace(/\.$/, '');
  const failed = deadline ? `progress deadline exceeded${message ? `: ${message}` : ''}` : undefined;
  const counts = `${updated} of ${desired} updated, ${available} available`;
  if (updated < desired) return { done: false, text: counts, ...(failed ? { failed } : {}) };
  if (replicas > updated) return { done: false, text: `${counts}, ${replicas - updated} old still running`, ...(failed ? { failed } : {}) };
  if (available < desired || (w.kind === 'statefulset' && ready < desired)) {
    return { done: false, text: counts, ...(failed ? { failed } : {}) };
  }
  if (w.kind === 'statefulset' && w.updateRevision && w.currentRevision !== w.updateRevision) {
    return { done: false, text: `${counts}, revision ${w.currentRevision ?? '?'} -> ${w.updateRevision}` };
  }
  return { done: true, text: counts };
}

/** One pod, as far as its health needs it. */
export interface PodState {
  name: string;
  ready: boolean;
  /** status.phase: Pending, Running, Succeeded, Failed. */
  phase?: string;
  /** status.reason (Evicted ...), or an unschedulable PodScheduled condition's reason. */
  reason?: string;
  /** The first not-ready container's waiting reason (CrashLoopBackOff, ImagePullBackOff ...). */
  waiting?: string;
  /** ... or the reason of its last termination (Error, OOMKilled). */
  terminated?: string;
  /** Restarts over all its containers. */
  restarts: number;
}

/** Why a pod is not ready, in one word or two: Kubernetes' own reason where it gives one. */
export function notReadyReason(p: PodState): string {
  return p.waiting ?? p.terminated ?? p.reason ?? (p.phase && p.phase !== 'Running' ? p.phase : 'never became ready');
}

/** `0 of 3 new pods ready: 3 not ready (CrashLoopBackOff)`: what a failed rollout's new pods do. */
export function newPodsText(pods: readonly PodState[], desired: number): string {
  const ready = pods.filter((p) => p.ready).length;
  const notReady = pods.filter((p) => !p.ready);
  const parts: string[] = [];
  if (notReady.length) {
    const byReason = new Map<string, number>();
    for (const p of notReady) byReason.set(notReadyReason(p), (byReason.get(notReadyReason(p)) ?? 0) + 1);
    const reasons =
      byReason.size === 1 ? [...byReason.keys()][0] : [...byReason].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([r, n]) => `${n} ${r}`).join(', ');
    const restarts = notReady.reduce((n, p) => n + p.restarts, 0);
    parts.push(`${notReady.length} not ready (${reasons}${restarts ? `; ${restarts} restart${restarts === 1 ? '' : 's'}` : ''})`);
  }
  const missing = desired - pods.length;
  if (missing > 0) parts.push(`${missing} not created`);
  return `${ready} of ${desired} new pod${desired === 1 ? '' : 's'} ready${parts.length ? `: ${parts.join(', ')}` : ''}`;
}

/** The in-region health check's limits (checks `kubernetes:`). */
export interface PodHealthLimits {
  maxRestarts?: number;
  minReadyRatio?: number;
}

/**
 * The health check's value: 0 when the pods keep the limits, else the breach in words. A
 * workload scaled to zero has no ratio to keep; its restarts still count.
 */
export function podHealth(pods: readonly PodState[], desired: number, limits: PodHealthLimits): 0 | string {
  const problems: string[] = [];
  const restarts = pods.reduce((n, p) => n + p.restarts, 0);
  if (limits.maxRestarts !== undefined && restarts > limits.maxRestarts) {
    problems.push(`${restarts} restarts (max ${limits.maxRestarts})`);
  }
  const ready = pods.filter((p) => p.ready).length;
  if (limits.minReadyRatio !== undefined && desired > 0 && ready / desired < limits.minReadyRatio) {
    problems.push(`${ready} of ${desired} pods ready (min ratio ${limits.minReadyRatio})`);
  }
  return problems.length ? problems.join('; ') : 0;
}
