// Prometheus checks against a real Prometheus that requires basic auth (--web.config.file with a
// bcrypt-hashed user, as an operator would configure it). The credentials are ${VAR}s read by
// the worker: the right ones promote the region, wrong ones leave its soak inconclusive (no
// rollback), and the password never reaches the workflow's history.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import bcrypt from 'bcryptjs';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { startPrometheus, type PrometheusServer } from '../../src/local/prometheus.js';
import { testPlan } from '../../src/local/pipelines.js';
import { activityEnv, historyOf, phaseIs, regionState, seedVersion, settle, simRegion, start, waitFor, withWorker } from '../helpers/deploys.js';
import { abortUpdate } from '../../workflows/messages.js';

const USER = 'firebreak';
const PASSWORD = 'kite-orchard-5519-lantern';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

let stack: TestStack;
let prometheus: PrometheusServer;
before(async () => {
  stack = await startTestStack({ simulator: true });
  prometheus = await startPrometheus({
    targets: [`127.0.0.1:${stack.sim!.port}`],
    webConfig: `basic_auth_users:\n  ${USER}: ${JSON.stringify(bcrypt.hashSync(PASSWORD, 10))}\n`,
    probeHeaders: { Authorization: basic(USER, PASSWORD) },
  });
});
after(async () => {
  await prometheus?.stop();
  await stack?.stop();
});

const REGIONS: [string, number][] = [
  ['small', 2000],
  ['large', 90000],
];
const workerEnv = (password: string) => activityEnv(stack, { PROMETHEUS_URL: prometheus.url, PROM_USER: USER, PROM_PASSWORD: password });

test('the Prometheus really refuses a query without credentials', async () => {
  const res = await fetch(`${prometheus.url}/api/v1/query?query=up`);
  assert.equal(res.status, 401);
  const ok = await fetch(`${prometheus.url}/api/v1/query?query=up`, { headers: { Authorization: basic(USER, PASSWORD) } });
  assert.equal(ok.status, 200);
});

test('right credentials from the worker: the check reads the error rate and every region is promoted; the password is not in history', async () => {
  await withWorker(
    stack,
    async () => {
      await seedVersion(stack, 'auth-good', ['small', 'large'], '1.0.0');
      const handle = await start(stack, testPlan({ service: 'auth-good', regions: REGIONS, soak: '6s', interval: '1s', checks: 'prometheus-basic-auth' }, '1.1.0'));
      const done = await settle(handle);
      assert.equal(done.phase, 'succeeded', done.pausedReason);
      assert.equal(regionState(done, 'small'), 'promoted');
      assert.equal(regionState(done, 'large'), 'promoted');
      const check = done.stages[0].regions[0].checks[0];
      assert.ok(check.samples >= 3, `samples read through basic auth: ${check.samples}`);
      assert.ok(typeof check.value === 'number' && check.value <= 0.05, `error rate: ${check.value}`);

      const { json } = await historyOf(handle);
      assert.ok(json.includes('${PROM_PASSWORD}'), 'the pipeline in history keeps the reference');
      assert.ok(!json.includes(PASSWORD), 'the password is not in history');
      assert.ok(!json.includes(Buffer.from(`${USER}:${PASSWORD}`).toString('base64')), 'nor the Authorization header');
    },
    workerEnv(PASSWORD),
  );
});

test('wrong credentials: the soak ends inconclusive naming the 401, the region waits for a person and nothing is rolled back', async () => {
  const wrong = 'wrong-password-7781';
  await withWorker(
    stack,
    async () => {
      await seedVersion(stack, 'auth-bad', ['small', 'large'], '1.0.0');
      const handle = await start(stack, testPlan({ service: 'auth-bad', regions: REGIONS, soak: '3s', interval: '1s', checks: 'prometheus-basic-auth' }, '2.0.0'));
      const s = await waitFor(handle, phaseIs('paused'), 'the inconclusive soak to pause the deploy');
      assert.equal(regionState(s, 'small'), 'awaiting_approval');
      assert.equal(regionState(s, 'large'), 'pending');
      assert.equal(s.stages[0].gate.state, 'inconclusive');
      assert.equal(s.stages[0].regions[0].checks[0].samples, 0, 'a refused query is never a sample');
      assert.match(s.pausedReason!, /small: checks inconclusive.*error-rate has 0 of 3 samples \(last: Prometheus at \S+ answered 401 Unauthorized/);
      assert.equal((await simRegion(stack, 'auth-bad', 'small')).version, '2.0.0', 'inconclusive: no rollback');
      assert.equal(s.events.filter((e) => e.kind === 'rollback_started').length, 0);

      const { json } = await historyOf(handle);
      assert.ok(!json.includes(wrong), 'the (wrong) password is not in history either');
      await handle.executeUpdate(abortUpdate, { args: [{ reason: 'test over', by: 'test' }] });
    },
    workerEnv(wrong),
  );
});
