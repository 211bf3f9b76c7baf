// How Firebreak writes numbers, times and checks for people: the CLI's renderings and the
// workflow's Web UI details both use these. Pure and deterministic (the workflow sandbox runs
// them): no locale, no clock; a time is only ever formatted, never read.
import type { CheckValue, Threshold } from './pipeline/threshold.js';
import { breaches } from './pipeline/threshold.js';
import type { CheckStatus } from './status.js';

/** Significant digits of any measured value shown: more is noise to a reader. */
export const SIGNIFICANT_DIGITS = 4;

/** A number at 4 significant digits, as short as it reads: 0.0009999999999999996 -> "0.001". */
export function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return String(Number(n.toPrecision(SIGNIFICANT_DIGITS)));
}

/** A value as an operator reads it: 0.012345678 -> "0.01235", true -> "true", null -> "no data". */
export function formatValue(value: CheckValue | undefined): string {
  if (value === null || value === undefined) return 'no data';
  if (typeof value === 'number') return formatNumber(value);
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** A count, exact, with thousands separators: 1350000 -> "1,350,000" (the same on every machine). */
export function count(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const sign = n < 0 ? '-' : '';
  const digits = String(Math.round(Math.abs(n)));
  if (/e/i.test(digits)) return sign + digits;
  return sign + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A share of a whole as a percentage, at most 3 significant digits: "0.246%", "12.5%", "100%". */
export function percent(part: number, whole: number): string {
  if (!(whole > 0)) return '0%';
  const p = (100 * part) / whole;
  return `${p === 0 ? 0 : Number(p.toPrecision(3))}%`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

// --- time ---

/** HH:MM:SS of an ISO time, in UTC (the time of every event; logs and history agree). */
export function clock(at: string | number | Date): string {
  const d = at instanceof Date ? at : new Date(at);
  if (Number.isNaN(d.getTime())) return '--:--:--';
  return d.toISOString().slice(11, 19);
}

/** "2026-11-27 15:50:00 UTC". */
export function dateTime(at: string | number | Date): string {
  const d = at instanceof Date ? at : new Date(at);
  if (Number.isNaN(d.getTime())) return String(at);
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A span as people say it: 45s, 12m30s, 1h05m, 2d3h. Never negative. */
export function span(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h}h${String(m % 60).padStart(2, '0')}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d${h % 24}h` : `${d}d`;
}

// --- checks ---

export type CheckJudgement = 'ok' | 'breach' | 'no_data' | 'unknown';

/**
 * The latest value judged by the watcher's own rule against the limits it carries. Only for
 * colour and the ok/BREACH word: the watcher's tally is the authority. Statuses from before
 * checks carried their limits are `unknown`.
 */
export function judge(check: Pick<CheckStatus, 'value' | 'limits'>): CheckJudgement {
  const { value, limits } = check;
  if (value === null || value === undefined) return 'no_data';
  if (!limits) return 'unknown';
  return breaches(limits, value) ? 'breach' : 'ok';
}

/** The limit a value broke, as it broke it: "> 0.05", "< 5", "!= true". */
function brokenLimit(limits: Threshold, value: CheckValue): string | undefined {
  if (limits.equals !== undefined && value !== limits.equals) return `!= ${formatValue(limits.equals)}`;
  const n = typeof value === 'number' ? value : Number(value);
  if (limits.max !== undefined && !(n <= limits.max)) return `> ${formatNumber(limits.max)}`;
  if (limits.min !== undefined && !(n >= limits.min)) return `< ${formatNumber(limits.min)}`;
  return undefined;
}

/** The threshold in words with its numbers formatted: "<= 0.05", ">= 5 and <= 10". */
export function limitsText(limits: Threshold): string {
  const parts: string[] = [];
  if (limits.min !== undefined) parts.push(`>= ${formatNumber(limits.min)}`);
  if (limits.max !== undefined) parts.push(`<= ${formatNumber(limits.max)}`);
  if (limits.equals !== undefined) parts.push(`== ${formatValue(limits.equals)}`);
  return parts.join(' and ');
}

/** A check in one line: "error-rate 0.105 > 0.05 BREACH (2 samples)", "error-rate 0.001 <= 0.05 ok (4 samples)". */
export function checkText(c: Pick<CheckStatus, 'name' | 'value' | 'limits' | 'threshold' | 'samples'>): string {
  const verdict = judge(c);
  const broken = verdict === 'breach' && c.limits && c.value !== null ? brokenLimit(c.limits, c.value) : undefined;
  const limit = broken ?? (c.limits ? limitsText(c.limits) : (c.threshold ?? ''));
  const word = verdict === 'ok' ? 'ok' : verdict === 'breach' ? 'BREACH' : verdict === 'no_data' ? 'NODATA' : '';
  return [c.name, formatValue(c.value), limit, word, `(${plural(c.samples, 'sample')})`].filter(Boolean).join(' ');
}
