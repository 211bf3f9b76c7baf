// The hotfix lane: a soak is scaled, never below the floor, never above the usual soak; the
// plan keeps order, checks and rollback; lint refuses a lane with no floor.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { hotfixLane, hotfixSoakMs } from '../../src/domain/pipeline/hotfix.js';
import { blockingFindings, lint } from '../../src/domain/pipeline/lint.js';
import { parsePipeline } from '../../src/domain/pipeline/load.js';
import { plan } from '../../src/domain/pipeline/plan.js';
import { loadSqlParser } from '../../src/domain/migrations/steps.js';

before(() => loadSqlParser());

test('a hotfix soak is the scaled soak, never below the floor, never above the usual soak', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 86_400_000 }), fc.double({ min: 0.001, max: 1, noNaN: true }), fc.integer({ min: 1, max: 3_600_000 }), (soak, scale, floor) => {
      const hot = hotfixSoakMs(soak, scale, floor);
      assert.ok(hot <= soak, 'never longer than the usual soak');
      assert.ok(hot >= Math.min(soak, floor), 'never below the floor (unless the usual soak is shorter)');
      if (Math.round(soak * scale) >= floor) assert.equal(hot, Math.min(soak, Math.round(soak * scale)));
    }),
  );
  assert.equal(hotfixSoakMs(3_600_000, 0.25, 300_000), 900_000);
  assert.equal(hotfixSoakMs(600_000, 0.25, 300_000), 300_000);
});

const doc = (hotfix: unknown) => ({
  apiVersion: 'firebreak/v1',
  service: 'checkout',
  owner: 'payments-team',
  runbook: 'https://wiki.example.com/checkout/deploys',
  regions: [
    { name: 'ap-southeast-2', customers: 1200 },
    { name: 'eu-west-1', customers: 48000, soak: '30m' },
    { name: 'us-east-1', customers: 310000 },
  ],
  soak: '45m',
  gate: { name: 'errors', checks: [{ name: 'e', http: { url: 'https://x.example.com/{{region}}', path: '$.e' }, max: 0.05 }] },
  deploy: { command: ['deploy.sh', '{{region}}', '{{version}}'], current: ['current.sh', '{{region}}'] },
  ...(hotfix === undefined ? {} : { hotfix }),
});

test('lint refuses a hotfix lane with no floor (an error, not a warning), and none with one', () => {
  const noFloor = lint(parsePipeline(stringify(doc({ soakScale: 0.25 })), 'p.yaml'));
  assert.deepEqual(blockingFindings(noFloor).map((f) => f.rule), ['hotfix-floor']);
  const zero = lint(parsePipeline(stringify(doc({ soakScale: 0.25, minSoak: '0s' })), 'p.yaml'));
  assert.deepEqual(blockingFindings(zero).map((f) => f.rule), ['hotfix-floor']);
  const ok = lint(parsePipeline(stringify(doc({ soakScale: 0.25, minSoak: '5m' })), 'p.yaml'));
  assert.equal(ok.some((f) => f.rule === 'hotfix-floor'), false);
  assert.equal(lint(parsePipeline(stringify(doc(undefined)), 'p.yaml')).some((f) => f.rule === 'hotfix-floor'), false);
  // deploy --hotfix refuses the same lane.
  const lane = hotfixLane(parsePipeline(stringify(doc({ soakScale: 0.25 })), 'p.yaml').pipeline, 'r');
  assert.equal(lane.ok, false);
  assert.equal(hotfixLane(parsePipeline(stringify(doc(undefined)), 'p.yaml').pipeline, 'r').ok, false);
});

test('soakScale out of (0, 1] and unknown fields are schema errors', () => {
  for (const bad of [{ soakScale: 0, minSoak: '5m' }, { soakScale: 1.5, minSoak: '5m' }, { soakScale: 'quarter', minSoak: '5m' }, { soakScale: 0.5, minSoak: '5m', extra: 1 }, { minSoak: '5m' }]) {
    assert.throws(() => parsePipeline(stringify(doc(bad)), 'p.yaml'), /hotfix/, JSON.stringify(bad));
  }
});

test('for any lane, the hotfix plan keeps order, checks and rollback, and shortens each soak as hotfixSoakMs says', () => {
  fc.assert(
    fc.property(fc.double({ min: 0.01, max: 1, noNaN: true }), fc.integer({ min: 1, max: 120 }), fc.boolean(), (scale, floorMin, manual) => {
      const pipeline = parsePipeline(stringify(doc({ soakScale: scale, minSoak: `${floorMin}m`, manualGates: manual })), 'p.yaml').pipeline;
      const lane = hotfixLane(pipeline, 'fix');
      assert.ok(lane.ok);
      const usual = plan(pipeline, '1.0.1');
      const hot = plan(pipeline, '1.0.1', { hotfix: lane.lane });
      assert.deepEqual(hot.stages.map((s) => s.regions.map((r) => r.name)), usual.stages.map((s) => s.regions.map((r) => r.name)));
      assert.deepEqual(hot.rollback, usual.rollback);
      hot.stages.forEach((s, i) =>
        s.regions.forEach((r, j) => {
          const u = usual.stages[i].regions[j];
          assert.equal(r.soakMs, hotfixSoakMs(u.soakMs, scale, floorMin * 60_000));
          assert.deepEqual(r.gate.checks, u.gate.checks);
          assert.equal(r.gate.approval, manual ? 'manual' : u.gate.approval);
        }),
      );
    }),
    { numRuns: 50 },
  );
});
