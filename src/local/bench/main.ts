// `npm run bench [-- --json FILE]`: speed and memory, measured (never asserted in tests).
//   1. pipeline: load + validate + plan + lint of a 50-region pipeline (the schema's maximum)
//   2. bare: N concurrent bare Temporal chains of R region-stages (deploy and watch activity
//      hops, nothing between them: src/local/bench/bare-workflow.ts) on the same server, with the
//      same worker settings, on their own worker and task queue.
//   3. deploys: N concurrent deploys of R regions each on the real dev server + simulator,
//      one worker: wall time, per-region overhead beyond the soak, history events per
//      region-stage, worker heap and RSS, CPU seconds per region-stage.
//   Then the ratios Firebreak ÷ bare: throughput (region-stages per second) and hop latency
//   (p50, p99; a hop is from an activity's completion to the next activity's start).
// The bench never waits on a deploy that cannot finish by itself. It watches each deploy with
// its result (a long poll) and a visibility query on its FirebreakPhase search attribute, neither
// of which loads the worker: a deploy that pauses (phase `paused`, e.g. a gate left
// inconclusive) is counted as paused and no longer waited for, and the whole deploy
// section ends by its own deadline; deploys still running then are reported as stuck. At the
// end every still-open bench workflow is terminated, so the server shuts down cleanly, and the
// bench exits 0 with its report. Timing and events are computed over succeeded deploys only.
// Results print as a Markdown table; docs/benchmarks.md records a run.
//
// Environment: BENCH_DEPLOYS (20), BENCH_REGIONS (5), BENCH_SOAK_S (2), BENCH_MIN_SAMPLES (2:
// the gate's minSamples; set it above what a soak can collect to make every deploy pause),
// BENCH_DEADLINE_S (derived, see deadlineDefault).
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { parsePipeline } from '../../domain/pipeline/load.js';
import { plan } from '../../domain/pipeline/plan.js';
import { lint } from '../../domain/pipeline/lint.js';
import { startDevServer } from '../server.js';
import { connectClient, connectWorkerConnection } from '../../client/connect.js';
import { startSimulator } from '../sim/server.js';
import { startDeploy } from '../../client/start.js';
import { createActivities } from '../../../activities/index.js';
import { createUndoActivities } from '../../worker/undo-activities.js';
import { WORKFLOW_INTERCEPTOR_MODULES, WORKFLOWS_PATH } from '../../worker/run.js';
import { pipelineYaml } from '../pipelines.js';
import { statusQuery, type DeployStatus } from '../../../workflows/messages.js';
import type { DeployHandle } from '../../client/workflow.js';
import { runBarePhase, type BarePhase } from './bare-phase.js';
import { ratio } from './hops.js';
import { phaseFigures, type PhaseFigures } from './phase.js';
import { BENCH_WORKER_SETTINGS } from './worker-settings.js';
import { runSoakLadder, type SoakBench } from './soak-ladder.js';
import { pausedTable, soakPlot, soakTable } from './soak-report.js';
import { dataFileFor, writePlot } from '../chart.js';

function envNumber(name: string, fallback: number, integer = false): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    console.error(`bench: ${name}=${raw} is not a positive ${integer ? 'integer' : 'number'}`);
    process.exit(2);
  }
  return n;
}

function fileArg(argv: string[], flag: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === flag) {
      const file = argv[i + 1];
      if (!file || file.startsWith('--')) {
        console.error(`bench: ${flag} needs a file name`);
        process.exit(2);
      }
      return file;
    }
    if (argv[i].startsWith(`${flag}=`)) return argv[i].slice(flag.length + 1);
  }
  return undefined;
}
const jsonFileArg = (argv: string[]) => fileArg(argv, '--json');

const DEPLOYS = envNumber('BENCH_DEPLOYS', 20, true);
const REGIONS = envNumber('BENCH_REGIONS', 5, true);
const SOAK_S = envNumber('BENCH_SOAK_S', 2);
const MIN_SAMPLES = envNumber('BENCH_MIN_SAMPLES', 2, true);
const INTERVAL = '500ms';
/**
 * Generous on purpose: it only matters when something is wrong. Per region-stage, twice the
 * longest healthy soak (the soak, plus up to half of it as the gate's default extension for
 * missing samples, plus 1 s for the rollout and task round trips), plus 0.1 s per concurrent
 * deploy for the shared worker (measured: about 0.017 s); plus 60 s for starting.
 * 20 deploys: 110 s; 100 deploys: 150 s (measured runs take 15-30 s).
 */
const deadlineDefault = Math.ceil(60 + REGIONS * (2 * (1.5 * SOAK_S + 1) + 0.1 * DEPLOYS));
const DEADLINE_S = envNumber('BENCH_DEADLINE_S', deadlineDefault);
const JSON_FILE = jsonFileArg(process.argv.slice(2));
const PLOT_FILE = fileArg(process.argv.slice(2), '--plot');
if (PLOT_FILE && !PLOT_FILE.endsWith('.svg')) {
  console.error(`bench: --plot writes SVG (and its numbers to data/ beside it): ${PLOT_FILE} does not end in .svg`);
  process.exit(2);
}
/** Which phases run (BENCH_PHASES=deploys,soaks,paused; all by default). */
const PHASES = new Set((process.env.BENCH_PHASES ?? 'deploys,soaks,paused').split(',').map((x) => x.trim()));
for (const p of PHASES) {
  if (!['deploys', 'soaks', 'paused'].includes(p)) {
    console.error(`bench: BENCH_PHASES has "${p}"; the phases are deploys, soaks and paused`);
    process.exit(2);
  }
}
const SOAKS = envNumber('BENCH_SOAKS', 1000, true);
const SOAK_WORKERS = envNumber('BENCH_SOAK_WORKERS', 1, true);
const SOAK_LENGTH_S = envNumber('BENCH_SOAK_LENGTH_S', 60);
const PAUSED_DEPLOYS = envNumber('BENCH_PAUSED', 1000, true);
/** The paused phase's worker caches this many workflows: fewer than the deploys paused, so most are evicted. */
const PAUSED_CACHE = envNumber('BENCH_PAUSED_CACHE', 100, true);
/**
 * Healthy soaks per deploy (one wave) at the largest size, one run per entry; the smaller sizes
 * use the first. 10: a thousand soaks in about a hundred deploys; 1: one deploy per soak.
 */
const SOAK_SHAPES = (process.env.BENCH_SOAK_REGIONS_PER_DEPLOY ?? '10,1').split(',').map((x) => {
  const n = Number(x);
  if (!Number.isInteger(n) || n < 1 || n > 50) {
    console.error(`bench: BENCH_SOAK_REGIONS_PER_DEPLOY has "${x}"; each entry is a whole number from 1 to 50 (a pipeline's most regions)`);
    process.exit(2);
  }
  return n;
});
/** How often visibility is asked for paused deploys. Close times come from the server, so this does not blur the timings. */
const POLL_MS = 1000;
/** How many paused/stuck/ended deploys the report lists by name. */
const LIST = 5;

Runtime.install({ logger: new DefaultLogger('WARN') });
const rows: [string, string][] = [];
const mib = (n: number) => Math.round(n / 1024 / 1024);
const mb = (n: number) => `${mib(n)} MiB`;
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// --- 1. pipeline ---
let pipelineMs: number;
{
  const regions: [string, number][] = Array.from({ length: 50 }, (_, i) => [`region-${String(i).padStart(2, '0')}`, 1000 + ((i * 7919) % 50000)]);
  const yaml = pipelineYaml({ service: 'bench', regions, soak: '45m' });
  const N = 200;
  for (let i = 0; i < 20; i++) lint(parsePipeline(yaml, 'bench.yaml'));
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const loaded = parsePipeline(yaml, 'bench.yaml');
    plan(loaded.pipeline, '1.0.0');
    lint(loaded);
  }
  pipelineMs = (performance.now() - t0) / N;
  rows.push(['load + validate + plan + lint, 50 regions', `${pipelineMs.toFixed(2)} ms`]);
}

// --- 2. deploys on the real dev server ---
type Outcome =
  /** phase succeeded */
  | 'succeeded'
  /** running, phase paused: waits for a person; not waited for */
  | 'paused'
  /** still running (not paused) at the deadline */
  | 'stuck'
  /** closed in any other way: rolled back, aborted, failed, terminated... */
  | 'ended'
  /** its start did not return by the deadline */
  | 'not_started';

interface Tracked {
  id: string;
  handle?: DeployHandle;
  outcome?: Outcome;
  /** pausedReason, where a stuck deploy was, how it ended, or why it did not start. */
  detail?: string;
  startTime?: Date;
  closeTime?: Date;
  events?: number;
}

console.log(
  `deploys: ${DEPLOYS} x ${REGIONS} regions, ${SOAK_S}s soak, checks every ${INTERVAL}, minSamples ${MIN_SAMPLES}; ` +
    `deadline ${DEADLINE_S} s${process.env.BENCH_DEADLINE_S ? ' (BENCH_DEADLINE_S)' : ` (default: 60 + regions x (2 x (1.5 x soak + 1) + 0.1 x deploys))`}`,
);

const tracked: Tracked[] = Array.from({ length: DEPLOYS }, (_, d) => ({ id: `deploy-bench-${d}` }));
let wallToLastSuccess: number | undefined;
let sectionS = 0;
let deadlineReached = false;
let terminated = 0;
const notes: string[] = [];
let peakRss = 0;
let rssBefore = 0;
let bare: BarePhase | undefined;
let firebreak: PhaseFigures | undefined;
/** Regions of the bench's pipelines: r0 smallest, one region per stage. */
const benchRegions = (): [string, number][] => Array.from({ length: REGIONS }, (_, i) => [`r${i}`, (i + 1) * 1000]);

if (PHASES.has('deploys')) {
  const server = await startDevServer({ headless: true });
  const sim = await startSimulator({ port: 0, deploySeconds: 0.2 });
  try {
    const client = await connectClient({ address: server.address });
    const { connection } = await connectWorkerConnection({ address: server.address });

    // The bare chains first, on their own worker: it has shut down before Firebreak's starts, so
    // the two phases never share the cores.
    const barePlan = plan(parsePipeline(pipelineYaml({ service: 'bare', regions: benchRegions(), soak: `${SOAK_S}s`, interval: INTERVAL })).pipeline, '2.0.0');
    try {
      bare = await runBarePhase({ client, connection, simUrl: sim.url, deploy: barePlan.deploy, chains: DEPLOYS, regions: REGIONS, soakMs: SOAK_S * 1000, deadlineS: DEADLINE_S });
    } catch (err) {
      notes.push(`bare phase: ${messageOf(err)}`);
    }

    const taskQueue = 'bench';
    const worker = await Worker.create({
      connection,
      taskQueue,
      workflowsPath: WORKFLOWS_PATH,
      interceptors: { workflowModules: WORKFLOW_INTERCEPTOR_MODULES },
      activities: { ...createUndoActivities(), ...createActivities({ env: { ...process.env, FIREBREAK_SIM_URL: sim.url } }) },
      ...BENCH_WORKER_SETTINGS,
    });
    rssBefore = process.memoryUsage().rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
    // CPU from here (the bundle is built) to the section's end: the whole process, like the bare phase.
    const cpu0 = process.cpuUsage();
    let cpuUs = 0;
    const t0 = performance.now();
    const t0Epoch = Date.now();
    const deadlineAt = t0Epoch + DEADLINE_S * 1000;
    /** Every server call is bounded: by `ms`, and never past the deadline unless `afterDeadline`. */
    const bounded = <R>(ms: number, fn: () => Promise<R>, afterDeadline = false) =>
      client.withDeadline(afterDeadline ? Date.now() + ms : Math.min(Date.now() + ms, deadlineAt), fn);

    try {
      await worker.runUntil(async () => {
        // Start every deploy.
        await Promise.all(
          tracked.map(async (t, d) => {
            const yaml = pipelineYaml({ service: `bench-${d}`, regions: benchRegions(), soak: `${SOAK_S}s`, interval: INTERVAL, minSamples: MIN_SAMPLES });
            const p = plan(parsePipeline(yaml).pipeline, '2.0.0');
            try {
              t.handle = (await bounded(DEADLINE_S * 1000, () => startDeploy(client, { plan: p, taskQueue, previous: '1.0.0' }))).handle;
            } catch (err) {
              t.outcome = 'not_started';
              t.detail = messageOf(err);
              // It may exist on the server all the same: the sweep below terminates it.
            }
          }),
        );

        // Watch them until each has succeeded, ended or paused, or the deadline comes. Endings
        // arrive through each deploy's result (a long poll the server answers when the workflow
        // closes); pauses through one visibility query per round on the FirebreakPhase search
        // attribute. Neither costs the worker anything, so watching does not skew the timings.
        const open = () => tracked.filter((t) => t.handle && !t.outcome);
        let wake: (() => void) | undefined;
        const describing: Promise<unknown>[] = [];
        const closed = async (t: Tracked, s: DeployStatus | undefined, err?: unknown) => {
          if (t.outcome) return; // paused or stuck already: we terminated it ourselves
          const seenAt = new Date();
          t.outcome = s?.phase === 'succeeded' ? 'succeeded' : 'ended';
          if (s && s.phase !== 'succeeded') t.detail = `phase ${s.phase}${s.events.length ? `: ${s.events[s.events.length - 1].message}` : ''}`;
          if (!s) t.detail = messageOf(err);
          const described = bounded(10_000, () => t.handle!.describe(), true);
          describing.push(described);
          try {
            const desc = await described;
            Object.assign(t, { startTime: desc.startTime, closeTime: desc.closeTime ?? seenAt, events: desc.historyLength });
          } catch {
            t.closeTime = seenAt;
          }
          wake?.();
        };
        for (const t of tracked) {
          if (!t.handle) continue;
          t.handle.result().then(
            (s) => closed(t, s),
            (err) => closed(t, undefined, err),
          );
        }
        const byId = new Map(tracked.map((t) => [t.id, t]));
        const pausedQuery = `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running' AND FirebreakPhase = 'paused'`;
        while (open().length > 0 && Date.now() < deadlineAt) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, Math.min(POLL_MS, deadlineAt - Date.now()));
          });
          wake = undefined;
          if (open().length === 0) break;
          try {
            const newlyPaused: Tracked[] = [];
            await bounded(10_000, async () => {
              for await (const w of client.workflow.list({ query: pausedQuery })) {
                const t = byId.get(w.workflowId);
                if (t && !t.outcome) newlyPaused.push(t);
              }
            });
            await Promise.all(
              newlyPaused.map(async (t) => {
                t.outcome = 'paused';
                try {
                  const s = await bounded(10_000, () => t.handle!.query(statusQuery), true);
                  // Whether the soak was extended for samples first (the bake) helps tell a slow
                  // source from a starved worker.
                  const extended = s.events.filter((e) => e.kind === 'soak_extended').length;
                  t.detail = `${s.pausedReason ?? '(no pausedReason)'}${extended ? ` [after ${extended} soak extension${extended === 1 ? '' : 's'}]` : ' [soak not extended]'}`;
                } catch (err) {
                  t.detail = `(status query failed: ${messageOf(err)})`;
                }
              }),
            );
          } catch {
            // a slow or failed visibility query is retried next round
          }
        }
        sectionS = (performance.now() - t0) / 1000;
        cpuUs = ((c) => c.user + c.system)(process.cpuUsage(cpu0));

        // The deadline came: whatever is still open is stuck. Say where.
        const stuckNow = open();
        if (stuckNow.length > 0) deadlineReached = true;
        for (const t of stuckNow) t.outcome = 'stuck';
        await Promise.all(
          stuckNow.map(async (t) => {
            try {
              const s = await bounded(5_000, () => t.handle!.query(statusQuery), true);
              const stage = s.stages[s.currentStage];
              const where = stage?.regions.filter((r) => r.state !== 'promoted' && r.state !== 'pending').map((r) => `${r.name} ${r.state}`) ?? [];
              t.detail = `phase ${s.phase}, stage ${s.currentStage + 1} of ${s.stages.length}${where.length ? ` (${where.join(', ')})` : ''}`;
            } catch (err) {
              t.detail = `(status query failed: ${messageOf(err)})`;
            }
          }),
        );
        // Close times of the last successes (each a describe, bounded) are in before the figures.
        await Promise.allSettled(describing);
        if (tracked.some((t) => t.outcome === 'not_started')) deadlineReached = true;

        // Leave nothing open: terminate what we know of, then sweep the task queue (visibility
        // may lag; terminating a closed workflow fails harmlessly).
        const terminate = async (h: WorkflowHandle, reason: string) => {
          try {
            await bounded(10_000, () => h.terminate(reason), true);
            terminated++;
          } catch {
            // already closed
          }
        };
        await Promise.all(
          tracked
            .filter((t) => t.handle && (t.outcome === 'paused' || t.outcome === 'stuck'))
            .map((t) => terminate(t.handle!, `bench: ${t.outcome}, not waited for`)),
        );
        try {
          await bounded(
            30_000,
            async () => {
              for await (const w of client.workflow.list({ query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'` })) {
                await terminate(client.workflow.getHandle(w.workflowId, w.runId), 'bench: still open at the end');
              }
            },
            true,
          );
        } catch (err) {
          notes.push(`sweep of open workflows failed: ${messageOf(err)}`);
        }
      });
    } catch (err) {
      notes.push(`worker: ${messageOf(err)}`);
    }
    clearInterval(sampler);

    const ok = tracked.filter((t) => t.outcome === 'succeeded');
    const closes = ok.map((t) => t.closeTime?.getTime()).filter((x): x is number => x !== undefined);
    if (closes.length) wallToLastSuccess = (Math.max(...closes) - t0Epoch) / 1000;
    try {
      firebreak = await phaseFigures({
        succeeded: ok.map((t) => ({ handle: t.handle!, closeTime: t.closeTime })),
        regions: REGIONS,
        startedAt: t0Epoch,
        cpuUs,
        rssPeak: peakRss,
        rssBefore,
        activities: new Set(['deployRegion', 'watchRegion']),
        bounded: (ms, fn) => client.withDeadline(Date.now() + ms, fn),
      });
    } catch (err) {
      notes.push(`firebreak figures: ${messageOf(err)}`);
    }
    await connection.close();
  } finally {
    await sim.close();
    await server.stop();
  }
}

// --- 4. soaks at growing sizes, and deploys paused at once ---
let soakBench: SoakBench | undefined;
if (PHASES.has('soaks') || PHASES.has('paused')) {
  const sizes = PHASES.has('soaks') ? [...new Set([10, 100, SOAKS].filter((n) => n <= SOAKS))].sort((a, b) => a - b) : [];
  try {
    soakBench = await runSoakLadder({
      sizes,
      workers: SOAK_WORKERS,
      soakS: SOAK_LENGTH_S,
      intervalS: 5,
      failAfter: 2,
      minSamples: Math.floor(SOAK_LENGTH_S / 5) - 2,
      seed: 20261202,
      paused: PHASES.has('paused') ? PAUSED_DEPLOYS : 0,
      pausedCache: PAUSED_CACHE,
      regionsPerDeploy: SOAK_SHAPES,
      log: (line) => console.log(line),
    });
    notes.push(...soakBench.notes);
  } catch (err) {
    notes.push(`soak phases: ${messageOf(err)}`);
  }
}

// --- report ---
const by = (o: Outcome) => tracked.filter((t) => t.outcome === o);
const [succeeded, paused, stuck, ended, notStarted] = (['succeeded', 'paused', 'stuck', 'ended', 'not_started'] as const).map(by);
const summary =
  `${succeeded.length} succeeded, ${paused.length} paused, ${stuck.length} stuck of ${DEPLOYS}` +
  (ended.length ? `, ${ended.length} ended otherwise` : '') +
  (notStarted.length ? `, ${notStarted.length} not started` : '');
const perDeployOverhead = succeeded
  .filter((t) => t.startTime && t.closeTime)
  .map((t) => (t.closeTime!.getTime() - t.startTime!.getTime()) / 1000 / REGIONS - SOAK_S);
const overhead = wallToLastSuccess === undefined ? undefined : wallToLastSuccess / REGIONS - SOAK_S;
const eventsPerRegion = succeeded.map((t) => (t.events ?? NaN) / REGIONS).filter((x) => Number.isFinite(x));
const heapAfter = process.memoryUsage().heapUsed;
/** Seconds, or n/a when no deploy succeeded. */
const secs = (x: number | undefined, digits: number) => (x === undefined || !Number.isFinite(x) ? 'n/a' : `${x.toFixed(digits)} s`);

rows.push(['deploys', `${summary} (${REGIONS} regions each, ${SOAK_S}s soak, minSamples ${MIN_SAMPLES})`]);
rows.push([
  'deploy section',
  `${sectionS.toFixed(1)} s; deadline ${DEADLINE_S} s ${deadlineReached ? 'REACHED' : 'not reached'}; ${terminated} open workflow${terminated === 1 ? '' : 's'} terminated`,
]);
rows.push(['wall time, all deploys concurrently (to the last success)', secs(wallToLastSuccess, 1)]);
rows.push([
  'overhead per region-stage beyond the soak',
  `${secs(overhead, 2)} (median deploy ${secs(median(perDeployOverhead), 2)}; deploy 0.2 s + first check + task round trips)`,
]);
rows.push([
  'history events per region-stage (succeeded deploys)',
  eventsPerRegion.length ? `${Math.min(...eventsPerRegion).toFixed(1)}–${Math.max(...eventsPerRegion).toFixed(1)}` : 'n/a',
]);
rows.push(['worker process RSS peak', `${mb(peakRss)} (before: ${mb(rssBefore)})`]);
rows.push(['worker process heap after', mb(heapAfter)]);

// Firebreak against the bare chain. Throughput above 1 would mean Firebreak is faster; hop
// latency above 1 means its hops are slower. Only comparable when both phases all succeeded.
const ms = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? 'n/a' : `${x.toFixed(0)} ms`);
const times = (x: number | null) => (x === null ? 'n/a' : `${x.toFixed(2)}×`);
const perSec = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? 'n/a' : `${x.toFixed(2)}/s`);
const ratios = {
  throughput: ratio(firebreak?.throughput, bare?.throughput),
  hopP50: ratio(firebreak?.hopP50Ms, bare?.hopP50Ms),
  hopP99: ratio(firebreak?.hopP99Ms, bare?.hopP99Ms),
};
const bareSummary = bare
  ? `${bare.succeeded} succeeded, ${bare.stuck.length} stuck, ${bare.failed.length} failed of ${DEPLOYS}${bare.terminated ? `; ${bare.terminated} terminated` : ''}`
  : 'did not run';
rows.push(['bare chains (deploy + watch hops, same server and worker settings)', bareSummary]);
// The same measure as Firebreak's overhead row above, for the bare chains.
const bareOverhead = bare?.wallS === undefined ? undefined : bare.wallS / REGIONS - SOAK_S;
rows.push(['bare: wall time (to the last success); overhead per region-stage beyond the soak', `${secs(bare?.wallS, 1)}; ${secs(bareOverhead, 2)}`]);
rows.push(['**ratio** throughput, region-stages/s, Firebreak ÷ bare', `${times(ratios.throughput)} (${perSec(firebreak?.throughput)} ÷ ${perSec(bare?.throughput)})`]);
rows.push(['**ratio** hop latency p50, Firebreak ÷ bare', `${times(ratios.hopP50)} (${ms(firebreak?.hopP50Ms)} ÷ ${ms(bare?.hopP50Ms)})`]);
rows.push(['**ratio** hop latency p99, Firebreak ÷ bare', `${times(ratios.hopP99)} (${ms(firebreak?.hopP99Ms)} ÷ ${ms(bare?.hopP99Ms)})`]);
const fixed = (x: number | undefined, d: number) => (x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(d));
rows.push(['history events per region-stage, mean (Firebreak; bare)', `${fixed(firebreak?.eventsPerRegionStage, 1)}; ${fixed(bare?.eventsPerRegionStage, 1)}`]);
rows.push(['CPU s per region-stage, whole process (Firebreak; bare)', `${secs(firebreak?.cpuSPerRegionStage, 3)}; ${secs(bare?.cpuSPerRegionStage, 3)}`]);
rows.push(['process RSS peak during the phase (Firebreak; bare)', `${firebreak ? `${firebreak.rssPeakMiB} MiB` : 'n/a'}; ${bare ? `${bare.rssPeakMiB} MiB` : 'n/a'}`]);
if (bare) {
  for (const id of bare.stuck.slice(0, LIST)) notes.push(`bare chain stuck at the deadline: ${id}`);
  for (const f of bare.failed.slice(0, LIST)) notes.push(`bare chain failed: ${f}`);
  if (bare.unread) notes.push(`${bare.unread} bare histories could not be read`);
}
if (firebreak?.unread) notes.push(`${firebreak.unread} Firebreak histories could not be read`);

// Without the deploys phase only the pipeline row is measured: the rest would read n/a.
const shown = PHASES.has('deploys') ? rows : rows.slice(0, 1);
console.log(`\n| measure | result |\n| --- | --- |\n${shown.map(([k, v]) => `| ${k} | ${v} |`).join('\n')}`);
if (soakBench?.ladder.length) console.log(`\n${soakTable(soakBench.ladder)}`);
if (soakBench?.paused) console.log(`\n${pausedTable(soakBench.paused)}`);
if (PHASES.has('deploys')) console.log(`\ndeploys: ${summary}`);
const list = (title: string, ts: Tracked[]) => {
  if (ts.length === 0) return;
  console.log(`${title} (${ts.length > LIST ? `first ${LIST} of ${ts.length}` : ts.length}):`);
  for (const t of ts.slice(0, LIST)) console.log(`  ${t.id}: ${t.detail ?? ''}`);
};
list('paused', paused);
list('stuck at the deadline', stuck);
list('ended otherwise', ended);
list('not started', notStarted);
for (const note of notes) console.log(`note: ${note}`);
const date = new Date().toISOString();
// Other work on the machine shows up in every timing: say how busy it was.
const load = loadavg().map((x) => Number(x.toFixed(2)));
console.log(`\nnode ${process.version}, ${cpus().length} cores, load average ${load.join(' ')}, ${date}`);

// The contract's figures: the largest size, in the first shape (BENCH_SOAK_REGIONS_PER_DEPLOY).
const largest = soakBench?.ladder.find((p) => p.soaks === Math.max(...soakBench!.ladder.map((q) => q.soaks)));
if (PLOT_FILE && soakBench?.ladder.length) {
  const first = soakBench.ladder[0];
  const subtitle = `npm run bench, ${date.slice(0, 10)}, ${cpus().length} cores: ${first.workers} worker(s), deploys of up to ${first.regionsPerDeploy} regions`;
  try {
    await writePlot(PLOT_FILE, soakPlot(soakBench.ladder, subtitle));
    console.log(`plot written to ${PLOT_FILE}, its numbers to ${dataFileFor(PLOT_FILE)}`);
  } catch (err) {
    console.log(`note: plot not written: ${messageOf(err)}`);
  }
}
if (JSON_FILE) {
  const entry = (t: Tracked) => ({ workflowId: t.id, detail: t.detail });
  const figures = {
    date,
    node: process.version,
    cores: cpus().length,
    loadAverage: load,
    config: { deploys: DEPLOYS, regions: REGIONS, soakS: SOAK_S, interval: INTERVAL, minSamples: MIN_SAMPLES, deadlineS: DEADLINE_S },
    pipelineMs,
    deploys: { total: DEPLOYS, succeeded: succeeded.length, paused: paused.length, stuck: stuck.length, ended: ended.length, notStarted: notStarted.length },
    sectionS,
    deadlineReached,
    terminated,
    wallS: wallToLastSuccess ?? null,
    overheadPerRegionS: overhead ?? null,
    overheadPerRegionMedianS: perDeployOverhead.length ? median(perDeployOverhead) : null,
    eventsPerRegion: eventsPerRegion.length ? { min: Math.min(...eventsPerRegion), max: Math.max(...eventsPerRegion) } : null,
    rssPeakMiB: mib(peakRss),
    rssBeforeMiB: mib(rssBefore),
    heapAfterMiB: mib(heapAfter),
    // The output promised to readers of docs/benchmarks.md: soaks and detection at the largest size of the ladder.
    ratio: ratios,
    soaks: largest ? { concurrent: largest.concurrent, passed: largest.passed, inconclusive: largest.inconclusive, breached: largest.breached, rssMiB: largest.rssMiB, lagP99Ms: largest.lagP99Ms } : null,
    detection: largest ? { p50Ms: largest.detection.p50Ms, p99Ms: largest.detection.p99Ms, boundMs: largest.detection.boundMs } : null,
    soakLadder: soakBench?.ladder ?? null,
    pausedDeploys: soakBench?.paused ?? null,
    history: { eventsPerRegionStage: firebreak && Number.isFinite(firebreak.eventsPerRegionStage) ? firebreak.eventsPerRegionStage : null },
    firebreak: firebreak ?? null,
    bare: bare ? { ...bare, overheadPerRegionS: bareOverhead ?? null } : null,
    paused: paused.map(entry),
    stuck: stuck.map(entry),
    ended: ended.map(entry),
    notStarted: notStarted.map(entry),
    notes,
  };
  writeFileSync(JSON_FILE, `${JSON.stringify(figures, null, 2)}\n`);
  console.log(`figures written to ${JSON_FILE}`);
}
process.exit(0);
