// The region simulator, exercised over real HTTP on a free port: what the demo and every
// integration test rely on (docs/simulator.md). Rollouts take 0.2s so waits stay short; timing bounds
// are generous so a slow machine does not fail them.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator, type SimulatorOptions } from '../../src/local/sim/server.js';

interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function sim(t: TestContext, opts: SimulatorOptions = {}) {
  const s = await startSimulator({ port: 0, deploySeconds: 0.2, ...opts });
  t.after(() => s.close());
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
    const res = await fetch(s.url + path, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text };
  };
  const deploy = (service: string, region: string, version: string, deployId = 'd1', headers: Record<string, string> = {}) =>
    call('POST', `/services/${encodeURIComponent(service)}/regions/${encodeURIComponent(region)}/deployments`, { version, deployId }, headers);
  const region = (service: string, region: string) => call('GET', `/services/${encodeURIComponent(service)}/regions/${encodeURIComponent(region)}`);
  const untilState = async (service: string, r: string, state: string) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const reply = await region(service, r);
      if (reply.body.state === state) return reply.body;
      if (Date.now() > deadline) assert.fail(`${service}/${r} never reached ${state}: ${JSON.stringify(reply.body)}`);
      await sleep(25);
    }
  };
  const metrics = async () => parseMetrics((await call('GET', '/metrics')).body as string);
  return { ...s, call, deploy, region, untilState, metrics };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A strict-enough exposition parser: every sample belongs to a declared TYPE, labels unescape. */
function parseMetrics(text: string): Sample[] {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  assert.ok(text.endsWith('\n'), 'exposition ends with a newline');
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line);
    if (meta) {
      if (meta[1] === 'TYPE') types.set(meta[2], meta[3]);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*)\} (\S+)$/.exec(line);
    assert.ok(m, `not a valid sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of m[2].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1]] = l[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    const value = Number(m[3]);
    assert.ok(Number.isFinite(value), `bad value in ${line}`);
    const family = m[1].replace(/_(bucket|sum|count)$/, '');
    assert.ok(types.has(m[1]) || types.get(family) === 'histogram', `sample ${m[1]} has no TYPE line`);
    samples.push({ name: m[1], labels, value });
  }
  return samples;
}

function value(samples: Sample[], name: string, labels: Record<string, string>): number {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  assert.equal(found.length, 1, `exactly one ${name} ${JSON.stringify(labels)}`);
  return found[0].value;
}

test('healthz answers', async (t) => {
  const s = await sim(t);
  assert.deepEqual((await s.call('GET', '/healthz')).body, { ok: true });
});

test('a region is 404 before its first deploy, then rolls to ready, remembering the version before', async (t) => {
  const s = await sim(t);
  const before = await s.region('checkout', 'eu-west-1');
  assert.equal(before.status, 404);
  assert.match(before.body.error, /no deploy/);

  const first = await s.deploy('checkout', 'eu-west-1', '1.0.0', 'd1');
  assert.equal(first.status, 202);
  assert.deepEqual(first.body, { accepted: true, duplicate: false });
  const rolling = (await s.region('checkout', 'eu-west-1')).body;
  assert.equal(rolling.state, 'rolling');
  assert.equal(rolling.version, null);
  assert.equal(rolling.errorRate, null, 'nothing served before the first rollout completes');
  const ready = await s.untilState('checkout', 'eu-west-1', 'ready');
  assert.equal(ready.version, '1.0.0');
  assert.equal(ready.previousVersion, null);
  assert.equal(ready.errorRate, 0.001);

  await s.deploy('checkout', 'eu-west-1', '1.1.0', 'd2');
  const rolling2 = (await s.region('checkout', 'eu-west-1')).body;
  assert.equal(rolling2.state, 'rolling');
  assert.equal(rolling2.version, '1.0.0', 'the old version serves until the rollout completes');
  assert.equal(rolling2.targetVersion, '1.1.0');
  const ready2 = await s.untilState('checkout', 'eu-west-1', 'ready');
  assert.equal(ready2.version, '1.1.0');
  assert.equal(ready2.previousVersion, '1.0.0');
});

test('deploys are idempotent per (deployId, region, version) or per Idempotency-Key', async (t) => {
  const s = await sim(t);
  assert.equal((await s.deploy('checkout', 'r1', '2.0.0', 'd1')).body.duplicate, false);
  const again = await s.deploy('checkout', 'r1', '2.0.0', 'd1');
  assert.equal(again.status, 202);
  assert.deepEqual(again.body, { accepted: true, duplicate: true });
  // Same deployId elsewhere is a different deploy.
  assert.equal((await s.deploy('checkout', 'r2', '2.0.0', 'd1')).body.duplicate, false);

  const k1 = { 'Idempotency-Key': 'wf/run/r3/2.0.0/deploy' };
  assert.equal((await s.deploy('checkout', 'r3', '2.0.0', 'd1', k1)).body.duplicate, false);
  assert.equal((await s.deploy('checkout', 'r3', '2.0.0', 'd1', k1)).body.duplicate, true);
  const k2 = { 'Idempotency-Key': 'wf/run2/r3/2.0.0/deploy' };
  assert.equal((await s.deploy('checkout', 'r3', '2.0.0', 'd1', k2)).body.duplicate, false);
  // A key reused for another version is a caller bug, surfaced rather than silently ignored.
  const reused = await s.deploy('checkout', 'r3', '3.0.0', 'd1', k1);
  assert.equal(reused.status, 422);
  assert.match(reused.body.error, /Idempotency-Key/);

  const log = (await s.call('GET', '/deployments')).body;
  assert.ok(Array.isArray(log));
  assert.deepEqual(
    log.map((e: { region: string; version: string; deployId: string; service: string }) => [e.service, e.region, e.version, e.deployId]),
    [
      ['checkout', 'r1', '2.0.0', 'd1'],
      ['checkout', 'r2', '2.0.0', 'd1'],
      ['checkout', 'r3', '2.0.0', 'd1'],
      ['checkout', 'r3', '2.0.0', 'd1'],
    ],
  );
  for (const e of log) assert.ok(!Number.isNaN(Date.parse(e.at)), 'at is a timestamp');
  const withDuplicates = (await s.call('GET', '/deployments?duplicates=1')).body;
  assert.equal(withDuplicates.duplicates, 2);
  assert.equal(withDuplicates.deployments.length, 4);
});

test('metrics: valid exposition, counters grow with time, a -bad version serves 25% errors', async (t) => {
  const s = await sim(t, { customers: { big: 100_000 } });
  await s.deploy('checkout', 'big', '1.0.0');
  await s.deploy('checkout', 'small', '1.0.0-bad');
  await s.untilState('checkout', 'big', 'ready');
  await s.untilState('checkout', 'small', 'ready');

  const m1 = await s.metrics();
  await sleep(300);
  const m2 = await s.metrics();
  const ok = (m: Sample[], region: string) => value(m, 'http_requests_total', { service: 'checkout', region, code: '200' });
  const err = (m: Sample[], region: string) => value(m, 'http_requests_total', { service: 'checkout', region, code: '500' });

  assert.ok(ok(m2, 'big') > ok(m1, 'big'), 'counters grow over time');
  assert.ok(ok(m2, 'small') > ok(m1, 'small'));
  // 100000 customers serve 1000 req/s, 1000 customers 10 req/s: over the same interval, 100x.
  const served = (region: string) => ok(m2, region) + err(m2, region) - ok(m1, region) - err(m1, region);
  assert.ok(Math.abs(served('big') / served('small') - 100) < 0.01, `big/small traffic ratio ${served('big') / served('small')}`);
  const bigTotal = ok(m2, 'big') + err(m2, 'big');

  const badRatio = err(m2, 'small') / (ok(m2, 'small') + err(m2, 'small'));
  assert.ok(Math.abs(badRatio - 0.25) < 0.001, `bad error ratio ${badRatio}`);
  const goodRatio = err(m2, 'big') / (ok(m2, 'big') + err(m2, 'big'));
  assert.ok(Math.abs(goodRatio - 0.001) < 0.0001, `baseline error ratio ${goodRatio}`);

  // Histogram: cumulative buckets, +Inf equals _count, mean near the 80ms baseline.
  const at = { service: 'checkout', region: 'big' };
  const les = ['0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf'];
  const buckets = les.map((le) => value(m2, 'http_request_duration_seconds_bucket', { ...at, le }));
  for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i] >= buckets[i - 1], 'buckets are cumulative');
  const count = value(m2, 'http_request_duration_seconds_count', at);
  assert.ok(Math.abs(buckets[buckets.length - 1] - count) < 1e-6 * count);
  assert.ok(Math.abs(count - bigTotal) < 1e-6 * count);
  const mean = value(m2, 'http_request_duration_seconds_sum', at) / count;
  assert.ok(mean > 0.07 && mean < 0.09, `mean latency ${mean}`);
  assert.ok(buckets[2] / count > 0.99, 'p99 under 250ms at baseline');

  assert.equal(value(m2, 'firebreak_sim_region_info', { service: 'checkout', region: 'small', version: '1.0.0-bad', state: 'ready' }), 1);
});

test('metrics escape label values', async (t) => {
  const s = await sim(t);
  await s.deploy('odd', 'we"ird\\region', '1.0.0');
  const text = (await s.call('GET', '/metrics')).body as string;
  assert.ok(text.includes('region="we\\"ird\\\\region"'), text);
  const m = parseMetrics(text);
  assert.equal(value(m, 'firebreak_sim_region_info', { region: 'we"ird\\region' }), 1);
});

test('faults: error rate and latency apply to the matching region and version, and clear', async (t) => {
  const s = await sim(t);
  await s.deploy('checkout', 'r1', '1.0.0');
  await s.deploy('checkout', 'r2', '1.0.0');
  await s.untilState('checkout', 'r1', 'ready');
  await s.untilState('checkout', 'r2', 'ready');

  const created = await s.call('POST', '/faults', { service: 'checkout', region: 'r1', version: '1.0.0', errorRate: 0.5, latencyMs: 500 });
  assert.equal(created.status, 201);
  assert.match(created.body.id, /\w/);
  assert.equal(created.body.errorRate, 0.5);
  assert.equal((await s.call('POST', '/faults', { version: '9.9.9', errorRate: 1 })).status, 201);
  assert.equal((await s.call('GET', '/faults')).body.length, 2);

  const r1 = (await s.region('checkout', 'r1')).body;
  assert.equal(r1.errorRate, 0.5);
  assert.equal(r1.latencyMs, 580);
  assert.equal((await s.region('checkout', 'r2')).body.errorRate, 0.001, 'other regions unaffected');

  const m1 = await s.metrics();
  await sleep(300);
  const m2 = await s.metrics();
  const at = { service: 'checkout', region: 'r1' };
  const delta = (name: string, labels: Record<string, string>) => value(m2, name, labels) - value(m1, name, labels);
  const errors = delta('http_requests_total', { ...at, code: '500' });
  const oks = delta('http_requests_total', { ...at, code: '200' });
  assert.ok(Math.abs(errors / (errors + oks) - 0.5) < 0.001, `faulted error ratio ${errors / (errors + oks)}`);
  const mean = delta('http_request_duration_seconds_sum', at) / delta('http_request_duration_seconds_count', at);
  assert.ok(mean > 0.55 && mean < 0.61, `faulted mean latency ${mean}`);
  assert.equal(delta('http_request_duration_seconds_bucket', { ...at, le: '0.5' }), 0, 'nothing under 500ms');

  const cleared = await s.call('DELETE', '/faults');
  assert.deepEqual(cleared.body, { cleared: 2 });
  assert.deepEqual((await s.call('GET', '/faults')).body, []);
  assert.equal((await s.region('checkout', 'r1')).body.errorRate, 0.001);
});

test('faults: deploy fail leaves the region in error on its old version; deploy hang stays rolling until superseded', async (t) => {
  const s = await sim(t);
  await s.deploy('checkout', 'r1', '1.0.0');
  await s.untilState('checkout', 'r1', 'ready');

  await s.call('POST', '/faults', { region: 'r1', version: '2.0.0', deploy: 'fail' });
  await s.deploy('checkout', 'r1', '2.0.0');
  const failed = await s.untilState('checkout', 'r1', 'error');
  assert.equal(failed.version, '1.0.0', 'version unchanged by a failed rollout');
  assert.equal(failed.errorRate, null, 'a region in error serves nothing');
  const m1 = await s.metrics();
  await sleep(100);
  const m2 = await s.metrics();
  const served = (m: Sample[]) => value(m, 'http_request_duration_seconds_count', { service: 'checkout', region: 'r1' });
  assert.equal(served(m2), served(m1), 'no traffic while in error');

  // Rolling back to the old version recovers it.
  await s.deploy('checkout', 'r1', '1.0.0', 'rollback');
  const recovered = await s.untilState('checkout', 'r1', 'ready');
  assert.equal(recovered.version, '1.0.0');

  await s.call('POST', '/faults', { service: 'checkout', deploy: 'hang' });
  await s.deploy('checkout', 'r1', '3.0.0');
  await sleep(700); // over 3x deploySeconds
  const hung = (await s.region('checkout', 'r1')).body;
  assert.equal(hung.state, 'rolling');
  assert.equal(hung.version, '1.0.0');
  assert.equal(hung.targetVersion, '3.0.0');

  // Clearing the fault does not rescue a hung rollout; a new deploy supersedes it.
  await s.call('DELETE', '/faults');
  await s.deploy('checkout', 'r1', '3.0.1');
  const done = await s.untilState('checkout', 'r1', 'ready');
  assert.equal(done.version, '3.0.1');
  assert.equal(done.previousVersion, '1.0.0', 'the superseded version never ran');
});

test('faults: deploy reject answers the POST 500, records nothing, and the retry after it is a first call', async (t) => {
  const s = await sim(t);
  await s.deploy('checkout', 'r1', '1.0.0', 'd0');
  await s.untilState('checkout', 'r1', 'ready');
  const fault = (await s.call('POST', '/faults', { region: 'r1', deploy: 'reject' })).body;

  const refused = await s.deploy('checkout', 'r1', '2.0.0', 'd1');
  assert.equal(refused.status, 500);
  assert.match(refused.body.error, /deploy API unavailable/);
  assert.equal((await s.region('checkout', 'r1')).body.state, 'ready', 'no rollout started');
  assert.equal((await s.deploy('checkout', 'r2', '2.0.0', 'd1')).status, 202, 'other regions unaffected');
  const log = (await s.call('GET', '/deployments')).body as { region: string; version: string }[];
  assert.deepEqual(log.map((e) => `${e.region}@${e.version}`), ['r1@1.0.0', 'r2@2.0.0'], 'a refused call is not logged');

  assert.equal((await s.call('DELETE', `/faults/${fault.id}`)).status, 200);
  const retried = await s.deploy('checkout', 'r1', '2.0.0', 'd1');
  assert.equal(retried.status, 202);
  assert.equal(retried.body.duplicate, false, 'the refused call left no idempotency key behind');
  assert.equal((await s.untilState('checkout', 'r1', 'ready')).version, '2.0.0');
});

test('a token, when set, is required on deploys only', async (t) => {
  const s = await sim(t, { token: 's3cret' });
  const none = await s.deploy('checkout', 'r1', '1.0.0');
  assert.equal(none.status, 401);
  assert.match(none.body.error, /Authorization/);
  assert.equal((await s.deploy('checkout', 'r1', '1.0.0', 'd1', { Authorization: 'Bearer nope' })).status, 401);
  assert.deepEqual((await s.call('GET', '/deployments')).body, [], 'refused deploys are not logged');
  assert.equal((await s.deploy('checkout', 'r1', '1.0.0', 'd1', { Authorization: 'Bearer s3cret' })).status, 202);
  assert.equal((await s.region('checkout', 'r1')).status, 200);
  assert.equal((await s.call('GET', '/metrics')).status, 200);
});

test('bad input gets a clear 4xx and never takes the server down', async (t) => {
  const s = await sim(t);
  const path = '/services/checkout/regions/r1/deployments';
  const badJson = await s.call('POST', path, '{"version": ');
  assert.equal(badJson.status, 400);
  assert.match(badJson.body.error, /not valid JSON/);
  assert.match((await s.call('POST', path, { deployId: 'd1' })).body.error, /version is required/);
  assert.match((await s.call('POST', path, { version: '1.0.0' })).body.error, /deployId is required/);
  assert.equal((await s.call('POST', path, [1, 2])).status, 400);
  assert.equal((await s.call('POST', path, '')).status, 400);
  assert.equal((await s.call('POST', '/faults', { errorRate: 2 })).status, 400);
  assert.match((await s.call('POST', '/faults', { eror: 0.1 })).body.error, /unknown fault field/);
  assert.match((await s.call('POST', '/faults', { deploy: 'explode' })).body.error, /fail.*hang.*reject/);
  assert.match((await s.call('POST', '/faults', { region: 'r1' })).body.error, /at least one/);
  assert.equal((await s.call('GET', '/services/%E0%A4%A/regions/r1')).status, 400);

  const unknown = await s.call('GET', '/nope');
  assert.equal(unknown.status, 404);
  assert.match(unknown.body.error, /no route/);
  assert.equal((await s.call('GET', path)).status, 405);

  assert.deepEqual((await s.call('GET', '/deployments')).body, [], 'nothing bad was logged');
  assert.deepEqual((await s.call('GET', '/healthz')).body, { ok: true });
});
