// One reading of a region's checks, reported and never judged as a gate: what a rollback shows
// after each region is back (workflows/service-rollback.ts). A check that cannot be read is
// "no data" with its reason, never a pass.
import type { Check } from '../../src/domain/pipeline/schema.js';
import { breaches, thresholdText, type CheckProvider } from '../../src/domain/soak/provider.js';
import { thresholdOf } from '../../src/domain/pipeline/threshold.js';
import type { CheckStatus } from '../../src/domain/status.js';
import type { Target } from '../../src/domain/target.js';

export interface ReadChecksInput {
  checks: Check[];
  target: Target;
}

/** How long one reading may take: a rollback does not wait on a slow source. */
const READ_TIMEOUT_MS = 10_000;

export async function readChecksOnce(providerFor: (check: Check) => CheckProvider, { checks, target }: ReadChecksInput, signal?: AbortSignal): Promise<CheckStatus[]> {
  return Promise.all(
    checks.map(async (check): Promise<CheckStatus> => {
      let value: CheckStatus['value'] = null;
      try {
        value = await providerFor(check).evaluate(check, target, { signal, timeoutMs: READ_TIMEOUT_MS });
      } catch {
        value = null; // unreadable: no data, shown as such
      }
      return {
        name: check.name,
        value,
        samples: value === null ? 0 : 1,
        breaches: value !== null && breaches(check, value) ? 1 : 0,
        threshold: thresholdText(check),
        limits: thresholdOf(check),
      };
    }),
  );
}
