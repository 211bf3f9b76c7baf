// The soak phases as Markdown tables, and the ladder as a chart (docs/benchmarks.md; bench.ts
// writes it with --plot FILE.svg, its numbers beside it in data/).
import type { Chart } from '../chart.js';
import type { PausedPhase } from './paused-phase.js';
import type { SoakPhase } from './soak-phase.js';

const ms = (x: number | null) => (x === null || !Number.isFinite(x) ? 'n/a' : `${(x / 1000).toFixed(1)} s`);

export function soakTable(ladder: SoakPhase[]): string {
  const head =
    '| soaks (workers, deploys) | peak soaking | healthy passed | extended | inconclusive | falsely breached | faults rolled back | worker RSS peak (heap) | evaluation lag p50 / p99 / max | detection p50 / p99 (bound) | heartbeats per soak-minute | start of all deploys |\n' +
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |';
  const rows = ladder.map(
    (p) =>
      `| ${p.soaks} (${p.workers}, ${p.deploys}) | ${p.concurrent} | ${p.passed} of ${p.soaks - p.faulted} | ${p.extended} | ${p.inconclusive} | ${p.breached} | ${p.detected} of ${p.faulted} | ${p.rssPerWorkerMiB.map((r) => `${Math.round(r)} MiB`).join(' + ')} (${Math.round(p.heapPeakMiB)}) | ${p.lagP50Ms} / ${p.lagP99Ms} / ${p.lagMaxMs} ms | ${ms(p.detection.p50Ms)} / ${ms(p.detection.p99Ms)} (${ms(p.detection.boundMs)}) | ${p.heartbeatsPerSoakPerMin.toFixed(1)} | ${p.startS.toFixed(1)} s |`,
  );
  return [head, ...rows].join('\n');
}

export function pausedTable(p: PausedPhase): string {
  return [
    '| paused deploys | worker cache | worker heap after GC: idle / with them paused | worker RSS: idle / paused / peak | status query, evicted (p50 / max) | status query, cached (p50 / max) |',
    '| --- | --- | --- | --- | --- | --- |',
    `| ${p.paused} of ${p.deploys} | ${p.maxCachedWorkflows} workflows | ${Math.round(p.heapIdleMiB)} / ${Math.round(p.heapPausedMiB)} MiB | ${Math.round(p.rssIdleMiB)} / ${Math.round(p.rssPausedMiB)} / ${Math.round(p.rssPeakMiB)} MiB | ${p.queryEvictedMs.p50} / ${p.queryEvictedMs.max} ms (${p.queryEvictedMs.n} answered, ${p.queryEvictedMs.failed.length} failed) | ${p.queryCachedMs.p50} / ${p.queryCachedMs.max} ms (${p.queryCachedMs.n} answered, ${p.queryCachedMs.failed.length} failed) |`,
  ].join('\n');
}

/**
 * Detection latency (p50, p99, its bound) and evaluation lag p99 against concurrent soaks, in
 * seconds, log x; the ladder's first shape only (one point per size). A series with no value
 * (no fault detected) is left out.
 */
export function soakPlot(all: SoakPhase[], subtitle: string): Chart {
  const ladder = all.filter((p) => p.regionsPerDeploy === all[0].regionsPerDeploy && p.workers === all[0].workers);
  const at = (f: (p: SoakPhase) => number | null) =>
    ladder.flatMap((p) => {
      const ms = f(p);
      return ms === null || !Number.isFinite(ms) ? [] : [{ x: p.soaks, y: ms / 1000 }];
    });
  const series = [
    { name: 'detection p50', points: at((p) => p.detection.p50Ms) },
    { name: 'detection p99', points: at((p) => p.detection.p99Ms) },
    { name: 'bound', points: at((p) => p.detection.boundMs) },
    { name: 'evaluation lag p99', points: at((p) => p.lagP99Ms) },
  ];
  return {
    title: 'Detection and evaluation lag',
    subtitle,
    x: { title: 'concurrent soaks', log: true },
    y: { title: 'time', unit: 's', min: 0 },
    series: series.filter((s) => s.points.length > 0),
  };
}
