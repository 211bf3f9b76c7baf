// What one bench phase (Firebreak's deploys, or the bare chains) measured, in the same terms for
// both so their ratio means something.
import type { WorkflowHandle } from '@temporalio/client';
import { historyOf } from './history.js';
import { hopLatencies, mean, percentile } from './hops.js';

export interface PhaseFigures {
  /** Region-stages of the workflows that succeeded. */
  regionStages: number;
  /** From the phase's start to the last success's close (server time), seconds. */
  wallS?: number;
  /** Region-stages per second over wallS. */
  throughput?: number;
  hopP50Ms: number;
  hopP99Ms: number;
  hops: number;
  eventsPerRegionStage: number;
  /** User + system CPU of the whole bench process over the phase, per region-stage. */
  cpuSPerRegionStage: number;
  rssPeakMiB: number;
  rssBeforeMiB: number;
  /** Histories that could not be read (bounded by the caller's deadline). */
  unread: number;
}

export interface Succeeded {
  handle: WorkflowHandle;
  closeTime?: Date;
}

/** Reads the succeeded workflows' histories and puts the phase's figures together. */
export async function phaseFigures(opts: {
  succeeded: Succeeded[];
  regions: number;
  startedAt: number;
  cpuUs: number;
  rssPeak: number;
  rssBefore: number;
  activities: ReadonlySet<string>;
  bounded: <R>(ms: number, fn: () => Promise<R>) => Promise<R>;
}): Promise<PhaseFigures> {
  const { succeeded, regions } = opts;
  const hops: number[] = [];
  const perStage: number[] = [];
  let unread = 0;
  await Promise.all(
    succeeded.map(async (s) => {
      try {
        const h = await opts.bounded(30_000, () => historyOf(s.handle));
        hops.push(...hopLatencies(h.events, opts.activities));
        perStage.push(h.length / regions);
      } catch {
        unread++;
      }
    }),
  );
  const regionStages = succeeded.length * regions;
  const closes = succeeded.map((s) => s.closeTime?.getTime()).filter((x): x is number => x !== undefined);
  const wallS = closes.length ? (Math.max(...closes) - opts.startedAt) / 1000 : undefined;
  return {
    regionStages,
    wallS,
    throughput: wallS ? regionStages / wallS : undefined,
    hopP50Ms: percentile(hops, 50),
    hopP99Ms: percentile(hops, 99),
    hops: hops.length,
    eventsPerRegionStage: mean(perStage),
    cpuSPerRegionStage: regionStages ? opts.cpuUs / 1e6 / regionStages : NaN,
    rssPeakMiB: Math.round(opts.rssPeak / 1024 / 1024),
    rssBeforeMiB: Math.round(opts.rssBefore / 1024 / 1024),
    unread,
  };
}
