// The soak phases as Markdown tables, and the ladder as a PNG plot (docs/benchmarks.md).
import type { PausedPhase } from './paused-phase.js';
import type { SoakPhase } from './soak-phase.js';

const ms = (x: number | null) => (x === null || !Number.isFinite(x) ? 'n/a' : `${(x / 1000).toFixed(1)} s`);

export function soakTable(ladder: SoakPhase[]): string {
  const head =
    '| soaks (workers) | peak soaking | healthy passed | extended | inconclusive | falsely breached | faults rolled back | worker RSS peak | evaluation lag p50 / p99 / max | detection p50 / p99 (bound) | heartbeats per soak-minute | start of all deploys |\n' +
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |';
  const rows = ladder.map(
    (p) =>
      `| ${p.soaks} (${p.workers}) | ${p.concurrent} | ${p.passed} of ${p.soaks - p.faulted} | ${p.extended} | ${p.inconclusive} | ${p.breached} | ${p.detected} of ${p.faulted} | ${p.rssPerWorkerMiB.map((r) => `${Math.round(r)} MiB`).join(' + ')} | ${p.lagP50Ms} / ${p.lagP99Ms} / ${p.lagMaxMs} ms | ${ms(p.detection.p50Ms)} / ${ms(p.detection.p99Ms)} (${ms(p.detection.boundMs)}) | ${p.heartbeatsPerSoakPerMin.toFixed(1)} | ${p.startS.toFixed(1)} s |`,
  );
  return [head, ...rows].join('\n');
}

export function pausedTable(p: PausedPhase): string {
  return [
    '| paused deploys | worker cache | worker RSS idle | worker RSS with them paused | status query, evicted (p50 / max) | status query, cached (p50 / max) |',
    '| --- | --- | --- | --- | --- | --- |',
    `| ${p.paused} of ${p.deploys} | ${p.maxCachedWorkflows} workflows | ${Math.round(p.rssIdleMiB)} MiB | ${Math.round(p.rssPausedMiB)} MiB | ${p.queryEvictedMs.p50} / ${p.queryEvictedMs.max} ms | ${p.queryCachedMs.p50} / ${p.queryCachedMs.max} ms |`,
  ].join('\n');
}

export function soakPlot(_ladder: SoakPhase[]): Buffer {
  throw new Error('the plot module is not in yet');
}
