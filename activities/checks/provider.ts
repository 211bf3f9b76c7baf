// A check provider turns one check into one observed value for one region. Judging the value
// against the check's threshold is separate (breaches), so every provider is judged alike.
import type { Check } from '../../src/pipeline/schema.js';
import type { Target } from '../target.js';

import type { CheckValue } from './value.js';

export type { CheckValue };

export interface EvaluateOptions {
  /** Aborted when the activity is cancelled. */
  signal?: AbortSignal;
  /** This evaluation's limit, when tighter than the provider's (a short soak interval). */
  timeoutMs?: number;
}

export interface CheckProvider {
  /**
   * The check's current value in target.region; null when there is no data (an empty
   * result). Throws when the source cannot be read: the watcher counts that as no data for
   * this evaluation, never as a breach and never as a good value.
   */
  evaluate(check: Check, target: Target, opts?: EvaluateOptions): Promise<CheckValue>;
}

/** Does this (non-null) value break the check's threshold? */
export function breaches(check: Check, value: CheckValue): boolean {
  if (value === null) return false;
  if (check.http && check.http.equals !== undefined && value !== check.http.equals) return true;
  if (check.max === undefined && check.min === undefined) return false;
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  // A value that is not a number cannot be shown to be within max/min: it does not pass.
  if (!Number.isFinite(n)) return true;
  return (check.max !== undefined && n > check.max) || (check.min !== undefined && n < check.min);
}

/** The threshold in words, shown next to the value: "<= 0.01", ">= 5", "== true". */
export function thresholdText(check: Check): string {
  const parts: string[] = [];
  if (check.min !== undefined) parts.push(`>= ${check.min}`);
  if (check.max !== undefined) parts.push(`<= ${check.max}`);
  if (check.http && check.http.equals !== undefined) parts.push(`== ${JSON.stringify(check.http.equals)}`);
  return parts.join(' and ');
}
