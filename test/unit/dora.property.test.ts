// The DORA arithmetic (src/domain/records/dora.ts), by property over made-up records: the rate
// stays in [0, 1] and equals failures over changes, per service sums make the whole, a run
// written twice counts once, no NaN whatever the times; and the known answers for each rule
// (rolled back, `firebreak rollback` after, a hotfix after, lead time, time to restore).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { changesOf, dora, spread } from '../../src/domain/records/dora.js';
import type { DeployRecord, RecordedEvent, RecordedStatus } from '../../src/domain/records/record.js';
import type { Period } from '../../src/domain/records/period.js';

const T0 = Date.parse('2026-10-01T00:00:00Z');
const MIN = 60_000;
const period: Period = { from: new Date(T0), to: new Date(T0 + 28 * 86_400_000), label: 'four weeks' };
const at = (m: number) => new Date(T0 + m * MIN).toISOString();

function rec(id: string, s: Partial<RecordedStatus> & { start: number; end?: number; events?: RecordedEvent[] }, extra: Partial<DeployRecord> = {}): DeployRecord {
  const { start, end, ...rest } = s;
  return {
    workflowId: `deploy-${s.service ?? 'api'}`,
    runId: id,
    revision: 1,
    final: true,
    status: {
      service: 'api',
      version: id,
      phase: 'succeeded',
      startedAt: at(start),
      ...(end !== undefined ? { endedAt: at(end) } : {}),
      stages: [{ index: 0, regions: [{ name: 'small', customers: 1, state: 'promoted' }] }, { index: 1, regions: [{ name: 'large', customers: 9, state: 'promoted' }] }],
      events: [
        { at: at(start), kind: 'deploying', region: 'small' },
        { at: at(start + 10), kind: 'promoted', region: 'small' },
        { at: at(start + 11), kind: 'deploying', region: 'large' },
        { at: at(start + 30), kind: 'promoted', region: 'large' },
      ],
      ...rest,
    },
    ...extra,
  };
}

test('the known answers: each kind of change failure, lead time, time to restore', () => {
  const records = [
    // Succeeded, commit 60 min before its start: lead time 60 + 30 min.
    rec('1', { start: 0, end: 30, commit: { sha: 'abc1234', time: at(-60) } }),
    // A region failed at +5, rolled back at +7: a failure, restored in 2 min.
    rec('2', { start: 100, end: 8 + 100, phase: 'rolled_back', events: [{ at: at(100), kind: 'deploying', region: 'small' }, { at: at(105), kind: 'region_failed', region: 'small' }, { at: at(107), kind: 'rolled_back', region: 'small' }] }),
    // Succeeded at +230, `firebreak rollback` at +250: a failure, restored in 20 min.
    rec('3', { start: 200, end: 230, commit: { sha: 'abc1235', time: at(190) } }, { rolledBackAfter: { at: at(250), by: 'ana' } }),
    // Succeeded, then a hotfix of the service: a failure, restored at the hotfix's last promotion.
    rec('4', { start: 300, end: 330 }),
    rec('5', { start: 400, end: 430, hotfix: { reason: 'fix 4' } }),
    // Aborted before any region: no change at all.
    rec('6', { start: 500, end: 501, phase: 'aborted', events: [] }),
    // Still paused: open, not counted.
    rec('7', { start: 600, phase: 'paused' }),
  ];
  const d = dora(records, period);
  assert.equal(d.overall.deploys, 6);
  assert.equal(d.overall.changes, 5);
  assert.equal(d.overall.failures, 3);
  assert.equal(d.overall.changeFailureRate, 3 / 5);
  assert.equal(d.open, 1);
  assert.equal(d.overall.perWeek, 5 / 4);
  // Lead times: 90 min (1), 40 min (3, delivered before its rollback).
  assert.deepEqual(d.overall.leadTime, { count: 2, medianMs: 65 * MIN, p90Ms: 90 * MIN });
  // Restores: 2 min (2), 20 min (3), 100 min (4: ended 330, hotfix promoted at 430).
  assert.deepEqual(d.overall.timeToRestore, { count: 3, medianMs: 20 * MIN, p90Ms: 100 * MIN });
  assert.deepEqual(d.stageMinutes, [{ stage: 1, deploys: 4, medianMinutes: 10 }, { stage: 2, deploys: 4, medianMinutes: 19 }]);
  assert.equal(d.weeks.length, 4);
  assert.equal(d.weeks[0].changes, 5);
});

test('an empty period is honest: zero counts, null rates, no NaN', () => {
  const d = dora([], period);
  assert.equal(d.overall.deploys, 0);
  assert.equal(d.overall.changeFailureRate, null);
  assert.deepEqual(d.overall.leadTime, { count: 0, medianMs: null, p90Ms: null });
  assert.deepEqual(d.byService, {});
  assert.ok(d.weeks.every((w) => w.changes === 0));
});

const kinds = fc.constantFrom('deploying', 'promoted', 'region_failed', 'rolled_back', 'paused', 'started');
const event = fc.record({ at: fc.oneof(fc.integer({ min: -1000, max: 50_000 }).map(at), fc.constantFrom('', 'garbage')), kind: kinds, region: fc.constantFrom('small', 'large', undefined) });
const record = fc.record({
  id: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'),
  service: fc.constantFrom('api', 'web', 'db'),
  start: fc.integer({ min: -5000, max: 45_000 }),
  len: fc.integer({ min: 0, max: 500 }),
  phase: fc.constantFrom('succeeded', 'rolled_back', 'aborted', 'failed', 'running', 'paused'),
  events: fc.array(event, { maxLength: 8 }),
  hotfix: fc.boolean(),
  commit: fc.option(fc.integer({ min: -2000, max: 50_000 }), { nil: undefined }),
  rolledBack: fc.option(fc.integer({ min: -2000, max: 50_000 }), { nil: undefined }),
  revision: fc.integer({ min: 1, max: 3 }),
}).map((r) => ({
  ...rec(r.id, { service: r.service, start: r.start, end: r.start + r.len, phase: r.phase, events: r.events, ...(r.hotfix ? { hotfix: {} } : {}), ...(r.commit !== undefined ? { commit: { sha: 'abcdef1', time: at(r.commit) } } : {}) },
    r.rolledBack !== undefined ? { rolledBackAfter: { at: at(r.rolledBack) } } : {}),
  workflowId: `deploy-${r.service}`,
  revision: r.revision,
}));

const finiteDeep = (x: unknown): boolean =>
  typeof x === 'number' ? Number.isFinite(x) : Array.isArray(x) ? x.every(finiteDeep) : x && typeof x === 'object' ? Object.values(x).every(finiteDeep) : true;

test('by property: rates in [0, 1], failures over changes, services sum to the whole, no NaN, durations never negative', () => {
  fc.assert(
    fc.property(fc.array(record, { maxLength: 25 }), (records) => {
      const d = dora(records, period);
      assert.ok(finiteDeep(d), JSON.stringify(d));
      const k = d.overall;
      assert.ok(k.failures <= k.changes && k.changes <= k.deploys);
      assert.equal(k.changeFailureRate, k.changes ? k.failures / k.changes : null);
      const svcs = Object.values(d.byService);
      assert.equal(svcs.reduce((n, s) => n + s.changes, 0), k.changes);
      assert.equal(svcs.reduce((n, s) => n + s.failures, 0), k.failures);
      assert.equal(svcs.reduce((n, s) => n + s.deploys, 0), k.deploys);
      assert.equal(d.weeks.reduce((n, w) => n + w.changes, 0), k.changes);
      for (const s of [k.leadTime, k.timeToRestore]) {
        if (s.count) assert.ok(s.medianMs! >= 0 && s.p90Ms! >= s.medianMs! - 1e-9);
      }
    }),
    { numRuns: 500 },
  );
});

test('by property: a run written twice (a pause, then its end) counts once, as its latest write says', () => {
  fc.assert(
    fc.property(fc.array(record, { maxLength: 12 }), (records) => {
      const paused = records.map((r) => ({ ...r, revision: 0, final: false, status: { ...r.status, phase: 'paused' } }));
      assert.deepEqual(dora([...paused, ...records], period).overall, dora(records, period).overall);
      assert.equal(changesOf([...records, ...records]).length, changesOf(records).length);
    }),
    { numRuns: 300 },
  );
});

test('spread: median and p90 by nearest rank; nothing is null', () => {
  assert.deepEqual(spread([]), { count: 0, medianMs: null, p90Ms: null });
  assert.deepEqual(spread([5]), { count: 1, medianMs: 5, p90Ms: 5 });
  assert.deepEqual(spread([1, 2, 3, 4]), { count: 4, medianMs: 2.5, p90Ms: 4 });
  assert.deepEqual(spread([NaN, 3]), { count: 1, medianMs: 3, p90Ms: 3 });
});
