// The period a review covers: `--since 90d` (or an ISO date) up to now, or `--quarter 2026Q4`
// (a calendar quarter in UTC). Pure: the caller gives the clock.
import { parseDuration } from '../pipeline/duration.js';

export interface Period {
  /** Inclusive start. */
  from: Date;
  /** Exclusive end. */
  to: Date;
  /** How the report names it: "the last 90d (2026-09-06 to 2026-12-05)", "2026Q4 (...)". */
  label: string;
}

/** A period that cannot be read: the message is the one line the CLI prints. */
export class PeriodError extends Error {
  override name = 'PeriodError';
}

/** Periods longer than this are refused: a typo (9000d), not a review. */
export const MAX_PERIOD_DAYS = 3660;
const DAY = 86_400_000;

const day = (d: Date) => d.toISOString().slice(0, 10);

/** The quarter's first day and the next quarter's first day, UTC. */
export function quarterBounds(year: number, quarter: number): { from: Date; to: Date } {
  return { from: new Date(Date.UTC(year, (quarter - 1) * 3, 1)), to: new Date(Date.UTC(year, quarter * 3, 1)) };
}

export function parsePeriod(opts: { since?: unknown; quarter?: unknown }, now: number): Period {
  if (opts.since !== undefined && opts.quarter !== undefined) throw new PeriodError('give --since or --quarter, not both');
  if (opts.quarter !== undefined) {
    const m = typeof opts.quarter === 'string' ? /^(\d{4})-?Q([1-4])$/i.exec(opts.quarter.trim()) : null;
    if (!m) throw new PeriodError(`--quarter ${JSON.stringify(opts.quarter)} is not a quarter like 2026Q4`);
    const year = Number(m[1]);
    const q = Number(m[2]);
    if (year < 1970) throw new PeriodError(`--quarter ${opts.quarter}: no deploy ran before 1970`);
    const { from, to } = quarterBounds(year, q);
    if (from.getTime() >= now) throw new PeriodError(`--quarter ${opts.quarter} has not started yet`);
    // The quarter under way ends now: its weeks to come would only dilute the rates.
    if (to.getTime() > now) return { from, to: new Date(now), label: `${year}Q${q} so far (${day(from)} to ${day(new Date(now))})` };
    return { from, to, label: `${year}Q${q} (${day(from)} to ${day(new Date(to.getTime() - DAY))})` };
  }
  const since = opts.since ?? '90d';
  if (typeof since !== 'string' || since.trim() === '') throw new PeriodError(`--since ${JSON.stringify(since)} is neither a duration (90d) nor a date (2026-10-01)`);
  const text = since.trim();
  const ms = parseDuration(text);
  let from: Date;
  let label: string;
  if (ms !== undefined) {
    if (ms <= 0) throw new PeriodError(`--since ${text} is an empty period`);
    if (ms > MAX_PERIOD_DAYS * DAY) throw new PeriodError(`--since ${text} is longer than ${MAX_PERIOD_DAYS} days`);
    from = new Date(now - ms);
    label = `the last ${text}`;
  } else if (/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text) && !Number.isNaN(Date.parse(text))) {
    from = new Date(Date.parse(text));
    // Date.parse rolls 2026-02-31 over to March: refuse a date that is not on the calendar.
    if (day(from) !== text.slice(0, 10) && !text.includes('T')) throw new PeriodError(`--since ${text} is not a date on the calendar`);
    if (from.getTime() >= now) throw new PeriodError(`--since ${text} is in the future`);
    if (now - from.getTime() > MAX_PERIOD_DAYS * DAY) throw new PeriodError(`--since ${text} is more than ${MAX_PERIOD_DAYS} days ago`);
    label = `since ${text}`;
  } else {
    throw new PeriodError(`--since ${JSON.stringify(text)} is neither a duration (90d) nor a date (2026-10-01)`);
  }
  const to = new Date(now);
  return { from, to, label: `${label} (${day(from)} to ${day(to)})` };
}

/** The period's length in days (fractional). */
export const periodDays = (p: Period): number => (p.to.getTime() - p.from.getTime()) / DAY;
