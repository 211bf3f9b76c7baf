// The heartbeat details of a soak watch (WatchTally), recognised: the watch resumes from them
// after a lost worker, and the CLI reads them to show live check values. Pure.
import type { CheckStatus } from '../status.js';
import type { WatchTally } from './types.js';

export function isTally(x: unknown): x is WatchTally {
  if (!x || typeof x !== 'object') return false;
  const t = x as Partial<WatchTally>;
  return (
    typeof t.evaluations === 'number' &&
    !!t.consecutive &&
    typeof t.consecutive === 'object' &&
    Array.isArray(t.checks) &&
    t.checks.every(
      (c: Partial<CheckStatus>) => c && typeof c.name === 'string' && typeof c.samples === 'number' && typeof c.breaches === 'number',
    )
  );
}
