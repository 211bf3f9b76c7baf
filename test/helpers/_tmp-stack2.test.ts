import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestStack } from './stack.js';
test('stack with prometheus', async () => {
  const t = Date.now();
  const s = await startTestStack({ prometheus: true });
  console.log('up', Date.now() - t, s.prometheus?.url);
  assert.equal((await fetch(`${s.prometheus!.url}/-/ready`)).status, 200);
  await s.stop(); await s.stop();
});
test('stack with missing sim', async () => {
  await assert.rejects(startTestStack({ simulator: true }), (e: Error) => { console.log('ERR', e.message.split('\n')[0]); return true; });
});
