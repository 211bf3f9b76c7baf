// The deploy as a per-region timeline for a person at a terminal: one row per region (stage,
// customers, state, versions, soak progress, gate), the checks under the region they judge, the
// reason a deploy waits and what to run next, and the last few events. Pure: the same status and
// `now` always give the same frame, so it is snapshot-tested (test/fixtures/render/).
import { frozenText, hotfixText } from '../../domain/lanes-text.js';
import type { CompareStatus, DeployEvent, DeployEventKind, RegionStatus, StageStatus } from '../../../workflows/messages.js';
import {
  ago,
  bar,
  clock,
  count,
  dateTime,
  formatValue,
  judge,
  padVisible,
  stripAnsi,
  painter,
  PHASE_COLOUR,
  plural,
  soakProgress,
  span,
  STATE_COLOUR,
  STATE_MARK,
  truncateVisible,
  visibleWidth,
  type Paint,
} from './format.js';
import type { ViewStatus } from './types.js';
import { nextSteps } from '../../../workflows/next-steps.js';

export interface TtyOptions {
  /** ANSI colours; default true. */
  colour?: boolean;
  /** Terminal width: longer lines are cut (a wrapped line would break redrawing in place). */
  columns?: number;
  /** Terminal height: a taller frame is compacted (promoted regions folded, fewer events). */
  rows?: number;
  /** How many of the latest events to show; default 5. */
  events?: number;
}

/** A heartbeat older than this means no worker is running the watch. */
export const STALE_HEARTBEAT_MS = 30_000;

interface Layout {
  /** Show check lines under promoted and pending regions too. */
  settledChecks: boolean;
  events: number;
  /** Fold runs of promoted regions into one line. */
  foldPromoted: boolean;
  /** A narrow terminal: no customers column, a shorter progress bar. */
  narrow?: boolean;
}

export function renderTty(status: ViewStatus, now: Date | number, opts: TtyOptions = {}): string {
  const t = typeof now === 'number' ? now : now.getTime();
  const paint = painter(opts.colour ?? true);
  const layouts: Layout[] = [
    { settledChecks: true, events: opts.events ?? 5, foldPromoted: false },
    { settledChecks: false, events: Math.min(opts.events ?? 5, 3), foldPromoted: false },
    { settledChecks: false, events: 1, foldPromoted: true },
  ];
  let lines: string[] = [];
  const fits = (ls: string[]) => !opts.columns || ls.every((l) => visibleWidth(l) <= opts.columns! || !isTableLine(l));
  search: for (const layout of layouts) {
    for (const narrow of [false, true]) {
      lines = frameLines(status, t, paint, { ...layout, narrow });
      if ((!opts.rows || lines.length <= opts.rows) && fits(lines)) break search;
      if (!opts.columns) break;
    }
  }
  if (opts.rows && lines.length > opts.rows) {
    const keep = Math.max(1, opts.rows - 1);
    const hidden = lines.length - keep;
    lines = [...lines.slice(0, keep), paint('dim', `… ${hidden} more lines (a taller terminal, or firebreak status --json, shows all)`)];
  }
  if (opts.columns) lines = lines.map((l) => truncateVisible(l, opts.columns!));
  return lines.join('\n');
}

function frameLines(s: ViewStatus, now: number, paint: Paint, layout: Layout): string[] {
  const out: string[] = [];
  const regions = s.stages.flatMap((st) => st.regions);
  const stageCount = s.stages.length;

  // Header: what, where it stands, who owns it.
  const phase = paint(PHASE_COLOUR[s.phase], s.phase);
  const where =
    s.phase === 'running' || s.phase === 'paused'
      ? `  stage ${Math.min(s.currentStage + 1, stageCount)} of ${stageCount}`
      : '';
  const promoted = regions.filter((r) => r.state === 'promoted').length;
  out.push(`${paint('bold', `${s.service} ${s.version}`)}  phase: ${phase}${where}  ${promoted}/${regions.length} regions promoted`);
  const when = s.endedAt
    ? `started ${dateTime(s.startedAt)}, ended ${dateTime(s.endedAt)} (took ${span(Date.parse(s.endedAt) - Date.parse(s.startedAt))})`
    : `started ${dateTime(s.startedAt)} (${ago(s.startedAt, now)})`;
  out.push(paint('dim', `${s.workflowId ? `${s.workflowId} · ` : ''}owner ${s.owner} · ${when}`));
  out.push(...trainLines(s, now));
  if (s.hotfix) out.push(paint('yellow', hotfixText(s.hotfix)));
  if (s.record?.final === 'missing') out.push(paint('red', `deploy record missing: ${s.record.error} (firebreak records import writes it)`));
  if (s.frozen && (s.phase === 'running' || s.phase === 'paused')) out.push(paint('yellow', frozenText(s.frozen)));
  out.push('');

  // The timeline.
  const rows: Row[] = [];
  for (const stage of s.stages) {
    if (layout.foldPromoted && stage.regions.every((r) => r.state === 'promoted')) {
      const n = stage.regions.length;
      const customers = stage.regions.reduce((sum, r) => sum + r.customers, 0);
      rows.push({
        cells: [String(stage.index + 1), n === 1 ? stage.regions[0].name : `${n} regions`, count(customers), paint('green', `${STATE_MARK.promoted} promoted`), '', '', gateText(stage.gate, paint)],
        sub: [],
        folded: true,
      });
      continue;
    }
    for (const r of stage.regions) rows.push(regionRow(s, stage, r, now, paint, layout, stage.regions[0] === r));
  }
  if (layout.foldPromoted) foldStages(rows);
  let head = ['STAGE', 'REGION', 'CUSTOMERS', 'STATE', 'VERSION', 'SOAK', 'GATE'].map((h) => paint('dim', h));
  if (layout.narrow) {
    head = head.filter((_, i) => i !== 2);
    for (const r of rows) r.cells.splice(2, 1);
  }
  const all = [head, ...rows.map((r) => r.cells)];
  const widths = head.map((_, i) => Math.max(...all.map((c) => visibleWidth(c[i] ?? ''))));
  const rightAligned = new Set(layout.narrow ? [] : [2]);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (rightAligned.has(i) ? ' '.repeat(widths[i] - visibleWidth(c)) + c : padVisible(c, widths[i])))
      .join('  ')
      .trimEnd();
  out.push(line(head));
  for (const r of rows) {
    out.push(line(r.cells));
    for (const sub of r.sub) out.push(`${' '.repeat(widths[0] + 2)}  ${sub}`);
  }

  // The gate of the stage in flight, by name: what promotion is waiting for.
  const current = s.stages[Math.min(s.currentStage, stageCount - 1)];
  if (current && (s.phase === 'running' || s.phase === 'paused')) {
    out.push('');
    out.push(`gate of stage ${current.index + 1}: "${current.gate.name}" (${current.gate.approval} approval): ${gateText(current.gate, paint)}`);
  }

  // Promotion held until a deploy window opens (a durable timer in the workflow).
  if (s.windowOpensAt && (s.phase === 'running' || s.phase === 'paused')) {
    const opens = Date.parse(s.windowOpensAt);
    out.push(`${paint('yellow', 'window:')} waiting for the next deploy window, opening ${dateTime(s.windowOpensAt)}${Number.isNaN(opens) ? '' : ` (in ${span(opens - now)})`}`);
  }

  // Schema migrations this deploy ran (expand before the first region, contract after the last).
  if (s.migrations && s.migrations.length > 0) {
    out.push('');
    out.push(paint('dim', 'migrations'));
    for (const m of s.migrations) {
      const colour = m.state === 'failed' ? 'red' : m.state === 'applied' ? 'green' : 'dim';
      out.push(`  ${clock(m.at)}  ${m.id} ${m.phase} ${m.direction}: ${paint(colour, m.state.replace('_', ' '))}${m.error ? `: ${paint('red', m.error)}` : ''}`);
    }
  }

  // Why it waits and what to run.
  if (s.pausedReason) {
    out.push('');
    out.push(`${paint('yellow', 'paused:')} ${s.pausedReason}`);
  }
  const awaiting = regions.some((r) => r.state === 'awaiting_approval');
  if ((s.phase === 'paused' || (s.phase === 'running' && awaiting))) {
    if (!s.pausedReason) out.push('');
    out.push(paint('bold', 'next:'));
    for (const step of nextSteps(s)) out.push(`  ${step}`);
    out.push(paint('dim', `runbook: ${s.runbook}`));
  }

  // The latest events.
  if (layout.events > 0 && s.events.length > 0) {
    out.push('');
    const shown = s.events.slice(-layout.events);
    const more = s.events.length - shown.length;
    out.push(paint('dim', `events${more ? ` (last ${shown.length} of ${s.events.length})` : ''}`));
    for (const e of shown) out.push(`  ${eventLine(e, paint)}`);
  }
  return out;
}

/** Rows of the region table (the lines worth a narrower layout); others are simply cut. */
function isTableLine(line: string): boolean {
  return /^(\S+ +)?\S/.test(line) && / {2}(✓|~|·|↑|\?|✗|↓|↺) /.test(stripAnsi(line));
}

interface Row {
  cells: string[];
  sub: string[];
  /** A whole promoted stage on one row (compact layout). */
  folded?: boolean;
}

/** Consecutive folded stages become one row: "1-7  12 regions  ✓ promoted". */
function foldStages(rows: Row[]): void {
  for (let i = 0; i < rows.length; i++) {
    let j = i;
    while (j + 1 < rows.length && rows[i].folded && rows[j + 1].folded) j++;
    if (j > i) {
      const group = rows.slice(i, j + 1);
      const regions = group.reduce((n, r) => n + (/^\d+ regions$/.test(r.cells[1]) ? Number(r.cells[1].split(' ')[0]) : 1), 0);
      const customers = group.reduce((n, r) => n + Number(r.cells[2].replace(/,/g, '')), 0);
      rows.splice(i, j - i + 1, {
        cells: [`${group[0].cells[0]}-${group[group.length - 1].cells[0]}`, `${regions} regions`, count(customers), group[0].cells[3], '', '', group[0].cells[6]],
        sub: [],
        folded: true,
      });
    }
  }
}

function regionRow(s: ViewStatus, stage: StageStatus, r: RegionStatus, now: number, paint: Paint, layout: Layout, first: boolean): Row {
  const state = paint(STATE_COLOUR[r.state], `${STATE_MARK[r.state]} ${r.state}${r.attempt > 1 ? ` (attempt ${r.attempt})` : ''}`);
  const cells = [
    first ? String(stage.index + 1) : '',
    r.name,
    count(r.customers),
    state,
    versionText(s.version, r),
    soakText(s, r, now, paint, layout.narrow ? 5 : 10),
    first ? gateText(stage.gate, paint) : '',
  ];
  const sub: string[] = [];
  const settled = r.state === 'promoted' || r.state === 'pending';
  if (r.checks.length > 0 && (layout.settledChecks || !settled)) sub.push(...checkLines(r, paint));
  const live = s.live?.[r.name];
  if (live && r.state === 'soaking') {
    const beat = live.lastHeartbeatAt ? Math.max(0, now - Date.parse(live.lastHeartbeatAt)) : undefined;
    const stale = beat !== undefined && beat > STALE_HEARTBEAT_MS;
    const parts = [`live values from the watch's last heartbeat${beat !== undefined ? `, ${span(beat)} ago` : ''} (${plural(live.evaluations, 'evaluation')})`];
    if (live.attempt > 1) parts.push(`attempt ${live.attempt}`);
    sub.push(paint(stale ? 'yellow' : 'dim', parts.join(', ') + (stale ? ' — is a worker running?' : '')));
  }
  if (r.error) sub.push(paint('red', `error: ${r.error}`));
  return { cells, sub };
}

function versionText(version: string, r: RegionStatus): string {
  const from = r.fromVersion === undefined ? '?' : r.fromVersion === null ? 'none' : r.fromVersion;
  if (r.state === 'rolling_back' || r.state === 'rolled_back') return `${version} → ${from}`;
  return `${from} → ${version}`;
}

function soakText(s: ViewStatus, r: RegionStatus, now: number, paint: Paint, barWidth: number): string {
  const p = soakProgress(r.soakStartedAt, r.soakEndsAt, now);
  if (!p) return r.state === 'deploying' ? paint('dim', 'deploying…') : '-';
  switch (r.state) {
    case 'soaking':
      if (p.over && r.soakExtendedUntil) return `${bar(1, barWidth)} extended for samples, ${span(Math.max(0, Date.parse(r.soakExtendedUntil) - now))} left`;
      if (p.over) return `${bar(1, barWidth)} 100% judging…`;
      return `${bar(p.fraction, barWidth)} ${String(Math.floor(p.fraction * 100)).padStart(3)}% ${span(p.leftMs)} left`;
    case 'awaiting_approval':
    case 'promoted':
      return `soaked ${span(p.totalMs)}`;
    case 'deploying':
      return paint('dim', 'deploying…');
    case 'pending':
      return '-';
    default: {
      // failed, rolling back, rolled back: how far into the soak it failed (from the audit trail).
      const failedAt = lastEvent(s.events, r.name, ['breach', 'region_failed'], r.soakStartedAt);
      if (!failedAt) return '-';
      const into = Math.min(Date.parse(failedAt.at) - Date.parse(r.soakStartedAt!), p.totalMs);
      return `failed at ${span(into)} of ${span(p.totalMs)}`;
    }
  }
}

function lastEvent(events: DeployEvent[], region: string, kinds: DeployEventKind[], since?: string): DeployEvent | undefined {
  const from = since ? Date.parse(since) : -Infinity;
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i];
    if (e.region === region && kinds.includes(e.kind) && Date.parse(e.at) >= from) return e;
  }
  return undefined;
}

export function gateText(gate: StageStatus['gate'], paint: Paint): string {
  const colour = { pending: 'dim', watching: 'blue', passed: 'green', approved: 'green', awaiting_approval: 'yellow', inconclusive: 'yellow', failed: 'red' } as const;
  const text = gate.state === 'awaiting_approval' ? 'awaiting approval' : gate.state;
  return paint(colour[gate.state], `${text}${gate.by ? ` by ${gate.by}` : ''}`);
}

function checkLines(r: RegionStatus, paint: Paint): string[] {
  const nameW = Math.max(...r.checks.map((c) => visibleWidth(c.name)));
  const valueW = Math.max(...r.checks.map((c) => formatValue(c.value).length));
  const threshW = Math.max(...r.checks.map((c) => visibleWidth(c.threshold ?? '')));
  return r.checks.flatMap((c) => {
    const verdict = judge(c);
    const word = verdict === 'ok' ? paint('green', 'ok    ') : verdict === 'breach' ? paint('red', 'BREACH') : verdict === 'no_data' ? paint('yellow', 'NODATA') : '      ';
    const value = formatValue(c.value).padEnd(valueW);
    const painted = verdict === 'breach' ? paint('red', value) : verdict === 'no_data' ? paint('dim', value) : value;
    const counts = `${plural(c.samples, 'sample')}${c.breaches ? `, ${paint('red', plural(c.breaches, 'breach', 'breaches'))}` : ''}`;
    const line = `${padVisible(c.name, nameW)}  ${painted}  ${padVisible(c.threshold ?? '', threshW)}  ${word}  ${counts}`.trimEnd();
    return c.compare ? [line, `${' '.repeat(nameW)}  ${compareText(c.compare, paint)}`] : [line];
  });
}

/** A check's peer judgement, under its line: the control, and at the end of the soak the verdict. */
export function compareText(c: CompareStatus, paint: Paint = painter(false)): string {
  const against = c.against === 'peers' ? `peers ${(c.regions ?? []).join(', ')}` : 'before its deploy';
  const mode = c.enforce ? '' : ' (shadow)';
  const head = `vs ${against}${mode}: control ${formatValue(c.control)}, ${plural(c.samples, 'paired sample')}`;
  if (!c.verdict) return paint('dim', head);
  const colour = c.verdict === 'pass' ? 'green' : c.verdict === 'breach' ? (c.enforce ? 'red' : 'yellow') : 'yellow';
  return `${paint('dim', head)}  ${paint(colour, c.verdict.replace(/_/g, ' '))}${c.text ? `: ${c.text}` : ''}`;
}

export function eventLine(e: DeployEvent, paint: Paint = painter(false)): string {
  const colour = EVENT_COLOUR[e.kind];
  return `${clock(e.at)}  ${paint(colour, e.kind.padEnd(17))} ${e.message}${e.by ? `  (by ${e.by})` : ''}`;
}

const EVENT_COLOUR: Partial<Record<DeployEventKind, Parameters<Paint>[0]>> = {
  promoted: 'green',
  succeeded: 'green',
  approved: 'green',
  breach: 'red',
  region_failed: 'red',
  rollback_failed: 'red',
  aborted: 'red',
  rolled_back: 'yellow',
  rollback_started: 'magenta',
  rollback_all: 'magenta',
  paused: 'yellow',
  inconclusive: 'yellow',
  environment: 'yellow',
  judgement: 'blue',
  awaiting_approval: 'yellow',
  ignored: 'dim',
  deploying: 'cyan',
  notify_failed: 'yellow',
  window_wait: 'yellow',
  migration_failed: 'red',
  failed: 'red',
};

/** The train (train.mode queue): who waits behind this deploy, and what starts next. */
function trainLines(s: ViewStatus, now: number): string[] {
  if (s.next) {
    const superseded = (s.queue ?? []).filter((q) => q.version !== s.next).map((q) => q.version);
    return [`next: ${s.next} started as the next run${superseded.length ? `; superseded before they started: ${superseded.join(', ')}` : ''}`];
  }
  if (!s.queue?.length) return [];
  return [`queued: ${s.queue.map((q) => `${q.version} (by ${q.by ?? 'unknown'}, ${ago(q.since, now)})`).join(', ')}; the newest starts when this deploy ends`];
}
