// The pieces of the worker's metrics that are plain functions: the --metrics address, the timed
// check providers (outcome and labels of each evaluation), and the soak watcher's count of the
// soaks it holds. The endpoint itself, on a real stack, is test/integration/metrics.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { MetricMeter, MetricTags } from '@temporalio/common';
import { parseBindAddress } from '../../src/worker/metrics.js';
import { soakingGauge, timedProviders } from '../../activities/checks/metrics.js';
import { SoakWatcher, type WatcherDeps } from '../../activities/checks/watcher.js';
import type { CheckProvider } from '../../src/domain/soak/provider.js';
import type { Check } from '../../src/domain/pipeline/schema.js';
import type { Target } from '../../src/domain/target.js';
import type { PlanGate } from '../../src/domain/pipeline/plan.js';

test('--metrics HOST:PORT: the forms it takes', () => {
  assert.equal(parseBindAddress('127.0.0.1:9464'), '127.0.0.1:9464');
  assert.equal(parseBindAddress(':9464'), '0.0.0.0:9464');
  assert.equal(parseBindAddress('localhost:9464'), '127.0.0.1:9464');
  assert.equal(parseBindAddress('[::1]:9464'), '[::1]:9464');
  assert.equal(parseBindAddress(' 0.0.0.0:09464 '), '0.0.0.0:9464');
  for (const bad of ['', '9464', '127.0.0.1', '127.0.0.1:', '127.0.0.1:65536', 'a b:1', 'host:port', '::1:9464', 'http://x:1']) {
    assert.throws(() => parseBindAddress(bad), /^Error: --metrics: ".*" is not HOST:PORT/, bad);
  }
});

test('--metrics: any string is either an address with a port up to 65535 or one line saying what is wrong', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.tuple(fc.string(), fc.nat(100_000)).map(([h, p]) => `${h}:${p}`)), (spec) => {
      let out: string;
      try {
        out = parseBindAddress(spec);
      } catch (err) {
        const msg = (err as Error).message;
        assert.match(msg, /^--metrics: /);
        assert.ok(!msg.includes('\n') || spec.includes('\n'), msg);
        return;
      }
      const m = /^(.*):(\d+)$/.exec(out);
      assert.ok(m, out);
      assert.ok(Number(m![2]) <= 65535);
      assert.ok(m![1].length > 0);
    }),
  );
});

/** A meter that remembers what was recorded (only inside this unit test). */
function recordingMeter() {
  const records: { name: string; value: number; tags: MetricTags }[] = [];
  const metric = (name: string) => ({
    name,
    unit: undefined,
    description: undefined,
    kind: 'histogram' as const,
    valueType: 'float' as const,
    record: (value: number, tags: MetricTags = {}) => void records.push({ name, value, tags }),
    set: (value: number, tags: MetricTags = {}) => void records.push({ name, value, tags }),
    add: (value: number, tags: MetricTags = {}) => void records.push({ name, value, tags }),
    withTags: () => metric(name),
  });
  const meter = {
    createCounter: metric,
    createHistogram: metric,
    createGauge: metric,
    createUpDownCounter: metric,
    withTags: () => meter,
  } as unknown as MetricMeter;
  return { meter, records };
}

const check: Check = { name: 'error-rate', prometheus: { url: 'http://prom', query: 'q' }, max: 0.01 };
const target: Target = { service: 'shop', region: 'eu-west-1', version: '2.0.0', deployId: 'deploy-shop/run-1' };

test('each check evaluation is timed with its outcome, labelled by service and region only', async () => {
  const { meter, records } = recordingMeter();
  const answers: Array<() => Promise<number | null>> = [async () => 0.002, async () => null, async () => Promise.reject(new Error('503'))];
  const provider: CheckProvider = { evaluate: () => answers.shift()!() };
  let clock = 0;
  const providerFor = timedProviders(() => provider, meter, () => (clock += 250));
  assert.equal(providerFor(check), providerFor(check), 'one wrapper per provider');
  assert.equal(await providerFor(check).evaluate(check, target), 0.002);
  assert.equal(await providerFor(check).evaluate(check, target), null);
  await assert.rejects(providerFor(check).evaluate(check, target), /503/);
  assert.deepEqual(
    records.map((r) => [r.name, r.value, r.tags]),
    [
      ['firebreak_check_evaluation_seconds', 0.25, { service: 'shop', region: 'eu-west-1', outcome: 'ok' }],
      ['firebreak_check_evaluation_seconds', 0.25, { service: 'shop', region: 'eu-west-1', outcome: 'no_data' }],
      ['firebreak_check_evaluation_seconds', 0.25, { service: 'shop', region: 'eu-west-1', outcome: 'error' }],
    ],
  );
});

test('a cancelled evaluation is not counted as a failing source', async () => {
  const { meter, records } = recordingMeter();
  const abort = new AbortController();
  abort.abort();
  const provider: CheckProvider = { evaluate: async () => Promise.reject(new Error('aborted')) };
  await assert.rejects(timedProviders(() => provider, meter)(check).evaluate(check, target, { signal: abort.signal }));
  assert.deepEqual(records, []);
});

test('the watcher tells how many soaks it holds: adopted, replaced, finished', async () => {
  const { meter, records } = recordingMeter();
  const gate: PlanGate = { name: 'g', approval: 'auto', intervalMs: 1000, failAfter: 1, minSamples: 1, onNoData: 'pause', checks: [check] };
  let clock = 0;
  const deps: WatcherDeps = {
    now: () => clock,
    providerFor: () => ({ evaluate: async () => 0.5 }), // a breach at the first evaluation
    heartbeat: async () => 'ok',
    complete: async () => 'ok',
    reportCancellation: async () => undefined,
    handOver: async () => undefined,
    soaking: soakingGauge(meter),
  };
  const watcher = new SoakWatcher(deps, { tickMs: 1_000_000 });
  const input = (region: string) => ({ target: { ...target, region }, gate, deadline: 10_000, startedAt: 0 });
  watcher.adopt('a', new Uint8Array([1]), input('a'), undefined);
  watcher.adopt('a', new Uint8Array([1]), input('a'), undefined); // a retried attempt replaces it
  watcher.adopt('b', new Uint8Array([2]), input('b'), undefined);
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
  clock = 1000;
  watcher.tick();
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
  watcher.stop();
  const counts = records.filter((r) => r.name === 'firebreak_soak_watchers_active').map((r) => r.value);
  assert.equal(counts[0], 1);
  assert.equal(Math.max(...counts), 2);
  assert.equal(counts.at(-1), 0, `both breached and were finished: ${counts.join(',')}`);
});
