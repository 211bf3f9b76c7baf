// A check's observed value, and how an operator reads it. Pure: the CLI's renderers use the
// same formatting as the watcher's verdict reasons.

import type { CheckValue } from '../pipeline/threshold.js';

export type { CheckValue };

/** A value as an operator reads it: 0.012345678 -> "0.01235", true -> "true", null -> "no data". */
export function formatValue(value: CheckValue | undefined): string {
  if (value === null || value === undefined) return 'no data';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
