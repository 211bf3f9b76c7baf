// When a rollout is complete (kubectl rollout status's fields), and what a failed one's new pods
// are doing, in one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { newPodsText, podHealth, rolloutProgress, type PodState, type WorkloadState } from '../../src/domain/kubernetes/rollout.js';

const done: WorkloadState = { kind: 'deployment', generation: 4, observedGeneration: 4, desired: 3, replicas: 3, updated: 3, ready: 3, available: 3 };

test('complete: generation observed, updated = desired = available, no old replicas', () => {
  assert.equal(rolloutProgress(done).done, true);
  assert.equal(rolloutProgress({ ...done, observedGeneration: 3 }).done, false);
  assert.match(rolloutProgress({ ...done, observedGeneration: 3 }).text, /observe generation 4/);
  assert.equal(rolloutProgress({ ...done, updated: 2 }).done, false);
  assert.equal(rolloutProgress({ ...done, replicas: 4 }).done, false);
  assert.match(rolloutProgress({ ...done, replicas: 4 }).text, /1 old still running/);
  assert.equal(rolloutProgress({ ...done, available: 2 }).done, false);
  assert.equal(rolloutProgress({ ...done, observedGeneration: undefined }).done, false);
});

test('a StatefulSet is complete when every replica is ready on the update revision', () => {
  const sts: WorkloadState = { kind: 'statefulset', generation: 2, observedGeneration: 2, desired: 2, replicas: 2, updated: 2, ready: 2, available: 2, currentRevision: 'a', updateRevision: 'a' };
  assert.equal(rolloutProgress(sts).done, true);
  assert.equal(rolloutProgress({ ...sts, currentRevision: 'b' }).done, false);
  assert.equal(rolloutProgress({ ...sts, ready: 1, available: undefined }).done, false);
});

test('ProgressDeadlineExceeded is a failure, with Kubernetes message', () => {
  const p = rolloutProgress({ ...done, updated: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "shop-7d" has timed out progressing.' }] });
  assert.equal(p.done, false);
  assert.equal(p.failed, 'progress deadline exceeded: ReplicaSet "shop-7d" has timed out progressing');
});

test('any numbers: never done while a count is short or an old replica remains', () => {
  const n = fc.nat(5);
  fc.assert(
    fc.property(n, n, n, n, n, fc.nat(3), fc.nat(3), (desired, replicas, updated, ready, available, gen, observed) => {
      const p = rolloutProgress({ kind: 'deployment', generation: gen, observedGeneration: observed, desired, replicas, updated, ready, available });
      if (p.done) assert.ok(observed >= gen && updated >= desired && replicas <= updated && available >= desired);
    }),
  );
});

const pod = (name: string, more: Partial<PodState> = {}): PodState => ({ name, ready: false, phase: 'Running', restarts: 0, ...more });

test("the new pods in one line, with Kubernetes' own reasons", () => {
  assert.equal(newPodsText([pod('a', { waiting: 'CrashLoopBackOff' }), pod('b', { waiting: 'CrashLoopBackOff' }), pod('c', { waiting: 'CrashLoopBackOff' })], 3), '0 of 3 new pods ready: 3 not ready (CrashLoopBackOff)');
  assert.equal(newPodsText([pod('a'), pod('b'), pod('c')], 3), '0 of 3 new pods ready: 3 not ready (never became ready)');
  assert.equal(
    newPodsText([pod('a', { ready: true }), pod('b', { waiting: 'CrashLoopBackOff', restarts: 4 }), pod('c', { phase: 'Pending', reason: 'Unschedulable' })], 4),
    '1 of 4 new pods ready: 2 not ready (1 CrashLoopBackOff, 1 Unschedulable; 4 restarts), 1 not created',
  );
  assert.equal(newPodsText([pod('a', { terminated: 'OOMKilled', restarts: 1 })], 1), '0 of 1 new pod ready: 1 not ready (OOMKilled; 1 restart)');
  assert.equal(newPodsText([], 2), '0 of 2 new pods ready: 2 not created');
});

test('pod health: 0 within the limits, else the breach in words', () => {
  const pods = [pod('a', { ready: true, restarts: 1 }), pod('b', { ready: true, restarts: 2 }), pod('c', { waiting: 'CrashLoopBackOff' })];
  assert.equal(podHealth(pods, 3, { maxRestarts: 3 }), 0);
  assert.equal(podHealth(pods, 3, { maxRestarts: 2 }), '3 restarts (max 2)');
  assert.equal(podHealth(pods, 3, { minReadyRatio: 0.5 }), 0);
  assert.equal(podHealth(pods, 3, { maxRestarts: 0, minReadyRatio: 1 }), '3 restarts (max 0); 2 of 3 pods ready (min ratio 1)');
  assert.equal(podHealth([], 0, { minReadyRatio: 1 }), 0);
});
