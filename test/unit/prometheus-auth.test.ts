import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { prometheusHeaders } from '../../activities/checks/prometheus.js';
import { Renderer } from '../../activities/templates.js';
import { checkSchema } from '../../src/domain/pipeline/schema.js';
import { FailureType } from '../../src/domain/failures.js';
import type { Target } from '../../activities/types.js';

const target: Target = { service: 'checkout', region: 'eu-west-1', version: '1.4.2', deployId: 'deploy-checkout/run1' };
const env = { PROM_USER: 'firebreak', PROM_PASSWORD: 'p@ss:word', PROM_TOKEN: 'tok-123456' };

test('basicAuth becomes Authorization: Basic base64(user:password), ${VAR}s read from the worker env', () => {
  const r = new Renderer(target, env);
  const headers = prometheusHeaders({ url: 'x', query: 'up', basicAuth: { username: '${PROM_USER}', password: '${PROM_PASSWORD}' } }, r);
  assert.deepEqual(headers, { Authorization: `Basic ${Buffer.from('firebreak:p@ss:word').toString('base64')}` });
  // What was read is remembered, so an error quoting it is redacted.
  assert.equal(r.redact('denied for p@ss:word'), 'denied for ${PROM_PASSWORD}');
});

test('headers are rendered: templates and ${VAR}', () => {
  const r = new Renderer(target, env);
  const headers = prometheusHeaders({ url: 'x', query: 'up', headers: { Authorization: 'Bearer ${PROM_TOKEN}', 'X-Scope-OrgID': '{{region}}' } }, r);
  assert.deepEqual(headers, { Authorization: 'Bearer tok-123456', 'X-Scope-OrgID': 'eu-west-1' });
  assert.deepEqual(prometheusHeaders({ url: 'x', query: 'up' }, r), {}, 'no auth: no headers');
});

test('an unset variable is a non-retryable MissingEnv naming it', () => {
  assert.throws(
    () => prometheusHeaders({ url: 'x', query: 'up', basicAuth: { username: 'u', password: '${PROM_PASSWORD}' } }, new Renderer(target, {})),
    (err: unknown) => err instanceof ApplicationFailure && err.type === FailureType.MissingEnv && err.message.includes('PROM_PASSWORD'),
  );
});

test('basicAuth with an Authorization header (any case) is refused with a clear message', () => {
  const r = checkSchema.safeParse({
    name: 'errors',
    max: 0.01,
    prometheus: { url: 'x', query: 'up', headers: { authorization: 'Bearer ${T}' }, basicAuth: { username: 'u', password: '${P}' } },
  });
  assert.equal(r.success, false);
  const issue = r.error!.issues[0];
  assert.deepEqual(issue.path, ['prometheus', 'basicAuth']);
  assert.match(issue.message, /basicAuth and an Authorization header both set the Authorization header/);
  assert.ok(checkSchema.safeParse({ name: 'e', max: 1, prometheus: { url: 'x', query: 'up', headers: { 'X-Org': '1' }, basicAuth: { username: 'u', password: 'p' } } }).success);
});
