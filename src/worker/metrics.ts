// The worker's Prometheus endpoint (`firebreak worker --metrics HOST:PORT`). It is the Temporal
// SDK's own exporter, installed with the Runtime: the SDK's metrics (pollers, task slots,
// latencies) and Firebreak's (emitted through the SDK's metric meters: the workflow's, which
// drops what a replay re-emits, and the activities') come out of one endpoint, one scrape.
import { Runtime, type RuntimeOptions } from '@temporalio/worker';

/** Buckets of Firebreak's histograms, in seconds (the SDK's defaults suit request latencies only). */
export const METRIC_BUCKETS: Record<string, number[]> = {
  firebreak_check_evaluation_seconds: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  firebreak_hold_duration_seconds: [10, 30, 60, 300, 900, 1800, 3600, 4 * 3600, 12 * 3600, 24 * 3600, 7 * 24 * 3600],
};

/** HOST:PORT, [IPv6]:PORT or :PORT (all interfaces); anything else is one line saying what is wrong. */
export function parseBindAddress(value: string): string {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):(\d{1,5})$/.exec(value.trim());
  if (!m || Number(m[2]) > 65535) {
    throw new Error(`--metrics: "${value}" is not HOST:PORT (e.g. --metrics 127.0.0.1:9464, or :9464 for every interface)`);
  }
  const host = m[1] === '' ? '0.0.0.0' : m[1] === 'localhost' ? '127.0.0.1' : m[1];
  return `${host}:${Number(m[2])}`;
}

/** The Runtime's telemetry: Prometheus on `bindAddress`, counters with `_total`, durations in seconds. */
export function metricsRuntimeOptions(bindAddress: string): RuntimeOptions {
  return {
    telemetryOptions: {
      metrics: {
        prometheus: { bindAddress, countersTotalSuffix: true, useSecondsForDurations: true, histogramBucketOverrides: METRIC_BUCKETS },
      },
    },
  };
}

/**
 * Installs the Runtime with the Prometheus exporter on `spec` (HOST:PORT). Must run before
 * anything creates the Runtime (a connection does). A port that is taken, or a Runtime
 * already made without metrics, is an error: a worker never runs without its metrics silently.
 */
export function installMetrics(spec: string, extra: RuntimeOptions = {}): string {
  const bindAddress = parseBindAddress(spec);
  try {
    Runtime.install({ ...extra, ...metricsRuntimeOptions(bindAddress) });
  } catch (err) {
    const msg = (err as Error).message;
    if (/address already in use|os error 98/i.test(msg)) {
      throw new Error(`--metrics: ${bindAddress} is already in use (another process listens there); choose another port`, { cause: err });
    }
    if (/address not available|cannot assign|os error 99/i.test(msg)) {
      throw new Error(`--metrics: cannot listen on ${bindAddress}: no such address on this machine`, { cause: err });
    }
    throw new Error(`--metrics: cannot serve metrics on ${bindAddress}: ${msg}`, { cause: err });
  }
  return bindAddress;
}
