import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { Renderer, fillTemplates, redact, render, resolveEnv } from '../../activities/templates.js';
import type { Target } from '../../activities/types.js';
import { FailureType } from '../../src/domain/failures.js';

const target: Target = { service: 'checkout', region: 'eu-west-1', version: '1.4.2', deployId: 'deploy-checkout/run1' };

test('fillTemplates fills every template name, with or without inner spaces', () => {
  assert.equal(
    fillTemplates('{{service}}:{{ region }}:{{version}}:{{deployId}}', target),
    'checkout:eu-west-1:1.4.2:deploy-checkout/run1',
  );
  assert.equal(fillTemplates('no templates, ${HOME} untouched', target), 'no templates, ${HOME} untouched');
});

test('resolveEnv reads ${VAR} from the given environment', () => {
  assert.equal(resolveEnv('Bearer ${TOKEN}', { TOKEN: 's3cret' }), 'Bearer s3cret');
  assert.equal(resolveEnv('$TOKEN and $(x) stay', { TOKEN: 'x' }), '$TOKEN and $(x) stay');
});

test('resolveEnv refuses an unset or empty variable: non-retryable MissingEnv naming it', () => {
  for (const env of [{}, { PROMETHEUS_URL: '' }]) {
    assert.throws(
      () => resolveEnv('${PROMETHEUS_URL}/api', env),
      (err: unknown) =>
        err instanceof ApplicationFailure &&
        err.type === FailureType.MissingEnv &&
        err.nonRetryable === true &&
        err.message.includes('PROMETHEUS_URL'),
    );
  }
});

test('render fills templates then env, and an env value is not re-expanded as a template', () => {
  assert.equal(render('https://{{region}}.${DOMAIN}/x', target, { DOMAIN: 'example.com' }), 'https://eu-west-1.example.com/x');
  assert.equal(render('${WEIRD}', target, { WEIRD: '{{region}}' }), '{{region}}');
});

test('Renderer renders records, argv and nested bodies', () => {
  const r = new Renderer(target, { TOKEN: 'tok-123456' });
  assert.deepEqual(r.record({ Authorization: 'Bearer ${TOKEN}', 'X-Region': '{{region}}' }), {
    Authorization: 'Bearer tok-123456',
    'X-Region': 'eu-west-1',
  });
  assert.deepEqual(r.argv(['helm', '--set', 'image.tag={{version}}']), ['helm', '--set', 'image.tag=1.4.2']);
  assert.deepEqual(r.deep({ v: '{{version}}', n: 3, list: ['{{region}}', true], nested: { t: '${TOKEN}' } }), {
    v: '1.4.2',
    n: 3,
    list: ['eu-west-1', true],
    nested: { t: 'tok-123456' },
  });
});

test('Renderer.redact puts ${VAR} back in place of every value it resolved', () => {
  const r = new Renderer(target, { TOKEN: 'tok-123456', URL: 'https://prom.internal:9090' });
  r.render('${URL}?auth=${TOKEN}');
  assert.equal(
    r.redact('GET https://prom.internal:9090?auth=tok-123456 failed; token tok-123456'),
    'GET ${URL}?auth=${TOKEN} failed; token ${TOKEN}',
  );
});

test('redact: longest value first, short values left alone', () => {
  const secrets = new Map([
    ['abcd', 'SHORTER'],
    ['abcdefgh', 'LONGER'],
    ['on', 'TINY'],
  ]);
  assert.equal(redact('x abcdefgh y abcd z on', secrets), 'x ${LONGER} y ${SHORTER} z on');
});

test('Renderer.redactError keeps type and retryability, drops the cause', () => {
  const r = new Renderer(target, { TOKEN: 'tok-123456' });
  r.render('${TOKEN}');
  const failure = ApplicationFailure.nonRetryable('bad token tok-123456', FailureType.DeployFailed);
  const out = r.redactError(failure);
  assert.ok(out instanceof ApplicationFailure);
  assert.equal(out.message, 'bad token ${TOKEN}');
  assert.equal(out.type, FailureType.DeployFailed);
  assert.equal(out.nonRetryable, true);
  assert.ok(!out.stack?.includes('tok-123456'));

  const plain = new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED tok-123456') });
  const converted = r.redactError(plain);
  assert.ok(converted instanceof ApplicationFailure);
  assert.equal(converted.message, 'fetch failed: connect ECONNREFUSED ${TOKEN}');
  assert.equal(converted.cause, undefined);
});
