// `npm run judge-eval [-- --seed N] [--rounds R] [--scale F] [--json FILE] [--no-docs]`: how well
// each judge tells a bad version from a healthy one and from a sick fleet, measured on the
// real simulator (with seeded noise) and a real Prometheus scraping it.
//
// What runs (and what does not): hundreds of services share one timeline in one simulator.
// Each has three regions (small, mid, large) on 1.0.0; after a soak-long history, 2.0.0 goes
// to `small`, healthy or with an injected regression (+10/+25/+50 % latency; 2x, 5x errors), or
// healthy while a fleet incident (errors or latency over the SLO, every version and region)
// starts 3 s into the soak. The cases that fool a judge of levels or of the past: `small` with a
// lasting level 0.5x to 2x its peers' (healthy, and with +25/+50/+100 % on top of 1.5x); a
// drift every region shares (latency ramping through the history and the soak); an incident
// that reaches the peers 5 to 30 s after `small`. Prometheus scrapes every second throughout. The metrics are then
// read back with one range query per check (the check's query grouped by service and region,
// evaluated at every second, which is what an instant query at that second returns), and each
// soak is replayed through the real watch (src/domain/soak/watch.ts: the same evaluateOnce,
// verdictAtDeadline and judge.ts) on a clock that steps through those seconds, once per judge:
//
// - absolute:    max thresholds only;
// - peers-level: compare levels against mid and large (still on 1.0.0), per-sample median (the
//                peer judge before the change judgement: WatchControl.level);
// - before:      compare against small's own values over the soak-long window before its deploy;
// - peers:       the change judgement: small's change against mid's and large's, each against
//                its own past (src/domain/soak/change.ts);
// - last:        small as the last stage: against before, with mid and large as the promoted
//                regions the environment rule reads.
//
// Not run: the workflow. Hundreds of full deploys would not fit; the workflow's share (turning
// a verdict into a rollback or an `environment` pause) is covered by test/integration/judgement.test.ts.
import { setTimeout as sleep } from 'node:timers/promises';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { watchRegion, type WatchDeps } from '../domain/soak/watch.js';
import type { CheckProvider } from '../domain/soak/provider.js';
import type { WatchControl, WatchResult } from '../../activities/types.js';
import type { PlanGate } from '../domain/pipeline/plan.js';
import type { Check } from '../domain/pipeline/schema.js';
import { compareSchema } from '../domain/pipeline/compare.js';
import { startSimulator } from './sim/server.js';
import { startPrometheus, waitForFirstScrape } from './prometheus.js';
import { findPrometheus } from './tools.js';
import { writePlot } from './chart.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const REGIONS = { small: 2000, mid: 5000, large: 20000 } as const;
const SOAK_S = 20;
const INTERVAL_S = 1;
const DEPLOY_S = 1;
const NOISE = 0.1;
const RATE_WINDOW = '5s';
const FLEET_START_S = 3;

type Judge = 'absolute' | 'peers-level' | 'before' | 'peers' | 'last';
const JUDGES: Judge[] = ['absolute', 'peers-level', 'before', 'peers', 'last'];
const JUDGE_NAMES: Record<Judge, string> = {
  absolute: 'absolute only',
  'peers-level': 'peers, by level',
  before: 'before',
  peers: 'peers, by change',
  last: 'last stage (before + promoted)',
};

interface Scenario {
  id: string;
  label: string;
  kind: 'healthy' | 'latency' | 'errors' | 'fleet';
  /** Latency increase (%) or error multiple, for the plots. */
  size: number;
  count: number;
  /** A fault on the new version (a regression), or on everything (a fleet incident). */
  fault?: { latencyMs?: number; errorRate?: number };
  /** small's lasting latency level, as a multiple of its peers' (a fault on every version). */
  bias?: number;
  /** Every region's latency ramps up by this share of the base through the history and the soak. */
  drift?: number;
  /** The fleet incident reaches mid and large this many seconds after small (5 to 30, spread over the soaks). */
  late?: boolean;
}

const BASE_ERRORS = 0.001;
const BASE_LATENCY_MS = 80;
const SCENARIOS: Scenario[] = [
  { id: 'healthy', label: 'healthy', kind: 'healthy', size: 0, count: 200 },
  { id: 'lat10', label: '+10 % latency', kind: 'latency', size: 10, count: 40, fault: { latencyMs: BASE_LATENCY_MS * 0.1 } },
  { id: 'lat25', label: '+25 % latency', kind: 'latency', size: 25, count: 40, fault: { latencyMs: BASE_LATENCY_MS * 0.25 } },
  { id: 'lat50', label: '+50 % latency', kind: 'latency', size: 50, count: 60, fault: { latencyMs: BASE_LATENCY_MS * 0.5 } },
  { id: 'err2', label: '2x errors', kind: 'errors', size: 2, count: 40, fault: { errorRate: BASE_ERRORS * 2 } },
  { id: 'err5', label: '5x errors', kind: 'errors', size: 5, count: 40, fault: { errorRate: BASE_ERRORS * 5 } },
  { id: 'fleet-errors', label: 'fleet incident: 30 % errors', kind: 'fleet', size: 0, count: 30, fault: { errorRate: 0.3 } },
  { id: 'fleet-latency', label: 'fleet incident: +2.5 s latency', kind: 'fleet', size: 0, count: 30, fault: { latencyMs: 2500 } },
  { id: 'bias0.5', label: 'healthy, small at 0.5x its peers', kind: 'healthy', size: 0, count: 30, bias: 0.5 },
  { id: 'bias0.75', label: 'healthy, small at 0.75x', kind: 'healthy', size: 0, count: 30, bias: 0.75 },
  { id: 'bias1.5', label: 'healthy, small at 1.5x', kind: 'healthy', size: 0, count: 30, bias: 1.5 },
  { id: 'bias2', label: 'healthy, small at 2x', kind: 'healthy', size: 0, count: 30, bias: 2 },
  { id: 'drift', label: 'healthy, diurnal drift (+50 % latency ramp everywhere)', kind: 'healthy', size: 0, count: 40, drift: 0.5 },
  { id: 'bias-lat25', label: '+25 % latency, small at 1.5x', kind: 'latency', size: 25, count: 40, bias: 1.5, fault: { latencyMs: BASE_LATENCY_MS * (1.5 * 1.25 - 1) } },
  { id: 'bias-lat50', label: '+50 % latency, small at 1.5x', kind: 'latency', size: 50, count: 60, bias: 1.5, fault: { latencyMs: BASE_LATENCY_MS * (1.5 * 1.5 - 1) } },
  { id: 'bias-lat100', label: '+100 % latency, small at 1.5x', kind: 'latency', size: 100, count: 40, bias: 1.5, fault: { latencyMs: BASE_LATENCY_MS * (1.5 * 2 - 1) } },
  { id: 'fleet-late', label: 'fleet incident: 30 % errors, peers 5-30 s later', kind: 'fleet', size: 0, count: 52, fault: { errorRate: 0.3 }, late: true },
];
/** Scenarios whose new version carries a fault (the simulator applies the largest matching latency fault, so a regression on a biased region is written as its total). */
const regression = (s: Scenario) => s.kind === 'latency' || s.kind === 'errors';

function fail(message: string): never {
  console.error(`judge-eval: ${message}`);
  process.exit(2);
}

function parseArgs(argv: string[]) {
  const out = { seed: 1, rounds: 1, scale: 1, json: undefined as string | undefined, docs: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i] ?? fail(`${a} needs a value`);
    if (a === '--seed') out.seed = Number(next());
    else if (a === '--rounds') out.rounds = Number(next());
    else if (a === '--scale') out.scale = Number(next());
    else if (a === '--json') out.json = next();
    else if (a === '--no-docs') out.docs = false;
    else fail(`unknown option ${a} (known: --seed N, --rounds R, --scale F, --json FILE, --no-docs)`);
  }
  if (!Number.isSafeInteger(out.seed)) fail(`--seed must be an integer, got ${out.seed}`);
  if (!Number.isInteger(out.rounds) || out.rounds < 1) fail(`--rounds must be a positive integer, got ${out.rounds}`);
  if (!(out.scale > 0 && out.scale <= 4)) fail(`--scale must be a number above 0 and at most 4, got ${out.scale}`);
  return out;
}

// --- the checks each judge soaks with ---

const QUERY = {
  latency: (sel: string) => `sum(rate(http_request_duration_seconds_sum{${sel}}[${RATE_WINDOW}])) / sum(rate(http_request_duration_seconds_count{${sel}}[${RATE_WINDOW}]))`,
  errors: (sel: string) => `sum(rate(http_requests_total{${sel},code=~"5.."}[${RATE_WINDOW}])) / sum(rate(http_requests_total{${sel}}[${RATE_WINDOW}]))`,
};
const grouped = (q: (sel: string) => string) => q('job="firebreak-sim"').replace(/sum\(/g, 'sum by (service, region) (');

function checksFor(judge: Judge): Check[] {
  const selector = 'service="{{service}}",region="{{region}}"';
  const latency: Check = { name: 'latency-mean', prometheus: { url: 'replay', query: QUERY.latency(selector) }, max: 2.0 };
  const errors: Check = { name: 'error-rate', prometheus: { url: 'replay', query: QUERY.errors(selector) }, max: 0.05 };
  if (judge === 'absolute') return [latency, errors];
  const against = judge === 'peers' || judge === 'peers-level' ? 'peers' : 'before';
  return [
    { ...latency, compare: compareSchema.parse({ against, maxIncrease: '25%', confidence: 0.98 }) },
    { ...errors, compare: compareSchema.parse({ against, maxIncrease: '50%', confidence: 0.98 }) },
  ];
}

const GATE = (checks: Check[]): PlanGate => ({
  name: 'eval',
  approval: 'auto',
  intervalMs: INTERVAL_S * 1000,
  failAfter: 2,
  minSamples: 10,
  onNoData: 'pause',
  checks,
});

// --- one round on the real simulator and Prometheus ---

interface Trial {
  service: string;
  scenario: Scenario;
}

type Series = Map<number, number>; // second (epoch s) -> value

interface RoundData {
  trials: Trial[];
  /** check name -> "service/region" -> series */
  values: Record<string, Map<string, Series>>;
  deployAt: number;
  soakStart: number;
}

async function post(url: string, body: unknown): Promise<Response> {
  // A kept-alive socket the busy simulator closed answers ECONNRESET: try again on a new one.
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`POST ${url}: HTTP ${res.status} ${await res.text()}`);
      return res;
    } catch (err) {
      if (attempt >= 5 || !(err instanceof TypeError)) throw err;
      await sleep(100 * attempt);
    }
  }
}

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

async function rangeQuery(base: string, query: string, start: number, end: number): Promise<Map<string, Series>> {
  const params = new URLSearchParams({ query, start: String(start), end: String(end), step: '1' });
  const res = await fetch(`${base}/api/v1/query_range?${params}`);
  const body = (await res.json()) as { status: string; error?: string; data?: { result: { metric: Record<string, string>; values: [number, string][] }[] } };
  if (body.status !== 'success') throw new Error(`range query failed: ${body.error}`);
  const out = new Map<string, Series>();
  for (const s of body.data?.result ?? []) {
    const series: Series = new Map();
    for (const [t, v] of s.values) {
      const n = Number(v);
      if (Number.isFinite(n)) series.set(Math.round(t), n);
    }
    out.set(`${s.metric.service}/${s.metric.region}`, series);
  }
  return out;
}

/**
 * Every drifting service's latency fault, raised from 0 to drift x base over `seconds`, a step
 * every RAMP_STEP_S (from the time elapsed, so a busy machine skips steps rather than running late).
 */
async function driftRamp(sim: string, trials: Trial[], start: number, seconds: number): Promise<void> {
  const current = new Map<string, string>();
  for (;;) {
    const elapsed = (Date.now() - start) / 1000;
    if (elapsed >= seconds) return;
    await inBatches(trials, 64, async (t) => {
      const latencyMs = Math.round(BASE_LATENCY_MS * t.scenario.drift! * (elapsed / seconds));
      const res = await post(`${sim}/faults`, { service: t.service, latencyMs: Math.max(1, latencyMs) });
      const { id } = (await res.json()) as { id: string };
      const old = current.get(t.service);
      current.set(t.service, id);
      if (old) await fetch(`${sim}/faults/${old}`, { method: 'DELETE' }).catch(() => undefined);
    });
    await sleep(RAMP_STEP_S * 1000);
  }
}
const RAMP_STEP_S = 2;

async function runRound(round: number, seed: number, scale: number): Promise<RoundData> {
  const sim = await startSimulator({ port: 0, customers: { ...REGIONS }, deploySeconds: DEPLOY_S, noise: NOISE, seed });
  const prom = await startPrometheus({ targets: [`127.0.0.1:${sim.port}`] });
  try {
    await waitForFirstScrape(prom.url);
    const trials: Trial[] = SCENARIOS.flatMap((scenario) =>
      Array.from({ length: Math.max(1, Math.round(scenario.count * scale)) }, (_, i) => ({ service: `r${round}-${scenario.id}-${i}`, scenario })),
    );
    const regions = Object.keys(REGIONS);
    console.log(`round ${round + 1}: ${trials.length} soaks, ${trials.length * regions.length} regions, seed ${seed}`);
    await inBatches(
      trials.flatMap((t) => regions.map((region) => ({ t, region }))),
      64,
      ({ t, region }) => post(`${sim.url}/services/${t.service}/regions/${region}/deployments`, { version: '1.0.0', deployId: 'seed' }),
    );
    // The regressions ride on the new version only, so they can be set before it ships.
    await inBatches(trials.filter((t) => regression(t.scenario)), 64, (t) =>
      post(`${sim.url}/faults`, { service: t.service, region: t.scenario.bias !== undefined ? 'small' : undefined, version: '2.0.0', ...t.scenario.fault }),
    );
    // A lasting regional level, on every version: small slower (a fault on it), or its peers (on them).
    await inBatches(trials.filter((t) => t.scenario.bias !== undefined), 64, async (t) => {
      const bias = t.scenario.bias!;
      if (bias >= 1) await post(`${sim.url}/faults`, { service: t.service, region: 'small', latencyMs: BASE_LATENCY_MS * (bias - 1) });
      else for (const region of ['mid', 'large']) await post(`${sim.url}/faults`, { service: t.service, region, latencyMs: BASE_LATENCY_MS * (1 / bias - 1) });
    });
    // The drift ramps from the start of the history to the end of the soak, one step a second.
    const historyS = DEPLOY_S + SOAK_S + 8;
    const drifting = trials.filter((t) => t.scenario.drift !== undefined);
    const rampS = historyS + DEPLOY_S + SOAK_S + 3;
    const rampStart = Date.now();
    const ramp = driftRamp(sim.url, drifting, rampStart, rampS);
    // A soak-long history (plus the rate window) before the deploy, for `before` and the change.
    await sleep(historyS * 1000);
    const deployAt = Date.now();
    await inBatches(trials, 64, (t) => post(`${sim.url}/services/${t.service}/regions/small/deployments`, { version: '2.0.0', deployId: 'eval' }));
    const soakStart = deployAt + DEPLOY_S * 1000;
    await sleep(soakStart + FLEET_START_S * 1000 - Date.now());
    await inBatches(trials.filter((t) => t.scenario.kind === 'fleet'), 64, (t) =>
      post(`${sim.url}/faults`, { service: t.service, ...(t.scenario.late ? { region: 'small' } : {}), ...t.scenario.fault }),
    );
    // The late incident reaches the peers 5 to 30 s after small (spread evenly over the soaks).
    const late = trials.filter((t) => t.scenario.late);
    const lateOnes = late.map((t, i) => ({ t, delayS: 5 + Math.round((25 * i) / Math.max(1, late.length - 1)) }));
    const reach = Promise.all(
      lateOnes.map(async ({ t, delayS }) => {
        await sleep(Math.max(0, soakStart + (FLEET_START_S + delayS) * 1000 - Date.now()));
        if (delayS <= SOAK_S) for (const region of ['mid', 'large']) await post(`${sim.url}/faults`, { service: t.service, region, ...t.scenario.fault });
      }),
    );
    await sleep(soakStart + (SOAK_S + 3) * 1000 - Date.now());
    await ramp;
    await Promise.race([reach, sleep(1000)]);
    const start = Math.floor(deployAt / 1000) - SOAK_S - 4;
    const end = Math.ceil(soakStart / 1000) + SOAK_S + 2;
    const values = {
      'latency-mean': await rangeQuery(prom.url, grouped(QUERY.latency), start, end),
      'error-rate': await rangeQuery(prom.url, grouped(QUERY.errors), start, end),
    };
    return { trials, values, deployAt, soakStart };
  } finally {
    await prom.stop();
    await sim.close();
  }
}

// --- replaying a soak through the real watch ---

function valueAt(series: Series | undefined, ms: number): number | null {
  if (!series) return null;
  // The latest evaluated second at or before the moment (what an instant query returns).
  for (let s = Math.floor(ms / 1000); s >= Math.floor(ms / 1000) - 2; s--) {
    const v = series.get(s);
    if (v !== undefined) return v;
  }
  return null;
}

async function judgeTrial(data: RoundData, trial: Trial, judge: Judge): Promise<WatchResult> {
  let clock = data.soakStart;
  const seriesOf = (check: Check, region: string) => data.values[check.name]?.get(`${trial.service}/${region}`);
  const provider: CheckProvider = {
    async evaluate(check, target) {
      return valueAt(seriesOf(check, target.region), clock);
    },
    async evaluateRange(check, target, range) {
      const series = seriesOf(check, target.region);
      const out: number[] = [];
      for (let t = range.start; t <= range.end; t += range.stepMs) {
        const v = valueAt(series, t);
        if (v !== null) out.push(v);
      }
      return out;
    },
  };
  const deps: WatchDeps = {
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
    heartbeat: () => {},
    providerFor: () => provider,
  };
  const control: WatchControl = {
    peers: judge === 'peers' || judge === 'peers-level' ? ['mid', 'large'] : [],
    ...(judge === 'peers-level' ? { level: true } : {}),
    ...(judge === 'last' ? { promoted: ['mid', 'large'] } : {}),
    fromVersion: '1.0.0',
    deployStartedAt: data.deployAt,
    soakMs: SOAK_S * 1000,
    stepMs: INTERVAL_S * 1000,
  };
  return watchRegion(
    {
      target: { service: trial.service, region: 'small', version: '2.0.0', deployId: 'eval' },
      gate: GATE(checksFor(judge)),
      deadline: data.soakStart + SOAK_S * 1000,
      startedAt: data.soakStart,
      ...(judge === 'absolute' ? {} : { control }),
    },
    deps,
  );
}

// --- the report ---

interface Cell {
  trials: number;
  breach: number;
  environment: number;
  noData: number;
  pass: number;
  /** Change judgements that fell back to the level (no usable history). */
  fallback: number;
}
type Results = Record<string, Record<Judge, Cell>>;

const pct = (n: number, d: number) => (d === 0 ? '-' : `${((100 * n) / d).toFixed(1)} %`);

function table(results: Results): string {
  const lines = [`| scenario | soaks | ${JUDGES.map((j) => JUDGE_NAMES[j]).join(' | ')} |`, `| --- | ---: |${JUDGES.map(() => ' --- |').join('')}`];
  for (const s of SCENARIOS) {
    const row = results[s.id];
    const cell = (j: Judge) => {
      const c = row[j];
      const extra = [c.environment ? `${c.environment} environment` : '', c.noData ? `${c.noData} no data` : '', c.fallback ? `${c.fallback} by level` : ''].filter(Boolean).join(', ');
      const what = s.kind === 'fleet' ? 'rolled back' : 'breach';
      return `${pct(c.breach, c.trials)} ${what} (${c.breach}/${c.trials})${extra ? `; ${extra}` : ''}`;
    };
    lines.push(`| ${s.label} | ${row.absolute.trials} | ${JUDGES.map(cell).join(' | ')} |`);
  }
  return lines.join('\n');
}

/** The goals, per judge: false breaches <= 1 % on every healthy scenario, +50 % caught >= 95 % (biased too), no rollback in a fleet incident. */
function goals(results: Results): string {
  const lines: string[] = [];
  const of = (kind: Scenario['kind'] | 'lat50') => SCENARIOS.filter((s) => (kind === 'lat50' ? s.kind === 'latency' && s.size === 50 : s.kind === kind));
  for (const j of JUDGES) {
    const mark = (ok: boolean) => (ok ? 'met' : 'NOT met');
    const healthy = of('healthy').map((s) => ({ s, c: results[s.id][j] }));
    const worst = healthy.reduce((a, b) => (b.c.breach / b.c.trials > a.c.breach / a.c.trials ? b : a));
    const caught = of('lat50').map((s) => ({ s, c: results[s.id][j] }));
    const least = caught.reduce((a, b) => (b.c.breach / b.c.trials < a.c.breach / a.c.trials ? b : a));
    const fleet = of('fleet').map((s) => results[s.id][j]);
    const rollbacks = fleet.reduce((n, c) => n + c.breach, 0);
    const trials = fleet.reduce((n, c) => n + c.trials, 0);
    lines.push(
      `- **${JUDGE_NAMES[j]}**: false breaches at most ${pct(worst.c.breach, worst.c.trials)} (${worst.s.label}; goal <= 1 % on every healthy scenario: ${mark(healthy.every(({ c }) => c.breach / c.trials <= 0.01))}); ` +
        `+50 % latency caught at least ${pct(least.c.breach, least.c.trials)} (${least.s.label}; goal >= 95 %: ${mark(caught.every(({ c }) => c.breach / c.trials >= 0.95))}); ` +
        `rollbacks in fleet incidents ${rollbacks}/${trials} (goal 0: ${mark(rollbacks === 0)})`,
    );
  }
  return lines.join('\n');
}

/** The plots in docs/judgement.md: breach rate against the size of the regression, per judge. */
async function charts(results: Results, dir: string, subtitle: string): Promise<void> {
  const rate = (id: string, j: Judge) => (100 * results[id][j].breach) / results[id][j].trials;
  const y = { title: 'soaks judged breach', unit: '%', min: 0, max: 100 };
  await writePlot(`${dir}/judgement-latency.svg`, {
    title: 'Breach rate by latency regression',
    subtitle,
    x: { title: 'latency increase of the new version', unit: '%' },
    y,
    series: JUDGES.map((j) => ({ name: JUDGE_NAMES[j], points: [0, 10, 25, 50].map((x) => ({ x, y: rate(x === 0 ? 'healthy' : `lat${x}`, j) })) })),
  });
  await writePlot(`${dir}/judgement-errors.svg`, {
    title: 'Breach rate by error regression',
    subtitle,
    x: { title: 'error rate of the new version', unit: '× baseline' },
    y,
    series: JUDGES.map((j) => ({ name: JUDGE_NAMES[j], points: [1, 2, 5].map((x) => ({ x, y: rate(x === 1 ? 'healthy' : `err${x}`, j) })) })),
  });
  await writePlot(`${dir}/judgement-biased.svg`, {
    title: 'Breach rate by latency regression in a region 1.5x as slow as its peers',
    subtitle,
    x: { title: 'latency increase of the new version', unit: '%' },
    y,
    series: JUDGES.map((j) => ({ name: JUDGE_NAMES[j], points: [0, 25, 50, 100].map((x) => ({ x, y: rate(x === 0 ? 'bias1.5' : `bias-lat${x}`, j) })) })),
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!findPrometheus()) fail('Prometheus is not installed (npm run setup installs it)');
  const started = Date.now();
  const results: Results = Object.fromEntries(
    SCENARIOS.map((s) => [s.id, Object.fromEntries(JUDGES.map((j) => [j, { trials: 0, breach: 0, environment: 0, noData: 0, pass: 0, fallback: 0 }])) as Record<Judge, Cell>]),
  );
  const examples: Record<string, string> = {};
  for (let round = 0; round < args.rounds; round++) {
    const data = await runRound(round, args.seed + round, args.scale);
    for (const trial of data.trials) {
      for (const judge of JUDGES) {
        const r = await judgeTrial(data, trial, judge);
        const cell = results[trial.scenario.id][judge];
        cell.trials += 1;
        if (r.verdict === 'breach') cell.breach += 1;
        else if (r.verdict === 'environment') cell.environment += 1;
        else if (r.verdict === 'no_data') cell.noData += 1;
        else cell.pass += 1;
        if (r.judgements?.some((x) => x.basis === 'level')) cell.fallback += 1;
        const key = `${trial.scenario.id}/${judge}/${r.verdict}`;
        examples[key] ??= r.reason;
      }
    }
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  const soaks = Object.values(results).reduce((n, r) => n + r.absolute.trials, 0);
  const summary = `${soaks} soaks x ${JUDGES.length} judges, ${args.rounds} round(s), seed ${args.seed}, noise ${NOISE}, ${SOAK_S} s soaks at ${INTERVAL_S} s, ${seconds} s`;
  const report = `${summary}\n\n${table(results)}\n\n${goals(results)}\n`;
  console.log(`\n${report}`);
  if (args.json) writeFileSync(args.json, JSON.stringify({ seed: args.seed, rounds: args.rounds, results, examples }, null, 2));
  if (args.docs) {
    const date = new Date().toISOString().slice(0, 10);
    await charts(results, `${ROOT}docs`, `npm run judge-eval, ${date}: ${soaks} soaks, ${args.rounds} round(s), seed ${args.seed}`);
    const file = `${ROOT}docs/judgement.md`;
    const doc = readFileSync(file, 'utf8');
    const begin = '<!-- judge-eval:begin -->';
    const endMark = '<!-- judge-eval:end -->';
    const i = doc.indexOf(begin);
    const k = doc.indexOf(endMark);
    if (i < 0 || k < i) fail(`${file} has no ${begin} ... ${endMark} section to write the results into`);
    const measured = `${begin}\nMeasured ${date}: ${report}\nExample reasons:\n\n${Object.entries(examples)
      .filter(([key]) => /\/(peers|peers-level|before|last)\/(breach|environment)$/.test(key) && /^(lat50|fleet-errors|err5|bias1\.5|bias-lat50|fleet-late|drift)\//.test(key))
      .map(([key, reason]) => `- ${key}: \`${reason}\``)
      .join('\n')}\n${endMark}`;
    writeFileSync(file, doc.slice(0, i) + measured + doc.slice(k + endMark.length));
    console.log(`wrote ${file}, docs/judgement-latency.svg, docs/judgement-errors.svg and docs/judgement-biased.svg (numbers in docs/data/)`);
  }
}

main().catch((err: unknown) => fail(err instanceof Error ? `${err.message}${err.cause ? ` (${String(err.cause)})` : ""}\n${err.stack ?? ""}` : String(err)));
