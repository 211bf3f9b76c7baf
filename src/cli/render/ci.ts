// The deploy as a log, for CI (no TTY, or CI=true): between two polls of the status, one plain
// line per change — a region changing state, a check's value changing, an event, the phase —
// with no escape codes, so a build log reads (and greps) as the deploy's timeline.
//
// Polls can miss a short state (a rollback of a fast region, a deploy that fails at once). The
// region transitions are therefore read from the audit trail first (every state change but the
// start of a soak records an event) and from the polled states second, so each transition is
// printed once and in order whatever the poll interval.
import type { CheckStatus, DeployEvent, DeployEventKind, RegionState, RegionStatus } from '../../../workflows/messages.js';
import { clock, formatValue, judge, plural, soakProgress, span } from './format.js';
import { eventLine } from './tty.js';
import type { ViewStatus } from './types.js';

/** Event kinds that move their region into a state. */
const EVENT_STATE: Partial<Record<DeployEventKind, RegionState>> = {
  deploying: 'deploying',
  region_failed: 'failed',
  rollback_started: 'rolling_back',
  rolled_back: 'rolled_back',
  rollback_failed: 'failed',
  awaiting_approval: 'awaiting_approval',
  inconclusive: 'awaiting_approval',
  environment: 'awaiting_approval',
  promoted: 'promoted',
};
/** Event kinds that only happen once a region's soak has begun. */
const AFTER_SOAK = new Set<DeployEventKind>(['breach', 'promoted', 'awaiting_approval', 'inconclusive', 'environment', 'judgement']);

export function renderCiLines(prev: ViewStatus | undefined, next: ViewStatus, now: Date | number): string[] {
  const t = typeof now === 'number' ? now : now.getTime();
  const out: string[] = [];
  if (!prev) out.push(headerLine(next));

  const prevRegions = new Map((prev?.stages ?? []).flatMap((s) => s.regions).map((r) => [r.name, r]));
  const regions = next.stages.flatMap((s) => s.regions);
  const byName = new Map(regions.map((r) => [r.name, r]));
  const tracked = new Map<string, RegionState>(regions.map((r) => [r.name, prevRegions.get(r.name)?.state ?? 'pending']));
  const width = Math.max(...regions.map((r) => r.name.length), 6);

  const move = (region: string, to: RegionState, at: string | number) => {
    const from = tracked.get(region);
    if (from === undefined || from === to) return;
    tracked.set(region, to);
    out.push(transitionLine(region, from, to, at, byName.get(region)!, next.version, width));
  };

  const fresh = newEvents(prev?.events ?? [], next.events);
  const lastAt = fresh.at(-1)?.at;
  for (const e of fresh) {
    const region = e.region;
    if (region && tracked.has(region)) {
      const r = byName.get(region)!;
      if (AFTER_SOAK.has(e.kind) && tracked.get(region) === 'deploying') move(region, 'soaking', r.soakStartedAt ?? e.at);
      // An inconclusive region re-soaks on retry without redeploying.
      if (e.kind === 'retry' && tracked.get(region) === 'awaiting_approval') move(region, 'soaking', e.at);
      const to = EVENT_STATE[e.kind];
      if (to) move(region, to, e.at);
    }
    out.push(eventLine(e));
  }

  // What the poll saw that no event recorded (the start of a soak, mostly).
  for (const r of regions) {
    if (tracked.get(r.name) !== r.state) move(r.name, r.state, r.state === 'soaking' && r.soakStartedAt ? r.soakStartedAt : t);
  }

  if (prev && (prev.phase !== next.phase || prev.pausedReason !== next.pausedReason)) {
    const at = next.endedAt ?? lastAt ?? t;
    const reason = next.pausedReason ? `: ${next.pausedReason}` : '';
    out.push(`${clock(at)}  phase ${prev.phase === next.phase ? next.phase : `${prev.phase} -> ${next.phase}`}${reason}`);
  }
  // Check values that changed: the live tally during a soak, the verdict's values after it.
  for (const r of regions) {
    const before = prevRegions.get(r.name)?.checks ?? [];
    for (const c of r.checks) {
      const old = before.find((b) => b.name === c.name);
      if (old && old.samples === c.samples && old.value === c.value && old.breaches === c.breaches) continue;
      if (!old && c.samples === 0 && c.value === null) continue;
      out.push(checkLine(r, c, t, width));
    }
  }

  return out;
}

function headerLine(s: ViewStatus): string {
  const order = s.stages.map((st) => st.regions.map((r) => r.name).join('+')).join(' > ');
  return `${clock(s.startedAt)}  ${s.workflowId ? `${s.workflowId}: ` : ''}${s.service} ${s.version} (owner ${s.owner}), ${plural(s.stages.length, 'stage')}: ${order}; phase ${s.phase}`;
}

function transitionLine(region: string, from: RegionState, to: RegionState, at: string | number, r: RegionStatus, version: string, width: number): string {
  let detail = '';
  const fromVersion = r.fromVersion ?? 'nothing';
  if (to === 'deploying') detail = `  ${fromVersion} -> ${version}`;
  else if (to === 'rolling_back' || to === 'rolled_back') detail = `  ${version} -> ${fromVersion}`;
  else if (to === 'soaking') {
    const p = soakProgress(r.soakStartedAt, r.soakEndsAt, 0);
    if (p && r.soakEndsAt) detail = `  ${span(p.totalMs)} soak, until ${clock(r.soakEndsAt)}`;
  }
  return `${clock(at)}  ${region.padEnd(width)}  ${from} -> ${to}${detail}`;
}

function checkLine(r: RegionStatus, c: CheckStatus, now: number, width: number): string {
  const verdict = judge(c);
  const word = verdict === 'breach' ? ' BREACH' : verdict === 'no_data' ? ' (no data)' : '';
  const threshold = c.threshold ? ` (${c.threshold})` : '';
  const counts = `${plural(c.samples, 'sample')}, ${plural(c.breaches, 'breach', 'breaches')}`;
  const p = r.state === 'soaking' ? soakProgress(r.soakStartedAt, r.soakEndsAt, now) : undefined;
  const over = r.soakExtendedUntil ? `soak extended until ${clock(r.soakExtendedUntil)} for samples` : 'soak over, judging';
  const left = p ? `, ${p.over ? over : `${span(p.leftMs)} left`}` : '';
  return `${clock(now)}  ${r.name.padEnd(width)}  check ${c.name} = ${formatValue(c.value)}${threshold}${word}, ${counts}${left}`;
}

/**
 * The events in `next` that `prev` had not: by position when the list only grew, else after
 * the last event both have (should the workflow ever trim its audit trail to a window).
 */
export function newEvents(prev: DeployEvent[], next: DeployEvent[]): DeployEvent[] {
  if (prev.length === 0) return next;
  const last = prev[prev.length - 1];
  const same = (a: DeployEvent, b: DeployEvent) => a.at === b.at && a.kind === b.kind && a.message === b.message;
  if (next.length >= prev.length && same(next[prev.length - 1], last)) return next.slice(prev.length);
  for (let i = next.length - 1; i >= 0; i--) if (same(next[i], last)) return next.slice(i + 1);
  return next.filter((e) => e.at > last.at);
}
