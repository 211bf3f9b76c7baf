// The shared HTTP client (activities/http): a server that never answers is cut off at the
// limit, the activity's cancellation ends a request at once, and which failures are retried.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CancelledFailure } from '@temporalio/common';
import { createHttpClient, send } from '../../activities/http/client.js';
import { isRetryableStatus } from '../../activities/http/failures.js';
import * as limits from '../../src/domain/limits.js';

async function silentServer() {
  const server = createServer(() => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

test('a silent server is cut off at the limit, under memory pressure, with a parent signal', async () => {
  const s = await silentServer();
  const churn = setInterval(() => new Array(1e6).fill(1), 20);
  try {
    const t0 = Date.now();
    const err = await send(createHttpClient('test', 300), { url: s.url, method: 'POST', body: 'x', signal: new AbortController().signal }).then(
      () => assert.fail('answered'),
      (e: Error) => e,
    );
    assert.equal(err.name, 'TimeoutError');
    assert.match(err.message, /no answer within 300 ms/);
    assert.ok(Date.now() - t0 < 2000, `cut off in ${Date.now() - t0} ms`);
  } finally {
    clearInterval(churn);
    s.close();
  }
});

test('the activity cancelling ends the request at once, with its CancelledFailure', async () => {
  const s = await silentServer();
  try {
    const parent = new AbortController();
    const reason = new CancelledFailure('CANCELLED');
    setTimeout(() => parent.abort(reason), 50);
    const t0 = Date.now();
    const err = await send(createHttpClient('test', 60_000), { url: s.url, signal: parent.signal }).catch((e: unknown) => e);
    assert.equal(err, reason);
    assert.ok(Date.now() - t0 < 1000);
  } finally {
    s.close();
  }
});

test('a status is an answer, not an error; a refused connection names its cause', async () => {
  const server = createServer((_req, res) => res.writeHead(503).end('busy'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const client = createHttpClient('test', 5_000);
  try {
    const res = await send(client, { url });
    assert.deepEqual([res.status, res.ok, res.text], [503, false, 'busy']);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
  // A fresh port nothing listens on (the closed server's keep-alive socket could linger).
  const closed = await silentServer();
  closed.close();
  const err = (await send(client, { url: closed.url }).catch((e: unknown) => e)) as Error;
  assert.equal(err.name, 'NetworkError');
  assert.match(err.message, /ECONNREFUSED/);
});

test('retryable: server trouble, throttling, timeouts, conflicts; not: other refusals', () => {
  for (const s of [500, 502, 503, 408, 409, 425, 429]) assert.equal(isRetryableStatus(s), true, String(s));
  for (const s of [400, 401, 403, 404, 422]) assert.equal(isRetryableStatus(s), false, String(s));
});

test('every request limit stays under the heartbeat timeout of the activity that waits on it', () => {
  assert.ok(limits.CHECK_REQUEST_TIMEOUT_MS < 0.8 * limits.WATCH_HEARTBEAT_TIMEOUT_MS);
  assert.ok(limits.DEPLOY_REQUEST_TIMEOUT_MS < 0.8 * limits.DEPLOY_HEARTBEAT_TIMEOUT_MS);
  assert.ok(limits.CURRENT_HEARTBEAT_EVERY_MS < limits.WATCH_HEARTBEAT_TIMEOUT_MS / 2);
  assert.ok(limits.MIGRATE_HEARTBEAT_EVERY_MS < limits.MIGRATE_HEARTBEAT_TIMEOUT_MS / 2);
});
