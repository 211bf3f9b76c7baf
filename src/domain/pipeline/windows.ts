// Promotion windows: pure, deterministic arithmetic on wall-clock windows in IANA time zones.
// Imported by workflow code, so: no Date.now(), no I/O, no dependencies; only Intl, whose
// time-zone data gives each zone's UTC offset at an instant (DST included).
//
// A window opens on each listed day at `from` local time and closes at `to` the same day, or
// the next day when `to` is not after `from` (22:00-06:00). A local time that DST skips
// (01:30 on a spring-forward night) is read as the same time after the jump (02:30), and one
// that occurs twice (fall-back) as its first occurrence: the `compatible` rule of
// Temporal.ZonedDateTime and of most schedulers.
import type { Window } from './schema.js';
import type { Plan } from './plan.js';

type Day = Window['days'][number];
/** Index = JS getUTCDay() of a civil date (0 = Sunday). */
const WEEK: readonly Day[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** Windows open at least weekly; a search past this means none ever opens. */
const HORIZON_DAYS = 9;

interface Interval {
  open: number;
  close: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** The zone's wall clock at an instant, as if it were UTC (ms). */
function wallClock(instant: number, tz: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(new Date(instant))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const ms = ((instant % 1000) + 1000) % 1000;
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second, ms);
}

/** UTC offset of the zone at an instant, in ms (Dublin in summer: +3_600_000). */
export function offsetAt(instant: number, tz: string): number {
  return wallClock(instant, tz) - instant;
}

/** The instant of a wall-clock time (given as UTC ms of the civil date/time) in a zone. */
export function zonedInstant(local: number, tz: string): number {
  // The real offset is one of the offsets in force a day either side (zones change at most
  // once a day); try both and keep those that round-trip.
  const before = offsetAt(local - DAY, tz);
  const after = offsetAt(local + DAY, tz);
  const valid = [local - before, local - after].filter((t) => wallClock(t, tz) === local);
  if (valid.length > 0) return Math.min(...valid);
  // In a DST gap: shift forward by the gap, i.e. use the offset from before the change.
  return local - before;
}

function clockMinutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

/** The occurrences of one window that open on local days from `fromDay` for `days` days. */
function occurrences(w: Window, fromDay: number, days: number): Interval[] {
  const from = clockMinutes(w.from);
  const to = clockMinutes(w.to);
  const out: Interval[] = [];
  for (let d = 0; d < days; d++) {
    const civil = fromDay + d * DAY;
    if (!w.days.includes(WEEK[new Date(civil).getUTCDay()])) continue;
    const open = zonedInstant(civil + from * MINUTE, w.tz);
    const close = zonedInstant(civil + (to > from ? 0 : DAY) + to * MINUTE, w.tz);
    if (close > open) out.push({ open, close }); // empty when DST swallows a short window
  }
  return out;
}

/** Every occurrence of every window that could contain or follow `now`, by opening time. */
function intervalsAround(windows: readonly Window[], now: number): Interval[] {
  return windows
    .flatMap((w) => {
      const local = wallClock(now, w.tz);
      const today = local - (((local % DAY) + DAY) % DAY);
      // Start a day back: an overnight window opened yesterday may still be open.
      return occurrences(w, today - DAY, HORIZON_DAYS + 1);
    })
    .sort((a, b) => a.open - b.open);
}

/** Whether promotion may happen at `now`. No windows means no restriction. */
export function isOpen(windows: readonly Window[], now: Date): boolean {
  if (windows.length === 0) return true;
  const t = now.getTime();
  return intervalsAround(windows, t).some((i) => i.open <= t && t < i.close);
}

/** `now` when a window is open, else the instant the next one opens. */
export function nextOpen(windows: readonly Window[], now: Date): Date {
  if (isOpen(windows, now)) return now;
  const t = now.getTime();
  const next = intervalsAround(windows, t).find((i) => i.open > t);
  if (!next) throw new RangeError('no promotion window opens within a week');
  return new Date(next.open);
}

/**
 * When the open period containing `now` ends: overlapping and touching windows count as one
 * (09:00-12:00 and 11:00-16:00 close at 16:00). Undefined when there are no windows (never
 * closes), when no window is open at `now`, or when the windows never close (24/7).
 */
export function windowCloses(windows: readonly Window[], now: Date): Date | undefined {
  if (windows.length === 0) return undefined;
  const t = now.getTime();
  const intervals = intervalsAround(windows, t);
  const containing = intervals.filter((i) => i.open <= t && t < i.close);
  if (containing.length === 0) return undefined;
  let end = Math.max(...containing.map((i) => i.close));
  for (let grown = true; grown; ) {
    grown = false;
    for (const i of intervals) {
      if (i.open <= end && i.close > end) [end, grown] = [i.close, true];
    }
  }
  // An end at the search horizon means the windows cover every hour: they never close.
  const horizon = intervals.reduce((m, i) => Math.max(m, i.close), 0);
  return end >= horizon ? undefined : new Date(end);
}

/**
 * The earliest a deploy of this plan can finish if started at `start`: each stage is promoted
 * (deployed) at the first open window, then soaks. Deploy time and manual approvals are taken
 * as instant, so this is a lower bound.
 */
export function earliestFinish(plan: { stages: readonly Pick<Plan['stages'][number], 'soakMs'>[]; windows: Plan['windows'] }, start: Date): Date {
  let t = start;
  for (const stage of plan.stages) {
    t = new Date(nextOpen(plan.windows, t).getTime() + stage.soakMs);
  }
  return t;
}

/** "mon-thu 09:00-16:00 Europe/Dublin; sat 22:00-06:00 UTC", or "any time". */
export function describeWindows(windows: readonly Window[]): string {
  if (windows.length === 0) return 'any time';
  return windows.map((w) => `${describeDays(w.days)} ${w.from}-${w.to} ${w.tz}`).join('; ');
}

function describeDays(days: readonly Day[]): string {
  const order = [...WEEK.slice(1), WEEK[0]];
  const idx = [...new Set(days)].map((d) => order.indexOf(d)).sort((a, b) => a - b);
  if (idx.length === 7) return 'daily';
  const runs: string[] = [];
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && idx[j + 1] === idx[j] + 1) j++;
    runs.push(j - i >= 2 ? `${order[idx[i]]}-${order[idx[j]]}` : idx.slice(i, j + 1).map((k) => order[k]).join(','));
    i = j + 1;
  }
  return runs.join(',');
}
