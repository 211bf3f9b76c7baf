// The soak ladder: the soak phase at growing sizes (10, 100, then BENCH_SOAKS), each on a fresh
// set of worker processes, on one dev server, simulator and Prometheus started for it. Its own
// server, so the earlier bench phases' histories do not weigh on it.
import { startDevServer } from '../server.js';
import { connectClient } from '../../client/connect.js';
import { startSimulator } from '../sim/server.js';
import { startPrometheus } from '../prometheus.js';
import { workflowBundle } from '../bundle.js';
import { runSoakPhase, type SoakPhase } from './soak-phase.js';
import { runPausedPhase, type PausedPhase } from './paused-phase.js';

export interface LadderOptions {
  sizes: number[];
  /** Worker processes for the largest size (the smaller ones run on one). */
  workers: number;
  soakS: number;
  intervalS: number;
  failAfter: number;
  minSamples: number;
  seed: number;
  /** Deploys paused at once in the paused phase (0: skip it), and the worker's cache size for it. */
  paused: number;
  pausedCache: number;
  /** Healthy soaks per deploy: the largest size runs once per entry, the others with the first. */
  regionsPerDeploy: number[];
  log: (line: string) => void;
}

export interface SoakBench {
  ladder: SoakPhase[];
  paused: PausedPhase | null;
  notes: string[];
}

const SCRAPE_S = 1;

export async function runSoakLadder(opts: LadderOptions): Promise<SoakBench> {
  const server = await startDevServer({ headless: true });
  const sim = await startSimulator({ port: 0, deploySeconds: 0.2 });
  const prometheus = await startPrometheus({ targets: [`127.0.0.1:${sim.port}`], scrapeInterval: `${SCRAPE_S}s` });
  const phases: SoakPhase[] = [];
  let paused: PausedPhase | null = null;
  const notes: string[] = [];
  try {
    const client = await connectClient({ address: server.address });
    const { codePath } = await workflowBundle();
    const largest = Math.max(...opts.sizes);
    const runs = opts.sizes.flatMap((soaks) => (soaks === largest ? opts.regionsPerDeploy : opts.regionsPerDeploy.slice(0, 1)).map((r) => [soaks, r] as const));
    for (const [soaks, regionsPerDeploy] of runs) {
      const workers = soaks === largest ? opts.workers : 1;
      opts.log(`soaks: ${soaks} on ${workers} worker${workers === 1 ? '' : 's'}, up to ${regionsPerDeploy} per deploy (${opts.soakS} s soaks, checks every ${opts.intervalS} s)...`);
      const phase = await runSoakPhase({
        client,
        address: server.address,
        simUrl: sim.url,
        prometheusUrl: prometheus.url,
        bundlePath: codePath,
        soaks,
        workers,
        soakS: opts.soakS,
        intervalS: opts.intervalS,
        failAfter: opts.failAfter,
        minSamples: opts.minSamples,
        scrapeS: SCRAPE_S,
        seed: opts.seed,
        regionsPerDeploy,
        processes: { server: server.process.pid, prometheus: prometheus.process.pid },
      });
      opts.log(
        `  ${phase.passed} passed, ${phase.extended} extended, ${phase.inconclusive} inconclusive, ${phase.breached} falsely breached of ${soaks - phase.faulted} healthy; ` +
          `${phase.detected}/${phase.faulted} faults rolled back; peak ${phase.concurrent} soaking in ${phase.deploys} deploys; RSS ${phase.rssMiB} MiB (heap ${phase.heapPeakMiB}); lag p99 ${phase.lagP99Ms} ms; ` +
          `detection p50 ${phase.detection.p50Ms} ms p99 ${phase.detection.p99Ms} ms (bound ${phase.detection.boundMs} ms); ` +
          `${phase.missedSamples} of ${phase.evaluations} evaluations without a sample; scrapes failed ${phase.scrapes.failed}, longest ${phase.scrapes.maxDurationS} s; ` +
          `CPU s ${Object.entries(phase.cpuS).map(([k, v]) => `${k} ${v}`).join(', ')}; ${phase.wallS.toFixed(0)} s`,
      );
      phases.push(phase);
    }
    if (opts.paused > 0) {
      opts.log(`paused: ${opts.paused} deploys paused at once on one worker caching ${opts.pausedCache} workflows...`);
      try {
        paused = await runPausedPhase({ client, address: server.address, simUrl: sim.url, prometheusUrl: prometheus.url, bundlePath: codePath, deploys: opts.paused, maxCachedWorkflows: opts.pausedCache });
        for (const f of [...paused.queryEvictedMs.failed, ...paused.queryCachedMs.failed].slice(0, 5)) notes.push(`paused phase: status query failed: ${f}`);
        opts.log(`  ${paused.paused} paused; after GC: heap ${paused.heapIdleMiB} MiB idle, ${paused.heapPausedMiB} MiB with them, RSS ${paused.rssIdleMiB} / ${paused.rssPausedMiB} MiB (peak ${paused.rssPeakMiB}); status query evicted p50 ${paused.queryEvictedMs.p50} ms, cached p50 ${paused.queryCachedMs.p50} ms`);
      } catch (err) {
        notes.push(`paused phase: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  } finally {
    await prometheus.stop();
    await sim.close();
    await server.stop();
  }
  return { ladder: phases, paused, notes };
}
