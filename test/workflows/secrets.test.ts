// Secrets never enter workflow history: `${DEPLOY_TOKEN}` in a header is resolved by the
// activity on the worker. The simulator demands the token, so a deploy that succeeds proves
// it was sent; the history (what the Web UI shows) must not contain it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { testPlan } from '../../src/local/pipelines.js';
import { activityEnv, historyOf, phaseIs, regionState, start, waitFor, withWorker, settle } from '../helpers/deploys.js';
import { abortUpdate, statusQuery } from '../../workflows/messages.js';

const TOKEN = 'tok-7f3a9c1e-very-secret';
let stack: TestStack;
before(async () => {
  stack = await startTestStack({ simulator: { token: TOKEN } });
});
after(async () => stack?.stop());

const plan = (service: string) =>
  testPlan({ service, regions: [['small', 10], ['large', 1000]], soak: '2s', headers: { Authorization: 'Bearer ${DEPLOY_TOKEN}' } }, '2.0.0');

test('a ${DEPLOY_TOKEN} header is resolved on the worker and never appears in history', async () => {
  await withWorker(
    stack,
    async () => {
      const handle = await start(stack, plan('secret-ok'), { previous: '1.0.0' });
      const done = await settle(handle);
      assert.equal(done.phase, 'succeeded', 'the simulator accepted the token');
      const { json } = await historyOf(handle);
      assert.ok(json.includes('${DEPLOY_TOKEN}'), 'the reference itself is in the input');
      assert.ok(!json.includes(TOKEN), 'the token value is not in history');
      assert.ok(!JSON.stringify(done).includes(TOKEN));
    },
    activityEnv(stack, { DEPLOY_TOKEN: TOKEN }),
  );
});

test('a wrong token fails the region with a message that does not echo the secret', async () => {
  const wrong = 'tok-wrong-but-still-secret';
  await withWorker(
    stack,
    async () => {
      const handle = await start(stack, plan('secret-bad'), { previous: '1.0.0' });
      const s = await waitFor(handle, phaseIs('paused'), 'the 401 to fail the region');
      assert.equal(regionState(s, 'small'), 'failed');
      assert.match(s.stages[0].regions[0].error!, /401/);
      await handle.executeUpdate(abortUpdate, { args: [{ by: 'test' }] });
      const { json } = await historyOf(handle);
      assert.ok(!json.includes(wrong), 'the failing token is not in history either');
      assert.ok(!JSON.stringify(await handle.query(statusQuery)).includes(wrong));
    },
    activityEnv(stack, { DEPLOY_TOKEN: wrong }),
  );
});
