// The review's period (src/domain/records/period.ts) and the deploy's commit (commit.ts), by
// property: any input is a period or one PeriodError line, never a throw of another kind, an
// Invalid Date or an empty or inverted period; quarters tile the year; known answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parsePeriod, PeriodError, quarterBounds, MAX_PERIOD_DAYS } from '../../src/domain/records/period.js';
import { commitOf, CommitError } from '../../src/domain/records/commit.js';

const NOW = Date.parse('2026-12-05T11:00:00Z');
const anything = fc.oneof(fc.string(), fc.constantFrom('', ' ', '0d', '-5d', '90', 'Q4', '2026Q5', '2026Q0', '26Q4', '2026-02-31', '9999-01-01', 'NaN', '1e9d', '99999d'), fc.integer(), fc.constant(null), fc.boolean(), fc.object());

test('any --since or --quarter is a sound period or a one-line PeriodError', () => {
  fc.assert(
    fc.property(fc.option(anything, { nil: undefined }), fc.option(anything, { nil: undefined }), (since, quarter) => {
      try {
        const p = parsePeriod({ since, quarter }, NOW);
        assert.ok(Number.isFinite(p.from.getTime()) && Number.isFinite(p.to.getTime()));
        assert.ok(p.from.getTime() < p.to.getTime(), 'not empty, not inverted');
        assert.ok(p.from.getTime() <= NOW, 'starts in the past');
        assert.ok(p.to.getTime() - p.from.getTime() <= MAX_PERIOD_DAYS * 86_400_000 + 92 * 86_400_000);
        assert.ok(!p.label.includes('\n'));
      } catch (err) {
        assert.ok(err instanceof PeriodError, `not a PeriodError: ${String(err)}`);
        assert.ok(err.message.length > 0 && !err.message.includes('\n'));
      }
    }),
    { numRuns: 2000 },
  );
});

test('quarters tile the year: each ends where the next begins, four make the year', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1970, max: 2200 }), fc.integer({ min: 1, max: 4 }), (year, q) => {
      const { from, to } = quarterBounds(year, q);
      assert.equal(from.getUTCDate(), 1);
      if (q < 4) assert.equal(to.getTime(), quarterBounds(year, q + 1).from.getTime());
      else assert.equal(to.getTime(), Date.UTC(year + 1, 0, 1));
      assert.equal(quarterBounds(year, 1).from.getTime(), Date.UTC(year, 0, 1));
    }),
  );
});

test('known periods', () => {
  const q = parsePeriod({ quarter: '2026Q4' }, NOW);
  assert.equal(q.from.toISOString(), '2026-10-01T00:00:00.000Z');
  assert.equal(q.to.getTime(), NOW, 'the quarter under way ends now');
  assert.equal(q.label, '2026Q4 so far (2026-10-01 to 2026-12-05)');
  assert.equal(parsePeriod({ quarter: '2026Q3' }, NOW).to.toISOString(), '2026-10-01T00:00:00.000Z');
  const s = parsePeriod({ since: '90d' }, NOW);
  assert.equal(NOW - s.from.getTime(), 90 * 86_400_000);
  assert.equal(s.label, 'the last 90d (2026-09-06 to 2026-12-05)');
  assert.deepEqual(parsePeriod({}, NOW), s, 'the default is the last 90 days');
  const now = parsePeriod({ quarter: '2026q4' }, Date.parse('2026-12-05T11:00:00Z') + 40 * 86_400_000);
  assert.equal(now.label, '2026Q4 (2026-10-01 to 2026-12-31)', 'a quarter that is over');
  assert.equal(parsePeriod({ since: '2026-10-01' }, NOW).from.toISOString(), '2026-10-01T00:00:00.000Z');
  for (const [opts, msg] of [
    [{ since: '7d', quarter: '2026Q4' }, /not both/],
    [{ quarter: '2027Q1' }, /has not started yet/],
    [{ quarter: '2026Q5' }, /not a quarter like 2026Q4/],
    [{ since: '0d' }, /empty period/],
    [{ since: '2026-02-31' }, /not a date on the calendar/],
    [{ since: '2027-01-01' }, /in the future/],
    [{ since: 'yesterday' }, /neither a duration/],
  ] as const) {
    assert.throws(() => parsePeriod(opts, NOW), (e: Error) => e instanceof PeriodError && msg.test(e.message));
  }
});

test('the commit: flags over the CI environment; a bad SHA or time is one CommitError line', () => {
  assert.equal(commitOf({}, {}), undefined);
  assert.deepEqual(commitOf({ commit: 'ABCDEF1', commitTime: '2026-12-01T09:30:00Z' }, {}), { sha: 'abcdef1', time: '2026-12-01T09:30:00.000Z' });
  assert.deepEqual(commitOf({ commit: 'abcdef1', commitTime: '1764581400' }, {}), { sha: 'abcdef1', time: new Date(1764581400 * 1000).toISOString() });
  assert.deepEqual(commitOf({}, { GITHUB_SHA: 'a'.repeat(40) }), { sha: 'a'.repeat(40) });
  assert.deepEqual(commitOf({}, { CI_COMMIT_SHA: 'b'.repeat(40), CI_COMMIT_TIMESTAMP: '2026-12-01T10:00:00+01:00' }), { sha: 'b'.repeat(40), time: '2026-12-01T09:00:00.000Z' });
  // The CI's time is the CI's commit's: not another commit's given by --commit.
  assert.deepEqual(commitOf({ commit: 'cccccccc' }, { CI_COMMIT_SHA: 'b'.repeat(40), CI_COMMIT_TIMESTAMP: '2026-12-01T10:00:00Z' }), { sha: 'cccccccc' });
  for (const flags of [{ commit: 'not-a-sha' }, { commit: 'abcdef1', commitTime: 'tuesday' }, { commit: 'abcdef1', commitTime: '2026-12-01' }, { commitTime: '2026-12-01T09:30:00Z' }]) {
    assert.throws(() => commitOf(flags, {}), CommitError, JSON.stringify(flags));
  }
  fc.assert(
    fc.property(fc.option(fc.string(), { nil: undefined }), fc.option(fc.string(), { nil: undefined }), (commit, commitTime) => {
      try {
        const c = commitOf({ commit, commitTime }, {});
        if (c) assert.match(c.sha, /^[0-9a-f]{7,64}$/);
        if (c?.time) assert.ok(Number.isFinite(Date.parse(c.time)));
      } catch (err) {
        assert.ok(err instanceof CommitError);
      }
    }),
  );
});
