// timeLimit: a request to a server that never answers is cut off at its limit, also when the
// limit is combined with the activity's cancellation signal (where AbortSignal.any with
// AbortSignal.timeout can be collected on Node 20 and never fire).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timeLimit } from '../../activities/abort.js';

test('a silent server is cut off at the limit, under memory pressure, with a parent signal', async () => {
  const server = createServer(() => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const churn = setInterval(() => new Array(1e6).fill(1), 20);
  try {
    const parent = new AbortController();
    const err = await fetch(url, { method: 'POST', body: 'x', signal: timeLimit(300, parent.signal) }).then(
      () => assert.fail('answered'),
      (e: Error) => e,
    );
    assert.equal(err.name, 'TimeoutError');
    assert.match(err.message, /no answer within 300 ms/);
  } finally {
    clearInterval(churn);
    server.closeAllConnections();
    server.close();
  }
});

test('the parent cancelling aborts at once, with its reason', () => {
  const parent = new AbortController();
  const signal = timeLimit(60_000, parent.signal);
  parent.abort(new Error('activity cancelled'));
  assert.equal(signal.aborted, true);
  assert.equal((signal.reason as Error).message, 'activity cancelled');
});

test('a pending limit does not keep the process alive (a stopping worker or `firebreak dev` exits at once)', () => {
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const before = timers();
  const signal = timeLimit(30_000);
  assert.equal(timers(), before, 'the limit timer is unref()ed');
  assert.equal(signal.aborted, false, 'and still armed');
});
