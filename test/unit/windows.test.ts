// Window arithmetic across DST changes (Europe/Dublin: last Sunday of March/October at 01:00
// UTC; America/New_York: second Sunday of March / first Sunday of November at 02:00 local),
// windows spanning midnight, closed days, and the earliest finish of a plan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Window } from '../../src/domain/pipeline/schema.js';
import { earliestFinish, isOpen, nextOpen, offsetAt, windowCloses, zonedInstant, describeWindows } from '../../src/domain/pipeline/windows.js';

const ALL: Window['days'] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const win = (days: Window['days'], from: string, to: string, tz: string): Window => ({ days, from, to, tz });
const at = (iso: string) => new Date(iso);
const iso = (d: Date | undefined) => d?.toISOString();
const HOUR = 3_600_000;

test('offsets follow DST in both zones', () => {
  assert.equal(offsetAt(Date.parse('2026-03-29T00:59:00Z'), 'Europe/Dublin'), 0);
  assert.equal(offsetAt(Date.parse('2026-03-29T01:00:00Z'), 'Europe/Dublin'), HOUR);
  assert.equal(offsetAt(Date.parse('2026-10-25T00:59:00Z'), 'Europe/Dublin'), HOUR);
  assert.equal(offsetAt(Date.parse('2026-10-25T01:00:00Z'), 'Europe/Dublin'), 0);
  assert.equal(offsetAt(Date.parse('2026-03-08T06:59:00Z'), 'America/New_York'), -5 * HOUR);
  assert.equal(offsetAt(Date.parse('2026-03-08T07:00:00Z'), 'America/New_York'), -4 * HOUR);
  assert.equal(offsetAt(Date.parse('2026-11-01T05:59:00Z'), 'America/New_York'), -4 * HOUR);
  assert.equal(offsetAt(Date.parse('2026-11-01T06:00:00Z'), 'America/New_York'), -5 * HOUR);
});

test('a skipped local time moves forward by the gap; a repeated one takes its first occurrence', () => {
  // Dublin 2026-03-29 01:30 does not exist -> 02:30 IST = 01:30Z.
  assert.equal(iso(new Date(zonedInstant(Date.UTC(2026, 2, 29, 1, 30), 'Europe/Dublin'))), '2026-03-29T01:30:00.000Z');
  // Dublin 2026-10-25 01:30 happens at 00:30Z (IST) and 01:30Z (GMT) -> the first.
  assert.equal(iso(new Date(zonedInstant(Date.UTC(2026, 9, 25, 1, 30), 'Europe/Dublin'))), '2026-10-25T00:30:00.000Z');
  // New York 2026-03-08 02:30 does not exist -> 03:30 EDT = 07:30Z.
  assert.equal(iso(new Date(zonedInstant(Date.UTC(2026, 2, 8, 2, 30), 'America/New_York'))), '2026-03-08T07:30:00.000Z');
  // New York 2026-11-01 01:30 happens at 05:30Z (EDT) and 06:30Z (EST) -> the first.
  assert.equal(iso(new Date(zonedInstant(Date.UTC(2026, 10, 1, 1, 30), 'America/New_York'))), '2026-11-01T05:30:00.000Z');
});

test('Europe/Dublin: a working-hours window keeps its wall-clock times across the March change', () => {
  const w = [win(ALL, '09:00', '16:00', 'Europe/Dublin')];
  // Saturday before the change: GMT, 09:00 local = 09:00Z.
  assert.equal(iso(nextOpen(w, at('2026-03-28T06:00:00Z'))), '2026-03-28T09:00:00.000Z');
  // From Saturday evening the next opening is Sunday 09:00 IST = 08:00Z.
  assert.equal(iso(nextOpen(w, at('2026-03-28T17:00:00Z'))), '2026-03-29T08:00:00.000Z');
  assert.equal(isOpen(w, at('2026-03-29T07:59:00Z')), false);
  assert.equal(isOpen(w, at('2026-03-29T08:00:00Z')), true);
  assert.equal(iso(windowCloses(w, at('2026-03-29T12:00:00Z'))), '2026-03-29T15:00:00.000Z');
});

test('Europe/Dublin: the October change gives the local day an extra hour', () => {
  const w = [win(['sat', 'sun'], '00:00', '03:00', 'Europe/Dublin')];
  // Sunday 2026-10-25 00:00 IST = Saturday 23:00Z; 03:00 GMT = 03:00Z: four real hours.
  assert.equal(iso(nextOpen(w, at('2026-10-24T12:00:00Z'))), '2026-10-24T23:00:00.000Z');
  assert.equal(iso(windowCloses(w, at('2026-10-24T23:30:00Z'))), '2026-10-25T03:00:00.000Z');
  assert.equal(isOpen(w, at('2026-10-25T02:59:00Z')), true);
  assert.equal(isOpen(w, at('2026-10-25T03:00:00Z')), false);
});

test('Europe/Dublin: a window in the skipped hour shifts with the clocks, or is empty', () => {
  // 2026-03-29 01:10-01:50 does not exist: both ends move forward by the gap (02:10-02:50 IST).
  const inGap = [win(['sun'], '01:10', '01:50', 'Europe/Dublin')];
  assert.equal(iso(nextOpen(inGap, at('2026-03-28T12:00:00Z'))), '2026-03-29T01:10:00.000Z');
  assert.equal(iso(windowCloses(inGap, at('2026-03-29T01:10:00Z'))), '2026-03-29T01:50:00.000Z');
  // 01:30-02:00 would open at 02:30 IST after closing at 02:00 IST: none that night.
  const swallowed = [win(['sun'], '01:30', '02:00', 'Europe/Dublin')];
  assert.equal(iso(nextOpen(swallowed, at('2026-03-28T12:00:00Z'))), '2026-04-05T00:30:00.000Z');
});

test('America/New_York: weekday window skips the closed weekend and the March change', () => {
  const w = [win(['mon', 'tue', 'wed', 'thu', 'fri'], '09:00', '17:00', 'America/New_York')];
  // Friday 2026-03-06 09:00 EST = 14:00Z.
  assert.equal(isOpen(w, at('2026-03-06T14:00:00Z')), true);
  assert.equal(iso(windowCloses(w, at('2026-03-06T15:00:00Z'))), '2026-03-06T22:00:00.000Z');
  // Friday evening -> Monday 2026-03-09 09:00 EDT = 13:00Z (Saturday and Sunday are closed).
  assert.equal(iso(nextOpen(w, at('2026-03-06T23:00:00Z'))), '2026-03-09T13:00:00.000Z');
  assert.equal(isOpen(w, at('2026-03-07T15:00:00Z')), false);
  assert.equal(isOpen(w, at('2026-03-08T15:00:00Z')), false);
});

test('America/New_York: an overnight window across the November change lasts nine hours', () => {
  const w = [win(['sat'], '22:00', '06:00', 'America/New_York')];
  // Saturday 2026-10-31 22:00 EDT = 2026-11-01 02:00Z; Sunday 06:00 EST = 11:00Z.
  assert.equal(iso(nextOpen(w, at('2026-10-31T12:00:00Z'))), '2026-11-01T02:00:00.000Z');
  assert.equal(iso(windowCloses(w, at('2026-11-01T02:00:00Z'))), '2026-11-01T11:00:00.000Z');
  // Open on Sunday morning local time although Sunday is not listed: it opened on Saturday.
  assert.equal(isOpen(w, at('2026-11-01T10:59:00Z')), true);
  assert.equal(isOpen(w, at('2026-11-01T11:00:00Z')), false);
});

test('America/New_York: an opening inside the March gap moves to after the jump', () => {
  const w = [win(['sun'], '02:30', '04:00', 'America/New_York')];
  assert.equal(iso(nextOpen(w, at('2026-03-08T00:00:00Z'))), '2026-03-08T07:30:00.000Z');
  assert.equal(iso(windowCloses(w, at('2026-03-08T07:45:00Z'))), '2026-03-08T08:00:00.000Z');
});

test('a window spanning midnight is open after midnight on the day after a listed day', () => {
  const w = [win(['fri'], '22:00', '02:00', 'UTC')];
  assert.equal(isOpen(w, at('2026-06-06T01:00:00Z')), true); // Saturday 01:00
  assert.equal(isOpen(w, at('2026-06-06T02:00:00Z')), false);
  assert.equal(isOpen(w, at('2026-06-05T01:00:00Z')), false); // Friday 01:00: Thursday is closed
  assert.equal(iso(nextOpen(w, at('2026-06-06T02:00:00Z'))), '2026-06-12T22:00:00.000Z');
});

test('nextOpen returns now when open; no windows means always open', () => {
  const now = at('2026-06-03T10:00:00Z');
  assert.equal(nextOpen([win(ALL, '09:00', '17:00', 'UTC')], now), now);
  assert.equal(nextOpen([], now), now);
  assert.equal(isOpen([], now), true);
  assert.equal(windowCloses([], now), undefined);
});

test('windowCloses merges overlapping windows, is undefined when closed or never closing', () => {
  const overlapping = [win(ALL, '09:00', '12:00', 'UTC'), win(ALL, '11:00', '16:00', 'UTC')];
  assert.equal(iso(windowCloses(overlapping, at('2026-06-03T09:30:00Z'))), '2026-06-03T16:00:00.000Z');
  assert.equal(windowCloses(overlapping, at('2026-06-03T17:00:00Z')), undefined);
  const always = [win(ALL, '00:00', '12:00', 'UTC'), win(ALL, '12:00', '00:00', 'UTC')];
  assert.equal(windowCloses(always, at('2026-06-03T17:00:00Z')), undefined);
});

test('windows in two zones: the earliest opening of either', () => {
  const w = [win(['mon'], '09:00', '10:00', 'America/New_York'), win(['mon'], '09:00', '10:00', 'Europe/Dublin')];
  // Monday 2026-06-08: Dublin 09:00 IST = 08:00Z comes before New York 09:00 EDT = 13:00Z.
  assert.equal(iso(nextOpen(w, at('2026-06-07T12:00:00Z'))), '2026-06-08T08:00:00.000Z');
  assert.equal(iso(nextOpen(w, at('2026-06-08T09:00:00Z'))), '2026-06-08T13:00:00.000Z');
});

test('earliestFinish: each stage is promoted inside a window, then soaks', () => {
  const stage = (soakMs: number) => ({ index: 0, regions: [], soakMs, gate: { name: 'g', approval: 'auto' as const } });
  const windows = [win(['mon', 'tue', 'wed', 'thu'], '09:00', '16:00', 'Europe/Dublin')];
  // Friday 2026-11-27 15:50 (GMT): closed until Monday 09:00; 45m + 1h + 1h30m of soak.
  const plan = { stages: [stage(45 * 60_000), stage(HOUR), stage(90 * 60_000)], windows };
  assert.equal(iso(earliestFinish(plan, at('2026-11-27T15:50:00Z'))), '2026-11-30T12:15:00.000Z');
  // Thursday 15:30: stage 1 promoted at once, soaks past the close; stage 2 waits for Monday.
  assert.equal(iso(earliestFinish(plan, at('2026-11-26T15:30:00Z'))), '2026-11-30T11:30:00.000Z');
  assert.equal(iso(earliestFinish({ stages: plan.stages, windows: [] }, at('2026-11-26T15:30:00Z'))), '2026-11-26T18:45:00.000Z');
});

test('describeWindows summarises days as ranges', () => {
  assert.equal(describeWindows([]), 'any time');
  assert.equal(describeWindows([win(['mon', 'tue', 'wed', 'thu'], '09:00', '16:00', 'Europe/Dublin')]), 'mon-thu 09:00-16:00 Europe/Dublin');
  assert.equal(describeWindows([win(['sat', 'mon', 'sun'], '22:00', '06:00', 'UTC')]), 'mon,sat,sun 22:00-06:00 UTC');
  assert.equal(describeWindows([win(ALL, '00:00', '06:00', 'UTC')]), 'daily 00:00-06:00 UTC');
});

test('property: nextOpen is open, not before now, and nothing opens between now and it', () => {
  const zones = ['Europe/Dublin', 'America/New_York', 'UTC', 'Asia/Kolkata'];
  const clock = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 3 })).map(([h, q]) => `${String(h).padStart(2, '0')}:${String(q * 15).padStart(2, '0')}`);
  const window = fc
    .record({ days: fc.subarray([...ALL], { minLength: 1 }), from: clock, to: clock, tz: fc.constantFrom(...zones) })
    .filter((w) => w.from !== w.to);
  const instant = fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2027-01-01T00:00:00Z') }).map((t) => new Date(Math.floor(t / 60_000) * 60_000));
  fc.assert(
    fc.property(fc.array(window, { minLength: 1, maxLength: 3 }), instant, (ws, now) => {
      const open = nextOpen(ws, now);
      assert.ok(open.getTime() >= now.getTime());
      assert.equal(isOpen(ws, open), true);
      if (open.getTime() > now.getTime()) {
        // Sample the gap every 15 minutes: all of it is closed.
        for (let t = now.getTime(); t < open.getTime(); t += 15 * 60_000) assert.equal(isOpen(ws, new Date(t)), false);
        assert.equal(isOpen(ws, new Date(open.getTime() - 60_000)), false);
      }
      const closes = windowCloses(ws, open);
      if (closes) {
        assert.ok(closes.getTime() > open.getTime());
        assert.equal(isOpen(ws, closes), false);
        assert.equal(isOpen(ws, new Date(closes.getTime() - 60_000)), true);
      }
    }),
    { numRuns: 150 },
  );
});
