// A check provider turns one check into one observed value for one region. Judging the value
// against the check's threshold is separate (breaches), so every provider is judged alike.
import type { Check } from '../pipeline/schema.js';
import { breaches as breachesThreshold, thresholdOf, thresholdText as textOf, type CheckValue } from '../pipeline/threshold.js';
import type { Target } from '../target.js';

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
  /**
   * The check's values in target.region over a past window, one per step (a compare against
   * `before`). Only sources with history have it (Prometheus).
   */
  evaluateRange?(check: Check, target: Target, range: TimeRange, opts?: EvaluateOptions): Promise<number[]>;
}

/** A window of the past, epoch ms. */
export interface TimeRange {
  start: number;
  end: number;
  stepMs: number;
}

/** Does this (non-null) value break the check's threshold? */
export function breaches(check: Check, value: CheckValue): boolean {
  return breachesThreshold(thresholdOf(check), value);
}

/** The threshold in words, shown next to the value: "<= 0.01", ">= 5", "== true". */
export function thresholdText(check: Check): string {
  return textOf(thresholdOf(check));
}
