// The soak watcher's metrics, through the SDK's metric meter (the worker's Prometheus endpoint):
// how long each check evaluation takes and how it ended, and how many soaks this worker
// watches. Labels: service and region (never a version or a deploy id), and the outcome.
import type { MetricMeter } from '@temporalio/common';
import type { Check } from '../../src/domain/pipeline/schema.js';
import type { CheckProvider } from '../../src/domain/soak/provider.js';

/** ok: a value; no_data: an empty result; error: the source could not be read (or timed out). */
export type EvaluationOutcome = 'ok' | 'no_data' | 'error';

/** The providers, each evaluation timed into `firebreak_check_evaluation_seconds`. */
export function timedProviders(providerFor: (check: Check) => CheckProvider, meter: MetricMeter, now: () => number = () => performance.now()): (check: Check) => CheckProvider {
  const latency = meter.createHistogram('firebreak_check_evaluation_seconds', 'float', 's', 'check evaluations: how long each took, by outcome');
  const timed = new Map<CheckProvider, CheckProvider>();
  return (check) => {
    const provider = providerFor(check);
    let wrapped = timed.get(provider);
    if (!wrapped) {
      wrapped = {
        ...(provider.evaluateRange ? { evaluateRange: provider.evaluateRange.bind(provider) } : {}),
        async evaluate(c, target, opts) {
          const started = now();
          const tags = { service: target.service, region: target.region };
          try {
            const value = await provider.evaluate(c, target, opts);
            latency.record((now() - started) / 1000, { ...tags, outcome: value === null ? 'no_data' : 'ok' });
            return value;
          } catch (err) {
            // A cancelled soak is not a failing source.
            if (!opts?.signal?.aborted) latency.record((now() - started) / 1000, { ...tags, outcome: 'error' });
            throw err;
          }
        },
      };
      timed.set(provider, wrapped);
    }
    return wrapped;
  };
}

/** `firebreak_soak_watchers_active`: the soaks this worker's watcher holds now. */
export function soakingGauge(meter: MetricMeter): (count: number) => void {
  const gauge = meter.createGauge('firebreak_soak_watchers_active', 'int', undefined, "soaks this worker's soak watcher holds now");
  return (count) => gauge.set(count);
}
