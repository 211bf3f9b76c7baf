// `npm run chaos [-- --long] [--persistence sqlite|postgres] [--json FILE] [--keep-state]`:
// the fault campaign. Real parts only: a Temporal server, the region simulator over HTTP with
// its state on disk, Prometheus scraping it, and worker processes. Many deploys run at once
// while faults fall on a seeded schedule (CHAOS_SEED, printed); an operator loop tends them;
// then the invariants are checked from the outside and the report printed. It ends by its own
// deadline (CHAOS_DURATION_S) and exits non-zero on any violation.
//
// Environment: CHAOS_SEED (random), CHAOS_DEPLOYS (50 concurrent), CHAOS_DURATION_S (300; 1200
// with --long), CHAOS_WORKERS (3), CHAOS_SETTLE_GRACE_S (0: how much longer the operator may
// tend past the deadline while deploys are still settling; `npm test` sets it so a slow machine
// makes the campaign longer, never red).
import { setTimeout as sleep } from 'node:timers/promises';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { ChaosStack, type Persistence } from './stack.js';
import { faultSchedule, PRESETS, seededRandom, type Preset } from './schedule.js';
import { FaultInjector } from './faults.js';
import { launch, newDeploy, prepare, REGIONS, seeded, tend, type ChaosDeploy } from './deploys.js';
import { checkInvariants } from './invariants.js';
import { deployLog, deploySummary, renderReport, type ChaosReport } from './report.js';
import { DefaultLogger, Runtime } from '@temporalio/worker';

const TASK_QUEUE = 'firebreak-chaos';
/** Starting the stack: servers and workers, never a build (setup builds the programs first). */
const STACK_START_LIMIT_S = 300;

function fail(message: string): never {
  console.error(`chaos: ${message}`);
  process.exit(2);
}

function envInt(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) fail(`${name}=${raw} is not ${min === 0 ? 'a whole number of 0 or more' : 'a positive integer'}`);
  return n;
}

function parseArgs(argv: string[]) {
  const out = { long: false, persistence: 'sqlite' as Persistence, json: undefined as string | undefined, keepState: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (flag: string) => {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (!v || v.startsWith('--')) fail(`${flag} needs a value`);
      return v;
    };
    if (a === '--long') out.long = true;
    else if (a === '--keep-state') out.keepState = true;
    else if (a === '--json' || a.startsWith('--json=')) out.json = value('--json');
    else if (a === '--persistence' || a.startsWith('--persistence=')) {
      const p = value('--persistence');
      if (p !== 'sqlite' && p !== 'postgres') fail(`--persistence must be sqlite or postgres, got ${JSON.stringify(p)}`);
      out.persistence = p;
    } else fail(`unknown argument ${JSON.stringify(a)} (known: --long, --persistence sqlite|postgres, --json FILE, --keep-state)`);
  }
  return out;
}


async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const preset: Preset = PRESETS[args.long ? 'long' : 'short'];
  const seed = envInt('CHAOS_SEED', Math.floor(Math.random() * 2 ** 31));
  const concurrent = envInt('CHAOS_DEPLOYS', 50);
  const durationS = envInt('CHAOS_DURATION_S', preset.durationS);
  const workerCount = envInt('CHAOS_WORKERS', 3);
  const graceS = envInt('CHAOS_SETTLE_GRACE_S', 0, 0);
  // Setup (the stack coming up) has its own limit; the campaign's deadline starts when the
  // stack is up, so a slow start never eats the time for faults.
  const setupStarted = Date.now();
  let t0 = setupStarted;
  let deadline = Number.POSITIVE_INFINITY;
  const at = () => `+${((Date.now() - t0) / 1000).toFixed(1)}s`;
  const log = (line: string) => console.log(`[${at()}] ${line}`);
  log(`chaos: CHAOS_SEED=${seed} (rerun with it to get the same deploys and faults), preset ${preset.name}, ${concurrent} concurrent deploys, ${workerCount} workers, persistence ${args.persistence}, deadline ${durationS} s after the stack is up`);

  // Never hang: past the limit (plus time to stop), exit; children die with us.
  let watchdog = setTimeout(() => {
    console.error(`chaos: the stack did not come up within ${STACK_START_LIMIT_S} s: giving up (exit 2). Its programs are built by \`node scripts/setup.mjs --postgres-stack\`, never here.`);
    process.exit(2);
  }, STACK_START_LIMIT_S * 1000);

  // The replay at the end runs a worker in this process: keep its lifecycle chatter out of the report.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const rng = seededRandom(seed);
  const stateDir = mkdtempSync(join(tmpdir(), 'firebreak-chaos-'));
  // PostgreSQL runs as its own user and must be able to reach its data dir under this one.
  chmodSync(stateDir, 0o711);
  const notes: string[] = [
    'deploy API outages are the simulator\'s deploy faults: "reject" answers the POST with HTTP 500 and records nothing; "fail" accepts it and the rollout ends in state error (the adapter reads it from the status endpoint); "hang" never completes, so the 20 s deploy timeout fails it',
  ];
  let injector: FaultInjector | undefined;
  const stack = new ChaosStack(stateDir, args.persistence, workerCount, TASK_QUEUE, Object.fromEntries(REGIONS), {
    onUnexpectedWorkerExit: (slot, how, output) => {
      if (injector) injector.tally.unexpectedWorkerExits++;
      log(`worker ${slot} exited by itself (${how}); restarting it. Last output:\n${output.split('\n').slice(-8).join('\n')}`);
    },
  });
  const deploys: ChaosDeploy[] = [];
  let connection: Connection | undefined;
  try {
    log(`state in ${stateDir}; starting the simulator, Prometheus, Temporal (${args.persistence}) and ${workerCount} workers`);
    await stack.start();
    const setupS = Math.round((Date.now() - setupStarted) / 100) / 10;
    t0 = Date.now();
    deadline = t0 + durationS * 1000;
    clearTimeout(watchdog);
    watchdog = setTimeout(() => {
      console.error(`chaos: still running ${durationS + graceS + 120} s after the stack came up: giving up (exit 2)`);
      process.exit(2);
    }, (durationS + graceS + 120) * 1000);
    log(`stack up in ${setupS} s (setup, not counted against the deadline): Temporal ${stack.temporal.address}, simulator ${stack.simUrl}, Prometheus ${stack.prometheusUrl}`);
    connection = await Connection.connect({ address: stack.temporal.address });
    const client = new Client({ connection });
    injector = new FaultInjector(stack, t0, log);
    const inj = injector;

    // Checking reads every deploy's status and history and replays them all: more deploys, more time.
    const checkS = Math.max(45, Math.round(durationS * 0.05));
    const drainS = Math.min(150, Math.max(75, Math.round(durationS * 0.25)));
    const windowEnd = deadline - (drainS + checkS) * 1000;
    const launchCutoff = windowEnd - 30_000;
    const tendUntil = deadline - checkS * 1000;
    const windowFrom = Date.now() - t0 + 10_000;
    if (windowEnd - t0 < windowFrom + 30_000) fail(`CHAOS_DURATION_S=${durationS} leaves no time for faults after setup (${at()})`);
    const schedule = faultSchedule(rng, preset, { fromMs: windowFrom, toMs: windowEnd - t0 }, { workers: workerCount, stackRestart: true });
    log(`fault schedule: ${schedule.length} faults from +${(windowFrom / 1000).toFixed(0)}s to +${((windowEnd - t0) / 1000).toFixed(0)}s: ${Object.entries(schedule.reduce<Record<string, number>>((m, f) => ((m[f.kind] = (m[f.kind] ?? 0) + 1), m), {})).map(([k, v]) => `${k} ${v}`).join(', ')}`);

    // --- deploys: `concurrent` at once; a settled one is replaced until the launch cutoff ---
    let next = 1;
    // Seed first, launch on a later round: the seed's rollouts must have finished (1 s) before
    // the deploy reads what each region runs, or it finds nothing to roll back to.
    const prepared = new Map<ChaosDeploy, number>();
    const startOne = async (d: ChaosDeploy) => {
      try {
        const at = prepared.get(d);
        if (at === undefined) {
          if (injector?.deployApiDown()) return;
          await prepare(stack.simUrl, d);
          prepared.set(d, Date.now());
        } else if (Date.now() - at >= 1_500) {
          if (!(await seeded(stack.simUrl, d))) {
            prepared.delete(d); // seed again once the deploy API works
            return;
          }
          await launch(client, TASK_QUEUE, d, t0);
          delete d.startError;
        }
      } catch (err) {
        d.startError = (err as Error).message;
      }
    };
    for (let i = 0; i < concurrent; i++) deploys.push(newDeploy(rng, next++));
    // Seeded regions finish their rollout (1 s) before the deploys read what they run.
    for (const d of deploys) await startOne(d);
    await sleep(1_500);
    for (const d of deploys) await startOne(d);
    log(`${deploys.filter((d) => d.runId).length} deploys started (${deploys.filter((d) => d.kind === 'bad').length} bad, ${deploys.filter((d) => d.approval === 'manual').length} manual gates)`);

    // --- faults, on their own timeline ---
    let faultsDone = false;
    const faultLoop = (async () => {
      for (const f of schedule) {
        const when = t0 + f.atMs;
        while (Date.now() < when) await sleep(Math.min(500, when - Date.now()));
        // Worker kills stop with the window; the few scheduled faults (restarts, outages, the
        // upgrade) always happen, late if earlier ones held them up, so every run has them all.
        if (Date.now() >= windowEnd && f.kind === 'worker-kill') continue;
        await inj.inject(f);
      }
      await inj.settleOutages();
      faultsDone = true;
      log('fault window over: no more faults; draining');
    })();

    // --- the operator ---
    let queryErrors = 0;
    // Past tendUntil only while something is still settling, and only within the grace.
    for (let round = 0; Date.now() < tendUntil + graceS * 1000; round++) {
      await stack.ensureWorkers();
      const open = deploys.filter((d) => d.runId && d.settledAtS === undefined);
      const nowS = (Date.now() - t0) / 1000;
      for (let i = 0; i < open.length; i += 8) {
        await Promise.all(
          open.slice(i, i + 8).map(async (d) => {
            try {
              if (await tend(client, d, { infraDown: inj.infraDown(), nowS, log })) {
                d.settledAtS = Math.round((Date.now() - t0) / 100) / 10;
                if (Date.now() < launchCutoff) deploys.push(newDeploy(rng, next++));
              }
            } catch {
              queryErrors++;
            }
          }),
        );
      }
      for (const d of deploys.filter((x) => !x.runId && Date.now() < tendUntil)) await startOne(d);
      if (round % 15 === 0) {
        const phases = deploys.reduce<Record<string, number>>((m, d) => ((m[d.last?.phase ?? (d.runId ? 'starting' : 'not started')] = (m[d.last?.phase ?? (d.runId ? 'starting' : 'not started')] ?? 0) + 1), m), {});
        log(`deploys: ${deploys.length} (${deploys.filter((d) => d.settledAtS !== undefined).length} settled) ${JSON.stringify(phases)}`);
      }
      if (faultsDone && deploys.every((d) => d.settledAtS !== undefined)) break;
      await sleep(2_000);
    }
    if (!faultsDone) {
      log('tending time is over while faults still run: waiting for the fault loop');
      await Promise.race([faultLoop, sleep(Math.max(0, deadline - Date.now() - 30_000))]);
    }
    log(`checking invariants (query errors while tending, mostly during outages: ${queryErrors})`);
    const { invariants, upgrade, unfinished } = await checkInvariants(client, stack.simUrl, deploys, stack.workers, log, stack.recordsUrl);
    const violations = invariants.reduce((n, i) => n + i.violations.length, 0);
    const { records, ...tally } = inj.tally;
    for (const k of Object.keys(tally.outageS) as (keyof typeof tally.outageS)[]) tally.outageS[k] = Math.round(tally.outageS[k] * 10) / 10;
    if (tally.stackRestarts === 0) tally.skipped.push('full-stack restart: not in this run\'s schedule or it failed (see the fault log)');
    const report: ChaosReport = {
      seed,
      preset: preset.name,
      persistence: args.persistence,
      startedAt: new Date(t0).toISOString(),
      durationS,
      setupS,
      wallS: Math.round((Date.now() - t0) / 100) / 10,
      workers: workerCount,
      faults: tally,
      faultLog: records,
      deploys: deploySummary(deploys),
      upgrade,
      unfinished,
      invariants,
      violations,
      notes,
      deployLog: deployLog(deploys),
    };
    console.log(renderReport(report));
    if (args.json) {
      writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
      log(`report written to ${args.json}`);
    }
    return violations === 0 ? 0 : 1;
  } finally {
    clearTimeout(watchdog);
    await connection?.close().catch(() => undefined);
    await stack.stop().catch(() => undefined);
    if (!args.keepState) rmSync(stateDir, { recursive: true, force: true });
    else log(`state kept in ${stateDir}`);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`chaos: ${(err as Error).stack ?? err}`);
    process.exit(2);
  },
);
