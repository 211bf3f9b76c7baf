// How the kubernetes adapter sorts the API's answers: refusals no retry can fix (401, 403, a bad
// request, an untrusted server) are one line naming which; the rest (5xx, the server away) are
// retried. And a pod's state in the words Kubernetes gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiException, type V1Pod } from '@kubernetes/client-node';
import { KubeRefused, kubeconfigFiles, labelSelector, loadKubeConfig, podState, refusal, transientText } from '../../activities/kubernetes/client.js';

const api = (code: number, body: unknown) => new ApiException(code, 'Unknown API Status Code!', body, {});

test('401, 403 and 422 are refusals in one line; 5xx, 429 and a connection error are not', () => {
  assert.equal(refusal(api(401, undefined), 'get deployment/shop', 'eu')?.message, 'the API server of context eu refused the credentials (401 Unauthorized)');
  const forbidden = JSON.stringify({ kind: 'Status', message: 'deployments.apps "shop" is forbidden: User "x" cannot patch resource "deployments"' });
  assert.equal(refusal(api(403, forbidden), 'patch deployment/shop', 'eu')?.message, 'forbidden in context eu: deployments.apps "shop" is forbidden: User "x" cannot patch resource "deployments"');
  assert.equal(refusal(api(403, undefined), 'patch deployment/shop', 'eu')?.message, 'forbidden in context eu: patch deployment/shop (403)');
  assert.match(refusal(api(422, { message: 'spec.template.spec.containers[0].image: Required value' }), 'patch deployment/shop', 'eu')!.message, /^patch deployment\/shop refused in context eu: spec\.template/);
  for (const code of [500, 503, 429, 409]) assert.equal(refusal(api(code, 'x'), 'get', 'eu'), undefined, String(code));
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6443'), { code: 'ECONNREFUSED' });
  assert.equal(refusal(refused, 'get', 'eu'), undefined);
  assert.equal(transientText(refused), 'connect ECONNREFUSED 127.0.0.1:6443');
  assert.equal(transientText(api(503, { message: 'etcdserver: leader changed' })), 'HTTP 503: etcdserver: leader changed');
  const cert = Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  assert.match(refusal(cert, 'get', 'eu')!.message, /^cannot trust the API server of context eu/);
});

test('the kubeconfig is found as kubectl finds it, and its absence is one line', async () => {
  assert.deepEqual(kubeconfigFiles({ KUBECONFIG: '/a:/b::', HOME: '/h' }), ['/a', '/b']);
  assert.deepEqual(kubeconfigFiles({ HOME: '/h' }), ['/h/.kube/config']);
  await assert.rejects(loadKubeConfig({ HOME: '/nonexistent-home' }), (err: unknown) => err instanceof KubeRefused && err.message === 'no kubeconfig: KUBECONFIG is not set and /nonexistent-home/.kube/config does not exist');
  await assert.rejects(loadKubeConfig({ KUBECONFIG: '/no/such/file' }), /none of KUBECONFIG's files exists \(\/no\/such\/file\)/);
});

test('label selectors as the list API takes them', () => {
  assert.equal(labelSelector({ matchLabels: { app: 'shop', tier: 'web' } }), 'app=shop,tier=web');
  assert.equal(
    labelSelector({ matchExpressions: [{ key: 'env', operator: 'In', values: ['a', 'b'] }, { key: 'x', operator: 'Exists' }, { key: 'y', operator: 'DoesNotExist' }, { key: 'z', operator: 'NotIn', values: ['c'] }] }),
    'env in (a,b),x,!y,z notin (c)',
  );
  assert.equal(labelSelector(undefined), '');
});

test("a pod's state: ready, and otherwise Kubernetes' reason", () => {
  const pod = (status: V1Pod['status']): V1Pod => ({ metadata: { name: 'p' }, status });
  assert.deepEqual(podState(pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'web', ready: true, restartCount: 2, image: 'i', imageID: '' }] })), { name: 'p', ready: true, phase: 'Running', reason: undefined, restarts: 2 });
  const crash = podState(pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }], containerStatuses: [{ name: 'web', ready: false, restartCount: 5, image: 'i', imageID: '', state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { reason: 'Error', exitCode: 1 } } }] }));
  assert.equal(crash.waiting, 'CrashLoopBackOff');
  assert.equal(crash.restarts, 5);
  const pending = podState(pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] }));
  assert.deepEqual([pending.ready, pending.reason], [false, 'Unschedulable']);
});
