// The soak watcher (docs/design.md, "Bounded history"). One long activity per region-stage
// evaluates the gate's checks every interval and returns one verdict, so a six-hour soak costs
// the workflow the same dozen history events as a one-minute soak.
//
// - breach:  a check breached its threshold `failAfter` evaluations in a row (a good value
//            resets the run; an evaluation without data neither counts nor resets);
// - pass:    the deadline came and every check has at least `minSamples` values;
// - no_data: the deadline came and some check has fewer: never pass on missing data.
// - environment: a check with `compare:` breached failAfter times and its control breaches
//                too: the fleet is sick, not this version (src/domain/soak/judge.ts);
// - and at the deadline, a compare check worse than its control beyond maxIncrease with
//   significance is a breach (unless compare.enforce is false: shadow mode).
//
// The soak is a bake, time and evidence: the workflow answers no_data by extending the soak
// (input.until, carrying on from the tally), and the extended watch passes as soon as every
// check has minSamples, or answers no_data again at `until`.
//
// The tally is heartbeated, so a retry after a worker crash resumes it against the same
// absolute deadline: the soak is neither restarted nor shortened.
//
// A soak is a state machine (SoakWatch): the worker's watcher (watcher.ts) drives all the soaks
// it holds from one timer; `watchRegion` drives one in a loop on an injected clock, which is
// how the rules below are tested.
import { cancelled } from '../cancelled.js';
import type { Check } from '../pipeline/schema.js';
import type { CheckStatus } from '../status.js';
import { describe } from '../describe.js';
import type { WatchInput, WatchResult, WatchTally } from './types.js';
import { breaches, thresholdText, type CheckProvider, type CheckValue } from './provider.js';
import { formatValue } from './value.js';
import { isTally } from './tally.js';
import { CHECK_REQUEST_TIMEOUT_MS } from '../limits.js';
import { thresholdOf } from '../pipeline/threshold.js';
import { compareStatus, describeControl, fleetCall, freshCompare, judge, noteControl, recordCompare, resumeCompare, sampleControls, type Judgement } from './judge.js';

/** Everything the loop needs from the world, injected so tests can run it on a fake clock. */
export interface WatchDeps {
  now(): number;
  /** Must reject promptly when the activity is cancelled (Context.sleep does). */
  sleep(ms: number): Promise<void>;
  heartbeat(tally: WatchTally): void;
  providerFor(check: Check): CheckProvider;
  /** The heartbeat details of the previous attempt, if any. */
  resumeFrom?: unknown;
  /** Aborted on cancellation: passed to providers so a slow query ends too. */
  signal?: AbortSignal;
}

/** Below this an interval is a typo, and a busy loop against Prometheus. */
const MIN_INTERVAL_MS = 100;
/** Heartbeat at least this often even with long intervals, so cancellation arrives promptly. */
const MAX_HEARTBEAT_GAP_MS = 2000;

export async function watchRegion(input: WatchInput, deps: WatchDeps): Promise<WatchResult> {
  const soak = new SoakWatch(input, deps.resumeFrom, deps.now());
  const beatEvery = Math.min(soak.interval, MAX_HEARTBEAT_GAP_MS);
  const beat = () => deps.heartbeat(soak.snapshot());
  beat();
  for (;;) {
    const now = deps.now();
    const next = soak.next(now);
    if (next === 'evaluate') {
      const breach = await soak.evaluate(deps);
      beat();
      if (breach) return breach;
      continue;
    }
    if (typeof next !== 'number') return next;
    await deps.sleep(Math.max(1, Math.min(next - now, beatEvery)));
    throwIfCancelled(deps.signal);
    beat();
  }
}

/**
 * One region's soak as a state machine: what it needs next (an evaluation, a wait, or its
 * verdict) and the evaluation itself. `watchRegion` drives one with a sleeping loop; the
 * worker's watcher (watcher.ts) drives many from one timer, holding no activity slot.
 */
export class SoakWatch {
  readonly interval: number;
  /** An extended soak (the bake) may run to `until`, and ends as soon as the evidence is in. */
  readonly end: number;
  /** When the next evaluation is due (epoch ms). */
  dueAt: number;
  private readonly tally: WatchTally;
  private readonly lastError = new Map<string, string>();

  constructor(
    readonly input: WatchInput,
    resumeFrom: unknown,
    now: number,
  ) {
    const { gate, deadline } = input;
    this.end = Math.max(input.until ?? deadline, deadline);
    this.interval = Math.max(gate.intervalMs, MIN_INTERVAL_MS);
    this.tally = resumeTally(resumeFrom, gate.checks) ?? resumeTally(input.resume, gate.checks) ?? freshTally(gate.checks);
    // The first evaluation comes one interval into the soak: the new version serves traffic
    // before it is judged. After that the rhythm holds whatever delayed this attempt (a busy
    // worker, a lost one): an overdue evaluation runs at once, and never two within one
    // interval (no sample counted twice).
    const previous = this.tally.lastEvaluatedAt ?? input.startedAt ?? now;
    this.dueAt = Math.max(now, previous + this.interval);
  }

  /** Samples collected so far, over every check. */
  samples(): number {
    return this.tally.checks.reduce((n, c) => n + c.samples, 0);
  }

  /** The tally as heartbeat details (a copy: the caller may hold it while the soak goes on). */
  snapshot(): WatchTally {
    return structuredClone(this.tally);
  }

  /** What the soak needs at `now`: an evaluation, its verdict, or nothing until the time returned. */
  next(now: number): 'evaluate' | WatchResult | number {
    const { gate, deadline, until } = this.input;
    const hasChecks = gate.checks.length > 0;
    const baked = until !== undefined && now >= deadline && shortOfSamples(this.tally, gate).length === 0;
    if (hasChecks && baked) return verdictAtDeadline(this.input, this.tally, this.lastError);
    if (hasChecks && this.dueAt <= this.end && now >= this.dueAt) return 'evaluate';
    if (now >= this.end) return verdictAtDeadline(this.input, this.tally, this.lastError);
    return hasChecks ? Math.min(this.dueAt, this.end) : this.end;
  }

  /** One evaluation of every check; the breach result when one reached failAfter. */
  async evaluate(deps: Pick<WatchDeps, 'now' | 'providerFor' | 'signal'>): Promise<WatchResult | undefined> {
    const breach = await evaluateOnce(this.input, this.tally, this.lastError, deps, this.interval);
    const after = deps.now();
    while (this.dueAt <= after) this.dueAt += this.interval; // skip slots a slow evaluation overran
    return breach;
  }
}

/** One evaluation of every check; the breach (or environment) result when one reached failAfter. */
async function evaluateOnce(
  { gate, target, control }: WatchInput,
  tally: WatchTally,
  lastError: Map<string, string>,
  deps: Pick<WatchDeps, 'now' | 'providerFor' | 'signal'>,
  interval: number,
): Promise<WatchResult | undefined> {
  const startedAt = deps.now();
  // A hung source must not stall the loop much past one interval, nor its heartbeats past
  // their timeout (CHECK_REQUEST_TIMEOUT_MS is derived from it).
  const limit = { signal: deps.signal, timeoutMs: Math.min(Math.max(interval, 1000), CHECK_REQUEST_TIMEOUT_MS) };
  // Peer judgement: each compare check's control is evaluated at the same moment (judge.ts).
  startCompare(gate.checks, tally, control);
  const [results, controls] = await Promise.all([
    Promise.all(
      gate.checks.map(async (check, i): Promise<{ value: CheckValue } | { error: string } | { done: true }> => {
        if (isOnce(check) && tally.checks[i].samples >= 1) return { done: true };
        try {
          return { value: await deps.providerFor(check).evaluate(check, target, limit) };
        } catch (err) {
          return { error: describe(err) };
        }
      }),
    ),
    sampleControls(gate.checks, tally, target, control, deps.providerFor, limit),
  ]);
  throwIfCancelled(deps.signal);
  tally.evaluations += 1;
  tally.lastEvaluatedAt = startedAt;

  const decisive: string[] = [];
  const environment: string[] = [];
  gate.checks.forEach((check, i) => {
    const status = tally.checks[i];
    const result = results[i];
    if ('done' in result) return;
    const ct = tally.compare?.[check.name];
    if (ct) {
      recordCompare(ct, 'value' in result ? numeric(result.value) : null, controls[i]);
      noteControl(check, ct, controls[i], tally.evaluations);
      status.compare = compareStatus(check, ct);
    }
    if ('error' in result || result.value === null) {
      lastError.set(check.name, 'error' in result ? result.error : 'the query returned no data');
      return;
    }
    lastError.delete(check.name);
    status.value = result.value;
    status.samples += 1;
    if (breaches(check, result.value)) {
      status.breaches += 1;
      tally.consecutive[check.name] = (tally.consecutive[check.name] ?? 0) + 1;
    } else {
      tally.consecutive[check.name] = 0;
      if (ct) delete ct.waited;
    }
    const run = tally.consecutive[check.name];
    if (run === 0) return;
    if (!ct) {
      // A smoke test runs once: its one failure is all the evidence there will be.
      if (run >= (isOnce(check) ? 1 : gate.failAfter)) decisive.push(breachText(check, result.value, status, run, target.region));
      return;
    }
    // The region and its control breach alike: the fleet is sick, not this version.
    const enforce = check.compare?.enforce ?? true;
    const call = fleetCall(check, ct, controls[i], tally.evaluations, run, gate.failAfter, enforce && run >= gate.failAfter);
    if (run < gate.failAfter || call.call === 'wait') return;
    const what = breachText(check, result.value, status, run, target.region);
    if (call.call === 'environment') {
      const sick = `${what}, and so did its control: ${call.control}`;
      if (enforce) environment.push(sick);
      else decisive.push(`${sick} (shadow compare: not acted on)`);
    } else {
      decisive.push(`${what}, while its control held: ${call.control}`);
    }
  });
  if (decisive.length > 0) return { verdict: 'breach', reason: decisive.join('; '), checks: structuredClone(tally.checks) };
  if (environment.length > 0) {
    return { verdict: 'environment', reason: `${environment.join('; ')}: the fleet is sick, not this version`, checks: structuredClone(tally.checks) };
  }
  return undefined;
}

function breachText(check: Check, value: CheckValue, status: CheckStatus, run: number, region: string): string {
  return `${check.name} = ${formatValue(value)} breached ${status.threshold} ${run} ${run === 1 ? 'time' : 'times'} in a row in ${region}`;
}

function numeric(v: CheckValue): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
}

/** Gives each compare check its compare tally, once (a resumed tally keeps its own). */
function startCompare(checks: Check[], tally: WatchTally, control: WatchInput['control']): void {
  for (const check of checks) {
    if (!check.compare || tally.compare?.[check.name]) continue;
    const ct = freshCompare(check, control);
    if (ct) (tally.compare ??= {})[check.name] = ct;
  }
}

function verdictAtDeadline({ gate, target }: WatchInput, tally: WatchTally, lastError: Map<string, string>): WatchResult {
  if (gate.checks.length === 0) {
    return { verdict: 'pass', reason: `soak completed in ${target.region} ("${gate.name}" has no checks)`, checks: structuredClone(tally.checks), tally: structuredClone(tally) };
  }
  // A breach still waiting for its control to follow is not outlived by the soak: it stands.
  const waiting = gate.checks.flatMap((check, i) => {
    const ct = tally.compare?.[check.name];
    const run = tally.consecutive[check.name] ?? 0;
    if (!ct?.waited || run < gate.failAfter) return [];
    return [`${breachText(check, tally.checks[i].value, tally.checks[i], run, target.region)}, and its control had not followed when the soak ended: ${describeControl(ct, ct.against === 'before' && ct.fleet ? { value: ct.fleet.values.at(-1) ?? null, byRegion: ct.fleet.last } : { value: ct.control.at(-1) ?? null, byRegion: ct.last })}`];
  });
  if (waiting.length > 0) return { verdict: 'breach', reason: waiting.join('; '), checks: structuredClone(tally.checks) };
  const short = shortOfSamples(tally, gate);
  if (short.length === 0) {
    // Peer judgement: each compare check against its control (judge.ts).
    const judgements = gate.checks.flatMap((check, i) => {
      const ct = tally.compare?.[check.name];
      if (!check.compare || !ct) return [];
      const j = judge(check, ct, gate.minSamples);
      tally.checks[i].compare = compareStatus(check, ct, j);
      return [j];
    });
    const checks = structuredClone(tally.checks);
    const against = (j: Judgement) => (j.against === 'peers' ? `peers ${(j.regions ?? []).join(', ')}` : 'its own values before the deploy');
    const worse = judgements.filter((j) => j.enforce && j.verdict === 'breach');
    if (worse.length > 0) {
      return { verdict: 'breach', reason: worse.map((j) => `${j.text} in ${target.region}, against ${against(j)}`).join('; '), checks, judgements };
    }
    const held = tally.checks.map((c) => `${c.name} ${formatValue(c.value)} (${c.threshold}, ${c.samples} samples)`);
    const compared = judgements.map((j) => `${j.enforce ? '' : 'shadow: '}${j.text}${j.verdict === 'pass' ? '' : ` (${j.verdict.replace(/_/g, ' ')})`}`);
    return {
      verdict: 'pass',
      reason: `"${gate.name}" held in ${target.region}: ${held.join(', ')}${compared.length ? `; against the control: ${compared.join('; ')}` : ''}`,
      checks,
      ...(judgements.length ? { judgements } : {}),
      // The workflow watches on from here if this pass came before the deadline by its clock.
      tally: structuredClone(tally),
    };
  }
  const checks = structuredClone(tally.checks);
  const missing = short.map((c) => {
    const why = lastError.get(c.name);
    if (c.samples >= gate.minSamples && c.compare) {
      const ctWhy = tally.compare?.[c.name]?.error;
      return `${c.name} has ${c.compare.samples} of ${gate.minSamples} samples paired with its control${ctWhy ? ` (last: ${ctWhy})` : ''}`;
    }
    return `${c.name} has ${c.samples} of ${gate.minSamples} samples${why ? ` (last: ${why})` : ''}`;
  });
  return {
    verdict: 'no_data',
    reason: `not enough data in ${target.region} to pass "${gate.name}": ${missing.join('; ')}`,
    checks,
    tally: structuredClone(tally),
  };
}

/**
 * Checks short of minSamples: their own, or (enforced compare) paired with their control. A
 * once-check (a smoke test) has all it needs with its one result.
 */
function shortOfSamples(tally: WatchTally, gate: WatchInput['gate']): CheckStatus[] {
  const { minSamples } = gate;
  return tally.checks.filter(
    (c, i) => c.samples < (isOnce(gate.checks[i]) ? 1 : minSamples) || (c.compare !== undefined && c.compare.enforce && c.compare.samples < minSamples),
  );
}

/** A command check with `once`: run until it gives one result in this soak, then not again. */
function isOnce(check: Check | undefined): boolean {
  return check?.command?.once === true;
}

function freshTally(checks: Check[]): WatchTally {
  return {
    checks: checks.map((c) => ({ name: c.name, value: null, samples: 0, breaches: 0, threshold: thresholdText(c), limits: thresholdOf(c) })),
    consecutive: Object.fromEntries(checks.map((c) => [c.name, 0])),
    evaluations: 0,
  };
}

/** The previous attempt's tally, matched to the gate's checks by name; undefined if unusable. */
function resumeTally(details: unknown, checks: Check[]): WatchTally | undefined {
  if (!isTally(details)) return undefined;
  const fresh = freshTally(checks);
  for (const status of fresh.checks) {
    const old = details.checks.find((c) => c.name === status.name);
    if (!old) continue;
    status.value = old.value;
    status.samples = old.samples;
    status.breaches = old.breaches;
    const run = details.consecutive[status.name];
    fresh.consecutive[status.name] = typeof run === 'number' && run >= 0 ? run : 0;
  }
  // The compare checks' samples and their control's (peer judgement).
  const compare = details.compare && typeof details.compare === 'object' ? details.compare : {};
  for (const [i, check] of checks.entries()) {
    const ct = check.compare ? resumeCompare((compare as Record<string, unknown>)[check.name]) : undefined;
    if (!ct) continue;
    (fresh.compare ??= {})[check.name] = ct;
    fresh.checks[i].compare = compareStatus(check, ct);
  }
  fresh.evaluations = details.evaluations;
  if (typeof details.lastEvaluatedAt === 'number' && Number.isFinite(details.lastEvaluatedAt)) fresh.lastEvaluatedAt = details.lastEvaluatedAt;
  return fresh;
}

function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  throw cancelled(signal, 'watch');
}
