// Peer judgement (docs/judgement.md): each check with `compare:` is judged against a control
// as well as its absolute threshold. The control is the same query templated for each region
// still on the previous version (peers), evaluated at the same moments and aggregated per
// sample as the median across them; or, without peers, this region's own values over a window
// as long as the soak ending when its deploy started (before, a Prometheus range query).
//
// - relative breach: worse than the control by more than maxIncrease/maxDelta, and significant
//   by a one-sided Mann-Whitney U test at `confidence`;
// - environment: the absolute threshold breached in the region and in its control (the fleet
//   is sick, not this version): the workflow pauses instead of rolling back;
// - too little data: fewer than minSamples paired samples (follows onNoData, after the bake).
//
// The per-sample values live in the watch's heartbeated tally (CompareTally), so a watch
// resumed after a lost worker keeps them.
import type { Check } from '../pipeline/schema.js';
import { absoluteWorsening, maxIncreaseOf, relativeWorsening, worseOf, type Worse } from '../pipeline/compare.js';
import { breaches, thresholdOf } from '../pipeline/threshold.js';
import type { CompareStatus } from '../status.js';
import type { CompareTally, Judgement, JudgementVerdict, WatchControl, WatchTally } from './types.js';
import type { Target } from '../target.js';
import { describe } from '../describe.js';
import { mannWhitneyGreater } from './mann-whitney.js';
import { hodgesLehmann, judgeChange } from './change.js';
import type { CheckProvider, EvaluateOptions } from './provider.js';
import { formatValue } from './value.js';

export type { CompareTally, Judgement, JudgementVerdict };

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** The compare tally a check starts with, given the control the workflow named. */
export function freshCompare(check: Check, control: WatchControl | undefined): CompareTally | undefined {
  if (!check.compare) return undefined;
  const peers = control?.peers ?? [];
  if (check.compare.against === 'peers' && peers.length > 0) {
    return { against: 'peers', regions: [...peers], value: [], control: [], byPeer: Object.fromEntries(peers.map((r) => [r, []])), ...(control?.level ? { level: true } : {}) };
  }
  const promoted = control?.promoted ?? [];
  return { against: 'before', value: [], control: [], ...(promoted.length ? { fleet: { regions: [...promoted], values: [] } } : {}) };
}

/** A heartbeated compare tally, checked field by field; undefined when unusable. */
export function resumeCompare(x: unknown): CompareTally | undefined {
  if (!x || typeof x !== 'object') return undefined;
  const t = x as Partial<CompareTally>;
  const nums = (a: unknown): a is number[] => Array.isArray(a) && a.every((v) => typeof v === 'number' && Number.isFinite(v));
  if ((t.against !== 'peers' && t.against !== 'before') || !nums(t.value) || !nums(t.control)) return undefined;
  const out: CompareTally = { against: t.against, value: [...t.value], control: [...t.control] };
  if (Array.isArray(t.regions) && t.regions.every((r) => typeof r === 'string')) out.regions = [...t.regions];
  if (t.loaded === true) out.loaded = true;
  if (t.last && typeof t.last === 'object') out.last = { ...t.last };
  if (typeof t.error === 'string') out.error = t.error;
  const sick = t.sick as { at?: unknown; text?: unknown } | undefined;
  if (sick && typeof sick.at === 'number' && typeof sick.text === 'string') out.sick = { at: sick.at, text: sick.text };
  if (typeof t.waited === 'number' && t.waited >= 0) out.waited = t.waited;
  // The change judgement's evidence: each peer's samples aligned with `value`, and the pasts.
  const cell = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v));
  if (out.regions && t.byPeer && typeof t.byPeer === 'object') {
    const byPeer = t.byPeer as Record<string, unknown>;
    if (out.regions.every((r) => Array.isArray(byPeer[r]) && (byPeer[r] as unknown[]).length === out.value.length && (byPeer[r] as unknown[]).every(cell))) {
      out.byPeer = Object.fromEntries(out.regions.map((r) => [r, [...(byPeer[r] as (number | null)[])]]));
    }
  }
  const h = t.history as { region?: unknown; peers?: unknown } | undefined;
  if (h && typeof h === 'object' && nums(h.region) && h.peers && typeof h.peers === 'object') {
    const peers = h.peers as Record<string, unknown>;
    if (Object.values(peers).every(nums)) out.history = { region: [...h.region], peers: Object.fromEntries(Object.entries(peers).map(([k, v]) => [k, [...(v as number[])]])) };
  }
  if (typeof t.historyError === 'string') out.historyError = t.historyError;
  if (t.level === true) out.level = true;
  const fleet = t.fleet as { regions?: unknown; values?: unknown; last?: unknown } | undefined;
  if (fleet && Array.isArray(fleet.regions) && fleet.regions.every((r) => typeof r === 'string') && nums(fleet.values)) {
    out.fleet = { regions: [...(fleet.regions as string[])], values: [...fleet.values] };
    if (fleet.last && typeof fleet.last === 'object') out.fleet.last = { ...(fleet.last as Record<string, number | null>) };
  }
  return out;
}

/** What one evaluation saw of a check's control: the per-sample median, or nothing. */
export interface ControlSample {
  value: number | null;
  /** Each control region's value (peers). */
  byRegion?: Record<string, number | null>;
  error?: string;
  /** before, in the last stage: the promoted regions now (the environment rule's control). */
  fleet?: { value: number | null; byRegion: Record<string, number | null> };
}

/**
 * Evaluates the control of every compare check at this moment (peers: each control region;
 * before: the history, once). Runs beside the region's own evaluation.
 */
export async function sampleControls(
  checks: readonly Check[],
  tally: WatchTally,
  target: Target,
  control: WatchControl | undefined,
  providerFor: (check: Check) => CheckProvider,
  limit: EvaluateOptions,
): Promise<(ControlSample | undefined)[]> {
  return Promise.all(
    checks.map(async (check): Promise<ControlSample | undefined> => {
      const ct = tally.compare?.[check.name];
      if (!check.compare || !ct) return undefined;
      const provider = providerFor(check);
      if (ct.against === 'peers') {
        // The change judgement's pasts, read once, beside this evaluation's samples.
        const history = ct.history || ct.level ? undefined : readHistory(check, ct, target, control, provider, limit);
        const now = await evaluateEach(check, ct.regions ?? [], (region) => controlTarget(target, region, control), provider, limit);
        await history;
        return { value: now.value, byRegion: now.byRegion, ...(now.error ? { error: now.error } : {}) };
      }
      // The last stage: the promoted regions, on the new version, at the same moment.
      const fleet = ct.fleet ? await evaluateEach(check, ct.fleet.regions, (region) => ({ ...target, region }), provider, limit) : undefined;
      // before: this region's own history, read once.
      if (!ct.loaded) {
        if (!provider.evaluateRange) {
          ct.error = `${check.name} cannot be compared with before: only a Prometheus check can read its history`;
        } else if (control?.deployStartedAt === undefined) {
          ct.error = 'no deploy start time to compare before';
        } else {
          try {
            const end = control.deployStartedAt;
            const values = await provider.evaluateRange(check, target, { start: end - control.soakMs, end, stepMs: control.stepMs }, limit);
            ct.control = values.filter(Number.isFinite);
            ct.loaded = true;
            delete ct.error;
          } catch (err) {
            ct.error = `history: ${describe(err)}`;
          }
        }
      }
      return { value: ct.control.length > 0 ? median(ct.control) : null, ...(fleet ? { fleet: { value: fleet.value, byRegion: fleet.byRegion } } : {}) };
    }),
  );
}

/** Each region's value now, and their median. */
async function evaluateEach(
  check: Check,
  regions: readonly string[],
  targetOf: (region: string) => Target,
  provider: CheckProvider,
  limit: EvaluateOptions,
): Promise<{ value: number | null; byRegion: Record<string, number | null>; error?: string }> {
  const byRegion: Record<string, number | null> = {};
  const errors: string[] = [];
  await Promise.all(
    regions.map(async (region) => {
      try {
        const v = await provider.evaluate(check, targetOf(region), limit);
        byRegion[region] = typeof v === 'number' && Number.isFinite(v) ? v : null;
      } catch (err) {
        byRegion[region] = null;
        errors.push(`${region}: ${describe(err)}`);
      }
    }),
  );
  const values = regions.map((r) => byRegion[r]).filter((v): v is number => v !== null);
  return { value: values.length > 0 ? median(values) : null, byRegion, ...(errors.length ? { error: errors.join('; ') } : {}) };
}

/**
 * The soak-long windows before the region's deploy, the region's and each peer's (one range query
 * each, on the version the region ran then), kept in the tally once all are read. The window is
 * fixed by the deploy's start, so a read retried after an error reads the same past.
 */
async function readHistory(check: Check, ct: CompareTally, target: Target, control: WatchControl | undefined, provider: CheckProvider, limit: EvaluateOptions): Promise<void> {
  if (!provider.evaluateRange) {
    ct.historyError = 'only a Prometheus check can read its history';
    return;
  }
  if (control?.deployStartedAt === undefined) {
    ct.historyError = 'no deploy start time to read the history before it';
    return;
  }
  const range = { start: control.deployStartedAt - control.soakMs, end: control.deployStartedAt, stepMs: control.stepMs };
  const read = (region: string) => provider.evaluateRange!(check, controlTarget(target, region, control), range, limit).then((vs) => vs.filter(Number.isFinite));
  try {
    const peers = ct.regions ?? [];
    const [region, ...each] = await Promise.all([read(target.region), ...peers.map(read)]);
    // Only each window's median is judged: the tally keeps that, not the window, so a long
    // soak's heartbeat stays small.
    const kept = (vs: number[]) => (vs.length > 0 ? [median(vs)] : []);
    ct.history = { region: kept(region), peers: Object.fromEntries(peers.map((r, i) => [r, kept(each[i])])) };
    delete ct.historyError;
  } catch (err) {
    ct.historyError = `history: ${describe(err)}`;
  }
}

/** The target a peer's query is templated for: its region, on the version this deploy replaces. */
function controlTarget(target: Target, region: string, control: WatchControl | undefined): Target {
  return { ...target, region, version: control?.fromVersion ?? target.version };
}

/** Adds this evaluation's region value and control sample to the compare tally. */
export function recordCompare(ct: CompareTally, value: number | null, sample: ControlSample | undefined): void {
  if (sample?.byRegion) ct.last = sample.byRegion;
  if (ct.fleet && sample?.fleet) {
    ct.fleet.last = sample.fleet.byRegion;
    if (sample.fleet.value !== null) ct.fleet.values.push(sample.fleet.value);
  }
  if (sample?.error) ct.error = sample.error;
  else if (ct.against === 'peers') delete ct.error;
  if (value === null || !Number.isFinite(value)) return;
  if (ct.against === 'peers') {
    // Paired: only moments where both the region and its control have a value.
    if (sample?.value === null || sample?.value === undefined) return;
    ct.value.push(value);
    ct.control.push(sample.value);
    if (ct.byPeer) for (const r of ct.regions ?? []) (ct.byPeer[r] ??= []).push(sample.byRegion?.[r] ?? null);
  } else {
    ct.value.push(value);
  }
}

/** Samples the judgement can use: paired for peers; for before, the fewer of now and history. */
export function pairedSamples(ct: CompareTally): number {
  return Math.min(ct.value.length, ct.control.length);
}

/** Does the control breach the check's absolute threshold too? (the environment rule) */
export function controlBreaches(check: Check, sample: ControlSample | undefined): boolean {
  return sample !== undefined && sample.value !== null && breaches(thresholdOf(check), sample.value);
}

/** What the environment rule decides once the region's breaching run reached failAfter. */
export type FleetCall = { call: 'environment'; control: string } | { call: 'wait' } | { call: 'breach'; control: string };

/**
 * Regions do not cross a threshold at the same instant: rate windows, scrapes and traffic put
 * them moments apart. So the control counts as breaching when it did at any evaluation within
 * failAfter of the region's breaching run, before it or during it. After it, the region waits
 * (up to failAfter evaluations, enforced peer compares only) only while the control is heading
 * the same way: within the compare's own tolerance of the threshold, or worse than its own
 * values before the run by more than that tolerance. A steady control means a breach at once,
 * so a plain regression is not detected any later than without compare.
 */
export function fleetCall(check: Check, ct: CompareTally, sample: ControlSample | undefined, at: number, run: number, failAfter: number, mayWait: boolean): FleetCall {
  const env = environmentSample(ct, sample);
  if (ct.sick && at - ct.sick.at < run + failAfter) return { call: 'environment', control: ct.sick.text };
  const waited = ct.waited ?? 0;
  if (mayWait && (ct.against === 'peers' || ct.fleet) && waited < failAfter && (nearThreshold(check, env) || moving(check, environmentSeries(ct), env, run))) {
    ct.waited = waited + 1;
    return { call: 'wait' };
  }
  return { call: 'breach', control: describeControl(ct, env) };
}

/** Notes the control's breach at evaluation `at`, for fleetCall (run at every evaluation). */
export function noteControl(check: Check, ct: CompareTally, sample: ControlSample | undefined, at: number): void {
  const env = environmentSample(ct, sample);
  if (controlBreaches(check, env)) ct.sick = { at, text: describeControl(ct, env) };
}

/**
 * What the environment rule compares with: the peers now; in the last stage (before, with
 * promoted regions) the promoted regions now, never the history alone.
 */
function environmentSample(ct: CompareTally, sample: ControlSample | undefined): ControlSample | undefined {
  if (ct.against !== 'before' || !ct.fleet) return sample;
  return sample?.fleet ? { value: sample.fleet.value, byRegion: sample.fleet.byRegion } : undefined;
}

/** The environment control's values per sample so far (for "has it worsened since before the run"). */
function environmentSeries(ct: CompareTally): number[] {
  return ct.against === 'before' && ct.fleet ? ct.fleet.values : ct.control;
}

/** Would the control breach the threshold if it were as much worse as the compare tolerates? */
function nearThreshold(check: Check, sample: ControlSample | undefined): boolean {
  if (!check.compare || sample?.value === null || sample?.value === undefined) return false;
  const v = sample.value;
  const worse: Worse = worseOf(check) ?? 'higher';
  const by = maxIncreaseOf(check.compare);
  const slack = by !== undefined ? by * Math.abs(v) : (check.compare.maxDelta ?? 0);
  return breaches(thresholdOf(check), worse === 'higher' ? v + slack : v - slack);
}

/** Has the control worsened, since before the region's run, by more than the compare tolerates? */
function moving(check: Check, series: number[], sample: ControlSample | undefined, run: number): boolean {
  if (!check.compare || sample?.value === null || sample?.value === undefined) return false;
  const earlier = series.slice(0, Math.max(0, series.length - run));
  if (earlier.length === 0) return false;
  const worse: Worse = worseOf(check) ?? 'higher';
  const by = maxIncreaseOf(check.compare);
  const base = median(earlier);
  return by !== undefined ? relativeWorsening(sample.value, base, worse) > by : absoluteWorsening(sample.value, base, worse) > (check.compare.maxDelta ?? 0);
}

/** The control regions and their values, for an environment reason: "eu-1 0.29, us-1 0.31". */
export function describeControl(ct: CompareTally, sample: ControlSample | undefined): string {
  const regions = ct.against === 'before' ? (ct.fleet?.regions ?? []) : (ct.regions ?? []);
  if (ct.against === 'before' && !ct.fleet) return `${sample?.value === null || sample?.value === undefined ? 'no data' : formatValue(sample.value)} (this region before its deploy)`;
  const by = sample?.byRegion ?? {};
  const each = regions.map((r) => `${r} ${formatValue(by[r] ?? null)}`).join(', ');
  const median = regions.length > 1 && sample?.value !== null && sample?.value !== undefined ? ` (median ${formatValue(sample.value)})` : '';
  return `${ct.against === 'before' ? 'the promoted regions ' : ''}${each}${median}`;
}

function formatP(p: number): string {
  return p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(3)}`;
}

function formatChange(change: number, relative: boolean): string {
  if (relative) {
    if (!Number.isFinite(change)) return change > 0 ? '+inf %' : '-inf %';
    const pct = Math.round(change * 100);
    return `${pct >= 0 ? '+' : ''}${pct} %`;
  }
  return `${change >= 0 ? '+' : ''}${formatValue(change)}`;
}

/** The relative judgement of one check from its compare tally. */
export function judge(check: Check, ct: CompareTally, minSamples: number): Judgement {
  const compare = check.compare!;
  const worse: Worse = worseOf(check) ?? 'higher';
  const relative = compare.maxDelta === undefined;
  const samples = pairedSamples(ct);
  const base = { check: check.name, against: ct.against, ...(ct.regions ? { regions: [...ct.regions] } : {}), enforce: compare.enforce, relative, samples };
  if (samples < minSamples) {
    const why = ct.error ? ` (last: ${ct.error})` : '';
    return { ...base, verdict: 'too_little_data', text: `${check.name} has ${samples} of ${minSamples} samples paired with its control${why}` };
  }
  const limit = relative ? maxIncreaseOf(compare)! : compare.maxDelta!;
  if (ct.against === 'peers' && !ct.level) {
    // The change, not the level: each region against its own past (change.ts).
    const why = changeUnavailable(ct);
    const result = why === undefined ? judgeChange({ value: ct.value, byPeer: ct.byPeer!, before: ct.history! }, { relative, worse, confidence: compare.confidence }) : { ok: false as const, why };
    if (result.ok && result.change.samples >= minSamples) {
      const c = result.change;
      const significant = c.p <= 1 - compare.confidence;
      const verdict: JudgementVerdict = c.effect.estimate > limit && significant ? 'breach' : 'pass';
      const left = c.left.length ? `; left out: ${c.left.join('; ')}` : '';
      const text =
        `${check.name} ${formatChange(c.effect.estimate, relative)} beyond its peers' change ` +
        `(${formatInterval(c.effect, compare.confidence, relative)}, ${formatP(c.p)}; ` +
        `region ${formatValue(c.region.before)} -> ${formatValue(c.region.after)}, peers ${formatValue(c.peers.before)} -> ${formatValue(c.peers.after)}${left})`;
      return {
        ...base,
        verdict,
        basis: 'change',
        value: c.region.after,
        control: c.peers.after,
        change: c.effect.estimate,
        estimate: c.effect.estimate,
        low: c.effect.low,
        high: c.effect.high,
        p: c.p,
        before: { region: c.region.before, peers: c.peers.before },
        after: { region: c.region.after, peers: c.peers.after },
        text,
      };
    }
    const fallback = result.ok ? `only ${result.change.samples} of ${minSamples} samples paired with a peer that has a history` : result.why;
    const level = judgeLevel(check, ct, worse, relative, limit);
    return { ...base, ...level, basis: 'level', fallback, text: `${level.text.slice(0, -1)}; by level, not change: ${fallback})` };
  }
  return { ...base, ...judgeLevel(check, ct, worse, relative, limit) };
}

/** Why the change cannot be judged from this tally, if it cannot. */
function changeUnavailable(ct: CompareTally): string | undefined {
  if (!ct.history) return ct.historyError ?? 'the history before the deploy was not read';
  if (!ct.byPeer || (ct.regions ?? []).some((r) => ct.byPeer![r]?.length !== ct.value.length)) return "the peers' own samples were lost";
  return undefined;
}

/** The level judgement: the region's median against the control's (peers at the same moments, or its own past). */
function judgeLevel(check: Check, ct: CompareTally, worse: Worse, relative: boolean, limit: number): Omit<Judgement, 'check' | 'against' | 'regions' | 'enforce' | 'relative' | 'samples'> {
  const compare = check.compare!;
  const value = median(ct.value);
  const control = median(ct.control);
  const change = relative ? relativeWorsening(value, control, worse) : absoluteWorsening(value, control, worse);
  const test = worse === 'higher' ? mannWhitneyGreater(ct.value, ct.control) : mannWhitneyGreater(ct.control, ct.value);
  const significant = test.p <= 1 - compare.confidence;
  const verdict: JudgementVerdict = change > limit && significant ? 'breach' : 'pass';
  // The effect's interval: the shift of the region's values over the control's, in the unit
  // of `change` (a fraction of the control's median for maxIncrease, when it is not 0).
  const [a, b] = worse === 'higher' ? [ct.value, ct.control] : [ct.control, ct.value];
  const hl = hodgesLehmann(a, b, compare.confidence);
  const scale = relative ? Math.abs(control) : 1;
  const scaled = hl && scale > 0 ? { estimate: hl.estimate / scale, low: hl.low / scale, high: hl.high / scale } : undefined;
  const shift = scaled && Object.values(scaled).every(Number.isFinite) ? scaled : undefined;
  const ci = shift ? `, ${formatInterval(shift, compare.confidence, relative)}` : '';
  const text = `${check.name} ${formatValue(value)} vs control ${formatValue(control)} (${formatChange(change, relative)}, ${formatP(test.p)}${ci})`;
  return { verdict, value, control, change, p: test.p, ...(shift ? { estimate: shift.estimate, low: shift.low, high: shift.high } : {}), text };
}

/** "98 % CI +41 % to +58 %" */
function formatInterval(s: { low: number; high: number }, confidence: number, relative: boolean): string {
  const level = Math.round(confidence * 1000) / 10;
  return `${level} % CI ${formatChange(s.low, relative)} to ${formatChange(s.high, relative)}`;
}

/** Where the judgement against the control stands, for the status (CLI and Web UI). */
export function compareStatus(check: Check, ct: CompareTally, j?: Judgement): CompareStatus {
  const s: CompareStatus = { against: ct.against, enforce: check.compare?.enforce ?? true, control: null, samples: pairedSamples(ct) };
  if (ct.regions) s.regions = [...ct.regions];
  const control = ct.control.length > 0 ? (ct.against === 'peers' ? ct.control[ct.control.length - 1] : median(ct.control)) : null;
  s.control = control;
  if (j) {
    s.verdict = j.verdict;
    s.text = j.text;
    if (j.p !== undefined) s.p = j.p;
    if (j.basis) s.basis = j.basis;
    if (j.estimate !== undefined && j.low !== undefined && j.high !== undefined) s.effect = { estimate: j.estimate, low: j.low, high: j.high };
    if (j.before) s.before = { ...j.before };
    if (j.after) s.after = { ...j.after };
  }
  return s;
}
