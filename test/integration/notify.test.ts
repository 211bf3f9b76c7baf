// Notifications against a real local HTTP receiver: only subscribed webhooks are called, the
// body carries what an on-call person needs (owner, region, reason, the command), a failing
// receiver is retried at most 3 times and reported, a hanging one is cut off by the timeout,
// and a webhook's secret never appears in the result.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { createNotifyActivities, type NotifyInput, type NotifyWebhookInput } from '../../activities/notify.js';
import { FailureType } from '../../src/domain/failures.js';
import { startWebhookReceivers, type WebhookReceivers } from '../helpers/webhooks.js';

let receivers: WebhookReceivers;
let base: string;
let received: WebhookReceivers['received'];
let hits: WebhookReceivers['hits'];
before(async () => {
  receivers = await startWebhookReceivers();
  ({ base, received, hits } = receivers);
});
after(async () => receivers?.close());

const input = (over: Partial<NotifyInput>): NotifyInput => ({
  webhooks: [],
  event: 'paused',
  service: 'checkout',
  version: '1.4.2',
  owner: 'payments-team',
  runbook: 'https://wiki.example.com/checkout/deploys',
  region: 'eu-west-1',
  reason: 'error-rate = 0.04 breached <= 0.01 2 times in a row in eu-west-1',
  command: 'firebreak retry checkout --region eu-west-1',
  workflowId: 'deploy-checkout',
  ...over,
});

test('only webhooks subscribed to the event are called, with the facts an on-call person needs', async () => {
  const secret = 'T0001/B0002/s3cr3t-token';
  const notify = createNotifyActivities({ env: { SLACK_HOOK: `${base}/slack/${secret}` } }).notify;
  const result = await notify(
    input({
      webhooks: [
        { webhook: '${SLACK_HOOK}', on: ['paused', 'rolled_back'] },
        { webhook: `${base}/succeeded-only`, on: ['succeeded'] },
        { webhook: `${base}/everything`, on: ['paused', 'rolled_back', 'awaiting_approval', 'succeeded', 'aborted'] },
      ],
    }),
  );
  assert.deepEqual(result, { delivered: 2, failed: [] });
  assert.deepEqual(received.map((r) => r.path).sort(), ['/everything', `/slack/${secret}`]);
  assert.equal(hits.get('/succeeded-only'), undefined, 'not subscribed to paused');

  const msg = received.find((r) => r.path === '/everything')!;
  assert.equal(msg.contentType, 'application/json');
  assert.deepEqual(msg.body.firebreak, {
    event: 'paused',
    service: 'checkout',
    version: '1.4.2',
    owner: 'payments-team',
    runbook: 'https://wiki.example.com/checkout/deploys',
    region: 'eu-west-1',
    reason: 'error-rate = 0.04 breached <= 0.01 2 times in a row in eu-west-1',
    command: 'firebreak retry checkout --region eu-west-1',
    workflowId: 'deploy-checkout',
  });
  // Slack-compatible: a text fallback and a section block, both naming owner, region, reason, command.
  const section = msg.body.blocks[0] as { type: string; text: { type: string; text: string } };
  for (const text of [msg.body.text, section.text.text]) {
    assert.match(text, /checkout 1\.4\.2 paused in eu-west-1/);
    assert.match(text, /payments-team/);
    assert.match(text, /error-rate = 0\.04 breached (<|&lt;)= 0\.01/);
    assert.match(text, /firebreak retry checkout --region eu-west-1/);
  }
  assert.equal(section.type, 'section');
  assert.equal(section.text.type, 'mrkdwn');

  received.length = 0;
  const done = await notify(input({ event: 'succeeded', region: undefined, reason: 'promoted in all 3 regions', command: '', webhooks: [{ webhook: `${base}/succeeded-only`, on: ['succeeded'] }] }));
  assert.deepEqual(done, { delivered: 1, failed: [] });
  assert.equal(received[0].body.firebreak.event, 'succeeded');
  assert.equal(received[0].body.firebreak.region, undefined);
  assert.match(received[0].body.text, /^checkout 1\.4\.2 succeeded: promoted in all 3 regions/);
});

test('a receiver answering 500 is tried 3 times, then reported; the secret never appears in the result', async () => {
  const secret = 'xoxb-very-secret-path-token';
  const notify = createNotifyActivities({ env: { HOOK: `${base}/fail/${secret}?token=${secret}` }, backoffMs: 50 }).notify;
  const t0 = Date.now();
  const result = await notify(input({ webhooks: [{ webhook: '${HOOK}', on: ['paused'] }, { webhook: `${base}/ok`, on: ['paused'] }] }));
  assert.equal(hits.get(`/fail/${secret}?token=${secret}`), 3, 'at most 3 attempts');
  assert.equal(result.delivered, 1, 'the other webhook is delivered regardless');
  assert.equal(result.failed.length, 1);
  assert.equal(result.failed[0].attempts, 3);
  assert.match(result.failed[0].error, /HTTP 500/);
  assert.equal(result.failed[0].webhook, `${new URL(base).origin}/… (\${HOOK})`);
  assert.doesNotMatch(JSON.stringify(result), new RegExp(secret), 'no secret in the result');
  assert.ok(Date.now() - t0 < 2000, 'short backoff');
});

test('a 4xx is not retried (it will not get better); a literal URL is redacted to its origin', async () => {
  const notify = createNotifyActivities({ backoffMs: 10 }).notify;
  const result = await notify(input({ webhooks: [{ webhook: `${base}/forbidden/abc123secret`, on: ['paused'] }] }));
  assert.equal(hits.get('/forbidden/abc123secret'), 1);
  assert.equal(result.delivered, 0);
  assert.match(result.failed[0].error, /HTTP 403/);
  assert.doesNotMatch(JSON.stringify(result), /abc123secret/);
});

test('a receiver that hangs is cut off by the timeout: 3 attempts, bounded in time, never thrown', async () => {
  const notify = createNotifyActivities({ timeoutMs: 300, backoffMs: 20 }).notify;
  const t0 = Date.now();
  const result = await notify(input({ event: 'rolled_back', webhooks: [{ webhook: `${base}/hang/s3cret`, on: ['rolled_back'] }] }));
  const took = Date.now() - t0;
  assert.equal(result.delivered, 0);
  assert.equal(result.failed.length, 1);
  assert.match(result.failed[0].error, /no answer within 300 ms/);
  assert.equal(hits.get('/hang/s3cret'), 3);
  assert.ok(took >= 900 && took < 2500, `3 attempts of 300 ms plus backoff, took ${took} ms`);
  assert.doesNotMatch(JSON.stringify(result), /s3cret/);
});

test('the default timeout is 5 s per POST', async () => {
  const notify = createNotifyActivities({ attempts: 1 }).notify;
  const t0 = Date.now();
  const result = await notify(input({ webhooks: [{ webhook: `${base}/hang/default`, on: ['paused'] }] }));
  const took = Date.now() - t0;
  assert.match(result.failed[0].error, /no answer within 5000 ms/);
  assert.ok(took >= 4900 && took < 6500, `took ${took} ms`);
});

test('an unset variable or a refused connection is reported, not thrown', async () => {
  const notify = createNotifyActivities({ env: {}, backoffMs: 10 }).notify;
  const result = await notify(
    input({
      webhooks: [
        { webhook: '${MISSING_HOOK}', on: ['paused'] },
        { webhook: 'http://127.0.0.1:1/hook/secret-part', on: ['paused'] },
      ],
    }),
  );
  assert.equal(result.delivered, 0);
  assert.equal(result.failed.length, 2);
  assert.match(result.failed[0].error, /MISSING_HOOK is not set on the worker/);
  assert.equal(result.failed[0].webhook, '${MISSING_HOOK}');
  assert.match(result.failed[1].error, /ECONNREFUSED|fetch failed/);
  assert.equal(result.failed[1].attempts, 3);
  assert.doesNotMatch(JSON.stringify(result), /secret-part/);
});

// notifyWebhook: one POST per call; the workflow's retry policy does the retrying. What it
// throws decides that: retryable for trouble that may pass, non-retryable for a refusal.
const one = (webhook: string): NotifyWebhookInput => {
  const { webhooks: _unused, ...facts } = input({});
  return { ...facts, webhook };
};
const failure = (type: string, nonRetryable: boolean, pattern: RegExp, secret?: string) => (err: unknown) => {
  assert.ok(err instanceof ApplicationFailure, `an ApplicationFailure, got ${String(err)}`);
  assert.equal(err.type, type);
  assert.equal(err.nonRetryable, nonRetryable);
  assert.match(err.message, pattern);
  if (secret) assert.doesNotMatch(err.message, new RegExp(secret), 'no secret in the failure (it goes to history)');
  return true;
};

test('notifyWebhook: one POST; delivered resolves to the redacted webhook', async () => {
  const secret = 'per-webhook-s3cret';
  const { notifyWebhook } = createNotifyActivities({ env: { HOOK: `${base}/ok/${secret}` } });
  const before = hits.get(`/ok/${secret}`) ?? 0;
  assert.deepEqual(await notifyWebhook(one('${HOOK}')), { webhook: `${new URL(base).origin}/… (\${HOOK})` });
  assert.equal(hits.get(`/ok/${secret}`), before + 1, 'exactly one POST');
  const msg = received.filter((r) => r.path === `/ok/${secret}`).at(-1)!;
  assert.equal(msg.body.firebreak.command, 'firebreak retry checkout --region eu-west-1');
});

test('notifyWebhook: a 500 or no answer is a retryable NotifyFailed after one POST; the secret stays out', async () => {
  const secret = 'xoxb-per-webhook-secret';
  const { notifyWebhook } = createNotifyActivities({ env: { HOOK: `${base}/fail/${secret}` }, timeoutMs: 300 });
  await assert.rejects(notifyWebhook(one('${HOOK}')), failure(FailureType.NotifyFailed, false, /HTTP 500/, secret));
  assert.equal(hits.get(`/fail/${secret}`), 1, 'one POST per attempt: Temporal retries, not the activity');
  await assert.rejects(notifyWebhook(one(`${base}/hang/${secret}`)), failure(FailureType.NotifyFailed, false, /no answer within 300 ms/, secret));
  await assert.rejects(notifyWebhook(one('http://127.0.0.1:1/hook/secret-part')), failure(FailureType.NotifyFailed, false, /ECONNREFUSED/, 'secret-part'));
});

test('notifyWebhook: a 403, a bad URL or an unset variable is refused for good (not retried)', async () => {
  const { notifyWebhook } = createNotifyActivities({ env: { NOT_A_URL: 'hooks.example.com/no-scheme' } });
  await assert.rejects(notifyWebhook(one(`${base}/forbidden/abc123secret`)), failure(FailureType.NotifyRefused, true, /HTTP 403/, 'abc123secret'));
  await assert.rejects(notifyWebhook(one('${NOT_A_URL}')), failure(FailureType.NotifyRefused, true, /not a valid URL/, 'no-scheme'));
  await assert.rejects(notifyWebhook(one('${MISSING_HOOK}')), failure(FailureType.MissingEnv, true, /MISSING_HOOK is not set on the worker/));
});
