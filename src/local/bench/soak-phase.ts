// The bench's soak phase (docs/benchmarks.md): N region-stages soaking at once on W worker processes,
// against the real simulator and Prometheus. Each soak is a one-region deploy (60 s soak, a
// Prometheus error-rate check every 5 s, failAfter 2). A few of them get a fault injected
// mid-soak, at a seeded moment: the time from the injection to the rollback's deploy call
// arriving at the simulator is the detection latency. The rest are healthy and must pass:
// none inconclusive, none extended for missing samples, none falsely breached.
//
// The worker processes report their RSS and their soak watcher's stats every second
// (soak-worker.ts); the phase keeps each one's peak. It ends by its own deadline, terminates
// whatever is still open, and never waits forever.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { parsePipeline } from '../../domain/pipeline/load.js';
import { plan } from '../../domain/pipeline/plan.js';
import { startDeploy } from '../../client/start.js';
import type { DeployHandle } from '../../client/workflow.js';
import { pipelineYaml } from '../pipelines.js';
import { statusQuery, type DeployStatus } from '../../../workflows/messages.js';
import type { WatcherStats } from '../../../activities/checks/watcher.js';
import { percentile } from './hops.js';
import { cpuSeconds } from './cpu.js';

const WORKER_SCRIPT = fileURLToPath(new URL('./soak-worker.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export interface SoakPhaseOptions {
  client: Client;
  address: string;
  simUrl: string;
  prometheusUrl: string;
  bundlePath: string;
  soaks: number;
  workers: number;
  soakS: number;
  intervalS: number;
  failAfter: number;
  minSamples: number;
  scrapeS: number;
  seed: number;
  /** Healthy soaks per deploy, in one wave (1: one deploy per soak). */
  regionsPerDeploy: number;
  /** Other processes whose CPU the phase reports (the server, Prometheus). */
  processes: Record<string, number | undefined>;
}

export interface SoakPhase {
  soaks: number;
  workers: number;
  regionsPerDeploy: number;
  deploys: number;
  faulted: number;
  /** The most soaks held at once, summed over the workers. */
  concurrent: number;
  passed: number;
  extended: number;
  inconclusive: number;
  /** Healthy soaks that breached (false breaches). */
  breached: number;
  /** Healthy soaks that ended otherwise, or were still open at the deadline. */
  other: string[];
  detected: number;
  missed: string[];
  /** The highest worker RSS seen, MiB; and each worker's. */
  rssMiB: number;
  rssPerWorkerMiB: number[];
  heapPeakMiB: number;
  lagP50Ms: number;
  lagP99Ms: number;
  lagMaxMs: number;
  heartbeatsPerSoakPerMin: number;
  /** Check evaluations that brought no sample, over all evaluations. */
  missedSamples: number;
  evaluations: number;
  /** Prometheus's own view of its scrapes of the simulator during the phase. */
  scrapes: { failed: number | null; maxDurationS: number | null };
  /** CPU seconds used during the phase, per process: where the cores went. */
  cpuS: Record<string, number | null>;
  detection: { n: number; p50Ms: number | null; p99Ms: number | null; maxMs: number | null; boundMs: number; samplesMs: number[] };
  startS: number;
  wallS: number;
}

interface WorkerReport {
  rssMiB: number;
  heapMiB: number;
  watcher: WatcherStats | null;
}

export interface SoakWorker {
  child: ChildProcess;
  peakRss: number;
  peakHeap: number;
  peakSoaking: number;
  first?: WorkerReport;
  last?: WorkerReport;
  exited: Promise<void>;
}

/** A small seeded PRNG (mulberry32): the fault moments replay with the seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type WorkerPlace = Pick<SoakPhaseOptions, 'address' | 'bundlePath' | 'simUrl' | 'prometheusUrl'>;

/** A worker process (soak-worker.ts) on `taskQueue`; its reports update the returned object. */
export async function startWorker(opts: WorkerPlace, taskQueue: string, env: NodeJS.ProcessEnv = {}): Promise<SoakWorker> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', WORKER_SCRIPT], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TEMPORAL_ADDRESS: opts.address, TEMPORAL_NAMESPACE: 'default', TASK_QUEUE: taskQueue, WORKFLOW_BUNDLE: opts.bundlePath, FIREBREAK_SIM_URL: opts.simUrl, PROMETHEUS_URL: opts.prometheusUrl, ...env },
  });
  const w: SoakWorker = { child, peakRss: 0, peakHeap: 0, peakSoaking: 0, exited: new Promise((r) => child.once('exit', () => r())) };
  process.once('exit', () => child.kill('SIGKILL'));
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`soak worker not ready after 60 s: ${err}`)), 60_000);
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line === 'ready') {
          clearTimeout(timer);
          resolve();
          continue;
        }
        try {
          const r = JSON.parse(line) as WorkerReport;
          w.first ??= r;
          w.last = r;
          w.peakRss = Math.max(w.peakRss, r.rssMiB);
          w.peakHeap = Math.max(w.peakHeap, r.heapMiB);
          w.peakSoaking = Math.max(w.peakSoaking, r.watcher?.soaking ?? 0);
        } catch {
          // a log line, not a report
        }
      }
    });
    void w.exited.then(() => reject(new Error(`soak worker exited before ready: ${err}`)));
  });
  return w;
}

/** Runs `fn` over items with at most `n` at once. */
export async function pool<T>(items: T[], n: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Deploy {
  service: string;
  regions: string[];
  faulted: boolean;
  handle?: DeployHandle;
  result?: DeployStatus;
  injectedAt?: number;
}

/** Failed scrapes and the longest scrape over the last `seconds`, from Prometheus itself. */
async function scrapeHealth(url: string, seconds: number): Promise<SoakPhase['scrapes']> {
  const range = `${Math.ceil(seconds)}s`;
  const one = async (q: string) => {
    try {
      const res = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as { data?: { result?: { value: [number, string] }[] } };
      const v = res.data?.result?.[0]?.value[1];
      return v === undefined ? null : Number(v);
    } catch {
      return null;
    }
  };
  return {
    failed: await one(`sum(count_over_time(up[${range}]) - sum_over_time(up[${range}]))`),
    maxDurationS: await one(`max(max_over_time(scrape_duration_seconds[${range}]))`),
  };
}

export async function runSoakPhase(opts: SoakPhaseOptions): Promise<SoakPhase> {
  const { client, soaks: N } = opts;
  const R = Math.max(1, opts.regionsPerDeploy);
  const taskQueue = `bench-soak-${N}-${opts.workers}-${R}`;
  const prefix = `soak${N}w${opts.workers}r${R}`;
  // Faults in about 2 % of the soaks, at least 3: each a one-region deploy of its own, so its
  // rollback and pause touch no healthy soak. The healthy soaks are deploys of R regions in
  // one wave (R = 1: one deploy per soak, the worst case for the worker's workflow cache).
  const faultedCount = Math.min(N, Math.max(3, Math.ceil(N / 50)));
  const healthyCount = N - faultedCount;
  const deploys: Deploy[] = [];
  for (let k = 0; k < faultedCount; k++) deploys.push({ service: `${prefix}-bad-${k}`, regions: ['r0'], faulted: true });
  for (let d = 0; d * R < healthyCount; d++) {
    const n = Math.min(R, healthyCount - d * R);
    deploys.push({ service: `${prefix}-${d}`, regions: Array.from({ length: n }, (_, j) => `r${j}`), faulted: false });
  }
  // Faulted deploys spread over the start order.
  const order = [...deploys.filter((d) => !d.faulted)];
  deploys.filter((d) => d.faulted).forEach((d, k) => order.splice(Math.floor(((k + 0.5) * order.length) / faultedCount) + k, 0, d));
  const random = prng(opts.seed + N);

  const workers = await Promise.all(Array.from({ length: opts.workers }, () => startWorker(opts, taskQueue)));
  const others = { ...opts.processes, bench: process.pid };
  const cpu0 = Object.fromEntries(Object.entries(others).map(([k, pid]) => [k, cpuSeconds(pid)]));
  const workerCpu0 = workers.map((w) => cpuSeconds(w.child.pid));
  const cpuS: Record<string, number | null> = {};
  const t0 = Date.now();
  let startS = 0;
  try {
    // Every region runs 1.0.0 and serves traffic before its deploy: the rate windows are full.
    await pool(
      order.flatMap((d) => d.regions.map((r) => [d.service, r] as const)),
      50,
      async ([service, region]) => {
        await fetch(`${opts.simUrl}/services/${service}/regions/${region}/deployments`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ version: '1.0.0', deployId: `seed-${service}` }),
        });
      },
    );
    await sleep((opts.scrapeS * 3 + 1) * 1000);

    const planOf = (d: Deploy) =>
      plan(
        parsePipeline(
          pipelineYaml({
            service: d.service,
            regions: d.regions.map((r) => [r, 1000]),
            waves: [d.regions],
            soak: `${opts.soakS}s`,
            interval: `${opts.intervalS}s`,
            failAfter: opts.failAfter,
            minSamples: opts.minSamples,
            checks: 'prometheus',
          }),
        ).pipeline,
        '2.0.0',
      );
    const startedAt = Date.now();
    await pool(order, 50, async (d) => {
      d.handle = (await startDeploy(client, { plan: planOf(d), taskQueue, previous: '1.0.0', startedBy: 'bench' })).handle;
    });
    startS = (Date.now() - startedAt) / 1000;

    // The faults: each at a seeded moment 15 s into its soak or later, well before its end.
    const latest = Math.max(15, opts.soakS - opts.intervalS * opts.failAfter - 15);
    const injecting = order
      .filter((d) => d.faulted)
      .map(async (d) => {
        const offsetMs = (15 + random() * (latest - 15)) * 1000;
        for (;;) {
          const s = await d.handle!.query(statusQuery).catch(() => undefined);
          const at = s?.stages[0].regions[0].soakStartedAt;
          if (at) {
            await sleep(Math.max(0, Date.parse(at) + offsetMs - Date.now()));
            d.injectedAt = Date.now();
            await fetch(`${opts.simUrl}/faults`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ service: d.service, region: 'r0', version: '2.0.0', errorRate: 0.5 }),
            });
            return;
          }
          if (s && s.phase !== 'running') return;
          await sleep(500);
        }
      });

    // Each deploy's end (a long poll). Paused deploys never end by themselves: once the soaks
    // are over, the open ones are looked at. The phase's deadline: a soak and its longest
    // extension, plus two minutes for a busy machine.
    const deadline = Date.now() + (opts.soakS * 1.5 + 120) * 1000;
    await Promise.race([
      Promise.all([
        ...injecting,
        ...order.map((d) =>
          d.handle!.result().then(
            (s) => void (d.result = s),
            () => undefined,
          ),
        ),
      ]),
      sleep(Math.max(0, deadline - Date.now())),
      (async () => {
        await sleep((opts.soakS + 5) * 1000);
        while (Date.now() < deadline) {
          const open = order.filter((d) => !d.result);
          if (open.length === 0) return;
          await pool(open, 20, async (d) => {
            const s = await d.handle!.query(statusQuery).catch(() => undefined);
            if (s && s.phase === 'paused') d.result = s;
          });
          if (order.every((d) => d.result)) return;
          await sleep(5000);
        }
      })(),
    ]);
  } finally {
    for (const [k, pid] of Object.entries(others)) {
      const now = cpuSeconds(pid);
      cpuS[k] = now === null || cpu0[k] === null ? null : Math.round((now - cpu0[k]!) * 10) / 10;
    }
    workers.forEach((w, i) => {
      const now = cpuSeconds(w.child.pid);
      cpuS[`worker ${i + 1}`] = now === null || workerCpu0[i] === null ? null : Math.round((now - workerCpu0[i]!) * 10) / 10;
    });
    // Leave nothing open, and no worker behind.
    await pool(order, 50, async (d) => {
      if (!d.handle || d.result?.phase === 'succeeded') return;
      await d.handle.terminate('bench: soak phase over').catch(() => undefined);
    });
    for (const w of workers) w.child.kill('SIGTERM');
    await Promise.race([Promise.all(workers.map((w) => w.exited)), sleep(15_000)]);
    for (const w of workers) w.child.kill('SIGKILL');
    await fetch(`${opts.simUrl}/faults`, { method: 'DELETE' }).catch(() => undefined);
  }

  // Detection: from the injection to the rollback's deploy call at the simulator.
  const log = (await (await fetch(`${opts.simUrl}/deployments`)).json()) as { at: string; service: string; version: string }[];
  const detectionMs: number[] = [];
  const missed: string[] = [];
  for (const d of order.filter((x) => x.faulted)) {
    const at = d.injectedAt;
    const rollback = at === undefined ? undefined : log.find((e) => e.service === d.service && e.version === '1.0.0' && Date.parse(e.at) >= at);
    if (at !== undefined && rollback) detectionMs.push(Date.parse(rollback.at) - at);
    else missed.push(`${d.service}: ${at === undefined ? 'no fault injected (the soak never started)' : `no rollback (${d.result?.phase ?? 'still open'})`}`);
  }

  let passed = 0;
  let extended = 0;
  let inconclusive = 0;
  let breached = 0;
  const other: string[] = [];
  for (const d of order.filter((x) => !x.faulted)) {
    const s = d.result;
    for (const region of d.regions) {
      const state = s?.stages.flatMap((st) => st.regions).find((r) => r.name === region)?.state;
      const about = (kind: string) => s?.events.some((e) => e.kind === kind && e.region === region);
      if (about('breach')) breached++;
      else if (about('inconclusive')) inconclusive++;
      else if (state === 'promoted') {
        passed++;
        if (about('soak_extended')) extended++;
      } else other.push(`${d.service}/${region}: ${s ? `phase ${s.phase}, ${state}` : 'still open at the deadline'}`);
    }
  }

  const stats = workers.map((w) => w.last?.watcher).filter((x): x is WatcherStats => !!x);
  const wallS = (Date.now() - t0) / 1000;
  const heartbeats = stats.reduce((a, x) => a + x.heartbeats, 0);
  const sorted = [...detectionMs].sort((a, b) => a - b);
  return {
    soaks: N,
    workers: opts.workers,
    regionsPerDeploy: R,
    deploys: deploys.length,
    faulted: faultedCount,
    concurrent: workers.reduce((a, w) => a + w.peakSoaking, 0),
    passed,
    extended,
    inconclusive,
    breached,
    other,
    detected: detectionMs.length,
    missed,
    rssMiB: Math.max(...workers.map((w) => w.peakRss)),
    rssPerWorkerMiB: workers.map((w) => w.peakRss),
    heapPeakMiB: Math.max(...workers.map((w) => w.peakHeap)),
    // Each worker's percentiles over its own evaluations; the worst worker's is reported.
    lagP50Ms: Math.max(0, ...stats.map((x) => x.lagP50Ms)),
    lagP99Ms: Math.max(0, ...stats.map((x) => x.lagP99Ms)),
    lagMaxMs: Math.max(0, ...stats.map((x) => x.lagMaxMs)),
    heartbeatsPerSoakPerMin: N ? heartbeats / N / (wallS / 60) : 0,
    missedSamples: stats.reduce((a, x) => a + x.missedSamples, 0),
    evaluations: stats.reduce((a, x) => a + x.evaluations, 0),
    scrapes: await scrapeHealth(opts.prometheusUrl, wallS),
    cpuS,
    detection: {
      n: sorted.length,
      p50Ms: sorted.length ? percentile(sorted, 50) : null,
      p99Ms: sorted.length ? percentile(sorted, 99) : null,
      maxMs: sorted.length ? sorted[sorted.length - 1] : null,
      boundMs: (opts.intervalS * opts.failAfter + opts.scrapeS + 1) * 1000,
      samplesMs: detectionMs,
    },
    startS,
    wallS,
  };
}
