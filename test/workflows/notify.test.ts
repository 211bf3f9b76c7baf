// Notifications from a real deploy to real local HTTP receivers: the subscribed events arrive
// with the facts an on-call person needs, and a receiver that hangs or fails never delays
// promotion nor fails the deploy.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { testPlan } from '../../src/local/pipelines.js';
import { activityEnv, phaseIs, regionState, seedVersion, settle, simFault, start, waitFor, withWorker } from '../helpers/deploys.js';
import { abortUpdate, approveUpdate } from '../../workflows/messages.js';
import { recordHistory } from '../helpers/histories.js';

interface Received {
  at: number;
  body: { text: string; firebreak: { event: string; region?: string; owner: string; reason: string; command: string } };
}

let stack: TestStack;
const received: Received[] = [];
const servers: Server[] = [];
let good = '';
let hanging = '';
let failing = '';

async function receiver(handle: (body: string, res: import('node:http').ServerResponse) => void): Promise<string> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => handle(body, res));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
}

before(async () => {
  stack = await startTestStack({ simulator: true });
  good = await receiver((body, res) => {
    received.push({ at: Date.now(), body: JSON.parse(body) });
    res.end('ok');
  });
  hanging = await receiver(() => undefined); // never answers
  failing = await receiver((_b, res) => {
    res.statusCode = 500;
    res.end('down');
  });
});
after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
  await stack?.stop();
});

const NOTIFY = () => `notify:
  - { webhook: "\${GOOD_HOOK}", on: [paused, rolled_back, awaiting_approval, succeeded, aborted] }
  - { webhook: "${hanging}", on: [awaiting_approval, succeeded, paused] }
  - { webhook: "${failing}", on: [awaiting_approval, succeeded] }
`;

test('a manual gate and success are announced; hanging and failing receivers delay nothing', async () => {
  await withWorker(
    stack,
    async () => {
      const handle = await start(stack, testPlan({ service: 'ntf-ok', regions: [['small', 10]], soak: '2s', approval: 'manual', extra: NOTIFY() }, '2.0.0'), { previous: '1.0.0' });
      await waitFor(handle, (s) => regionState(s, 'small') === 'awaiting_approval', 'the manual gate');
      await waitFor(handle, () => received.some((r) => r.body.firebreak.event === 'awaiting_approval'), 'the notification');
      const approval = received.find((r) => r.body.firebreak.event === 'awaiting_approval')!;
      assert.equal(approval.body.firebreak.region, 'small');
      assert.equal(approval.body.firebreak.owner, 'test-team');
      assert.equal(approval.body.firebreak.command, 'firebreak approve ntf-ok --region small');
      assert.match(approval.body.text, /ntf-ok/);

      const approvedAt = Date.now();
      await handle.executeUpdate(approveUpdate, { args: [{ region: 'small', by: 'ana' }] });
      const done = await settle(handle);
      assert.equal(done.phase, 'succeeded', 'a hanging and a failing webhook never fail the deploy');
      const promoted = Date.parse(done.events.find((e) => e.kind === 'promoted')!.at);
      // Held up by the hanging receiver, promotion would wait for its 3 attempts of 5 s each.
      assert.ok(promoted - approvedAt < 10_000, `promotion not held up by the hanging receiver: ${promoted - approvedAt} ms`);
      assert.ok(received.some((r) => r.body.firebreak.event === 'succeeded'));
      const failures = done.events.filter((e) => e.kind === 'notify_failed').map((e) => e.message);
      assert.ok(failures.some((m) => /HTTP 500|500/.test(m)), `the failing receiver is in the audit trail: ${failures.join(' | ')}`);

      // One activity per webhook, retried by Temporal: each subscribed webhook is its own
      // notifyWebhook activity, and the failing and hanging ones used all 3 attempts.
      assert.ok(failures.some((m) => /"succeeded" to webhook 3 of 3 failed after 3 attempts: .*HTTP 500/.test(m)), failures.join(' | '));
      assert.ok(failures.some((m) => /"succeeded" to webhook 2 of 3 failed after 3 attempts: .*no answer within 5000 ms/.test(m)), failures.join(' | '));
      const events = (await handle.fetchHistory()).events ?? [];
      const scheduled = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'notifyWebhook');
      assert.equal(scheduled.length, 6, 'awaiting_approval and succeeded, 3 webhooks each');
      assert.equal(events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'notify').length, 0, 'no all-in-one notify activity');
      const lastAttempts = events.map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 0);
      assert.ok(lastAttempts.filter((a) => a === 3).length >= 2, 'the failing webhooks reached their 3rd Temporal attempt');
      assert.doesNotMatch(JSON.stringify(events), new RegExp(new URL(good).port + '/hook'), 'the ${GOOD_HOOK} URL never enters history');
      await recordHistory(stack.address, handle, 'v3-notify-per-webhook');
    },
    activityEnv(stack, { GOOD_HOOK: good }),
  );
});

test('a failed region announces rolled_back and paused, with the command to resume', async () => {
  await withWorker(
    stack,
    async () => {
      await seedVersion(stack, 'ntf-bad', ['small', 'large'], '1.0.0');
      await simFault(stack, { service: 'ntf-bad', region: 'small', version: '2.0.0', errorRate: 0.5 });
      const handle = await start(stack, testPlan({ service: 'ntf-bad', regions: [['small', 10], ['large', 1000]], soak: '3s', extra: NOTIFY() }, '2.0.0'));
      await waitFor(handle, phaseIs('paused'), 'the failure');
      await waitFor(handle, () => received.filter((r) => r.body.firebreak.region === 'small' && ['rolled_back', 'paused'].includes(r.body.firebreak.event)).length >= 2, 'both notifications');
      const mine = received.filter((r) => r.body.firebreak.command.includes('ntf-bad'));
      // Both are sent at once, each as its own activity: their arrival order is not fixed.
      const byEvent = new Map(mine.map((r) => [r.body.firebreak.event, r.body.firebreak]));
      assert.deepEqual([...byEvent.keys()].sort(), ['paused', 'rolled_back']);
      assert.match(byEvent.get('rolled_back')!.reason, /error-rate = 0\.5 breached/);
      assert.equal(byEvent.get('paused')!.command, 'firebreak retry ntf-bad --region small  (or abort)');
      const ended = await handle.executeUpdate(abortUpdate, { args: [{ reason: 'bad build', by: 'ana' }] });
      assert.equal(ended.phase, 'aborted');
      await waitFor(handle, () => received.some((r) => r.body.firebreak.event === 'aborted' && r.body.firebreak.reason === 'bad build'), 'the aborted notification');
    },
    activityEnv(stack, { GOOD_HOOK: good }),
  );
});
