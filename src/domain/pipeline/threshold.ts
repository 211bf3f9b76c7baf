// A check's threshold (max, min, http.equals) and the one rule that judges a value against it.
// The watcher fails regions by it; the renderers colour values by it, from the limits each
// check's status carries. Pure.
import type { Check } from './schema.js';

export type CheckValue = number | string | boolean | null;

/** The limits a check's value must keep, as the status carries them. */
export interface Threshold {
  min?: number;
  max?: number;
  equals?: CheckValue;
}

export function thresholdOf(check: Check): Threshold {
  const threshold: Threshold = {};
  if (check.min !== undefined) threshold.min = check.min;
  if (check.max !== undefined) threshold.max = check.max;
  if (check.http && check.http.equals !== undefined) threshold.equals = check.http.equals;
  // A command passes on exit code 0; any other value (a failing exit, with its output) breaches.
  if (check.command) threshold.equals = 0;
  // A kubernetes check keeps its own limits (maxRestarts, minReadyRatio): 0, or the breach in words.
  if (check.kubernetes) threshold.equals = 0;
  return threshold;
}

/** Does this (non-null) value break the threshold? */
export function breaches(threshold: Threshold, value: CheckValue): boolean {
  if (value === null) return false;
  if (threshold.equals !== undefined && value !== threshold.equals) return true;
  if (threshold.max === undefined && threshold.min === undefined) return false;
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  // A value that is not a number cannot be shown to be within max/min: it does not pass.
  if (!Number.isFinite(n)) return true;
  return (threshold.max !== undefined && n > threshold.max) || (threshold.min !== undefined && n < threshold.min);
}

/** The threshold in words, shown next to the value: "<= 0.01", ">= 5", "== true". */
export function thresholdText(threshold: Threshold): string {
  const parts: string[] = [];
  if (threshold.min !== undefined) parts.push(`>= ${threshold.min}`);
  if (threshold.max !== undefined) parts.push(`<= ${threshold.max}`);
  if (threshold.equals !== undefined) parts.push(`== ${JSON.stringify(threshold.equals)}`);
  return parts.join(' and ');
}
