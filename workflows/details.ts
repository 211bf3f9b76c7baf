// The "current details" the Temporal Web UI shows on the workflow page (User Metadata tab), in
// Markdown: where the deploy stands, who owns it, how many customers run the new version, one
// short row per region, then why it waits and what to run. Pure: it runs in the workflow sandbox
// on every change of state, and sends no command, so changing it is replay-safe.
//
// The panel is a frame the UI sizes to the content but cuts short, with no scrollbar (measured
// in Chromium at 1500x1200: 541 px for 12 regions, their last row 150 px above its edge; an old
// table of six-line rows got 544 px and lost its last rows): the table sits straight under a
// three-line header, rows are 21 px, at most MAX_TABLE_ROWS of them (ending near 440 px);
// longer deploys fold their quiet regions (see compactRows), and what follows the table can go.
import type { CheckStatus, DeployStatus, RegionState, RegionStatus, StageStatus } from './messages.js';
import { checkText, clock, count, judge, percent, span } from '../src/domain/format.js';
import { nextSteps } from './next-steps.js';
import { frozenText, hotfixText } from '../src/domain/lanes-text.js';

/** Rows the table may take and still end inside the panel, under the header (measured in Chromium). */
export const MAX_TABLE_ROWS = 14;
/** Regions shown one by one in the compact form; the rest fold into runs. */
const COMPACT_REGIONS = 6;

/** How long user text may run in a cell or a line before it is cut (a row must stay one line). */
const LIMIT = { region: 20, version: 14, line: 160, reason: 240 } as const;

export const TABLE_HEADER = ['#', 'region', 'customers', 'state', 'version', 'soak', 'verdict'] as const;

const STATE_WORD: Record<RegionState, string> = {
  pending: '· pending',
  deploying: '↑ deploying',
  soaking: '~ soaking',
  awaiting_approval: '? waiting',
  promoted: '✓ promoted',
  failed: '✗ failed',
  rolling_back: '↓ rolling back',
  rolled_back: '↺ rolled back',
};

/** States that put the new version in front of customers (rolled back regions no longer do). */
const ON_NEW: ReadonlySet<RegionState> = new Set(['deploying', 'soaking', 'awaiting_approval', 'promoted', 'failed', 'rolling_back']);
const TROUBLE: ReadonlySet<RegionState> = new Set(['failed', 'rolling_back', 'rolled_back', 'awaiting_approval']);

interface Placed {
  stage: StageStatus;
  region: RegionStatus;
  /** Position in deploy order, from 0. */
  at: number;
}

export function detailsMarkdown(s: DeployStatus): string {
  const placed: Placed[] = s.stages.flatMap((stage) => stage.regions.map((region) => ({ stage, region, at: 0 })));
  placed.forEach((p, i) => (p.at = i));
  const lines = [...headerLines(s, placed), '', ...tableLines(s, placed)];
  const after = [...reasonLines(s, placed), ...nextLines(s, placed), ...queueLines(s), ...lastLines(s)];
  if (after.length) lines.push('', joinLines(after));
  // The Web UI sizes its frame a little short of the content, cutting the last line in half: a
  // blank (no-break space) paragraph is the line it cuts.
  lines.push('', '\u00a0');
  return lines.join('\n');
}

/** Lines of one paragraph, each on its own line (a hard break, not a paragraph's margin). */
function joinLines(lines: string[]): string {
  return lines.join('\\\n');
}

// --- header: phase and where, who, exposure ---

function headerLines(s: DeployStatus, placed: Placed[]): string[] {
  const promoted = placed.filter((p) => p.region.state === 'promoted').length;
  const where = whereText(s, placed);
  const first = `**${s.phase}**${where ? ` at ${where}` : ''}, ${promoted} of ${placed.length} promoted · ${text(s.service, LIMIT.region)} ${text(s.version, LIMIT.version * 2)}`;
  const total = placed.reduce((n, p) => n + p.region.customers, 0);
  const on = placed.filter((p) => ON_NEW.has(p.region.state)).reduce((n, p) => n + p.region.customers, 0);
  const back = placed.filter((p) => p.region.state === 'rolled_back').reduce((n, p) => n + p.region.customers, 0);
  const exposure = `exposure: ${count(on)} of ${count(total)} customers on ${text(s.version, LIMIT.version)} (${percent(on, total)})${back ? `, ${count(back)} rolled back` : ''}`;
  const lanes = [...(s.hotfix ? [text(hotfixText(s.hotfix), LIMIT.line)] : []), ...(s.frozen ? [text(frozenText(s.frozen), LIMIT.reason)] : [])];
  return [joinLines([first, ...lanes, `owner ${text(s.owner, LIMIT.line / 2)} · runbook ${text(s.runbook, LIMIT.line)}`, exposure])];
}

/** Where the deploy stands: its held or in-flight regions, else the stage it is at. */
function whereText(s: DeployStatus, placed: Placed[]): string {
  if (s.phase !== 'running' && s.phase !== 'paused') return '';
  const current = placed.filter((p) => p.stage.index === s.currentStage);
  const busy = current.filter((p) => p.region.state !== 'pending' && p.region.state !== 'promoted');
  const names = (busy.length ? busy : current).map((p) => text(p.region.name, LIMIT.region));
  const shown = names.length > 2 ? `${names.slice(0, 2).join(', ')} and ${names.length - 2} more` : names.join(', ');
  return shown ? `${shown} (stage ${s.currentStage + 1} of ${s.stages.length})` : '';
}

// --- the table ---

function tableLines(s: DeployStatus, placed: Placed[]): string[] {
  const rows = placed.length <= MAX_TABLE_ROWS ? placed.map((p) => regionCells(s, p)) : compactRows(s, placed);
  return [row([...TABLE_HEADER]), row(['--:', '---', '--:', '---', '---', '---', '---']), ...rows.map(row)];
}

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function regionCells(s: DeployStatus, { stage, region: r }: Placed): string[] {
  return [
    String(stage.index + 1),
    text(r.name, LIMIT.region),
    count(r.customers),
    `${STATE_WORD[r.state]}${r.attempt > 1 ? ` (${r.attempt})` : ''}`,
    versionText(s.version, r),
    soakText(r),
    verdictWord(r, stage),
  ];
}

function versionText(version: string, r: RegionStatus): string {
  const to = text(version, LIMIT.version);
  const from = r.fromVersion === undefined ? '' : r.fromVersion === null ? 'none' : text(r.fromVersion, LIMIT.version);
  if (r.state === 'rolling_back' || r.state === 'rolled_back') return `${to} → ${from || '?'}`;
  return from ? `${from} → ${to}` : `→ ${to}`;
}

/** The soak in a few characters: its length once over, its end while it runs (never stale). */
function soakText(r: RegionStatus): string {
  const start = r.soakStartedAt ? Date.parse(r.soakStartedAt) : NaN;
  const end = Date.parse(r.soakExtendedUntil ?? r.soakEndsAt ?? '');
  if (Number.isNaN(start) || Number.isNaN(end)) return '-';
  if (r.state === 'soaking') return `to ${clock(end)}`;
  if (r.state === 'promoted' || r.state === 'awaiting_approval') return span(end - start);
  // Failed during the soak or at its verdict: the status does not say which, so no length either.
  return 'stopped';
}

/** One word: how the region's judgement came out. */
function verdictWord(r: RegionStatus, stage: StageStatus): string {
  const judged = r.checks.map((c) => judge(c));
  switch (r.state) {
    case 'promoted':
      return r.gate?.by || (!r.gate && stage.gate.by) ? 'approved' : 'pass';
    case 'awaiting_approval':
      return judged.includes('no_data') ? 'NODATA' : stage.gate.approval === 'manual' && !judged.includes('breach') ? 'approve?' : 'held';
    case 'failed':
    case 'rolling_back':
    case 'rolled_back':
      return judged.includes('breach') ? 'BREACH' : 'failed';
    case 'soaking':
      return 'watching';
    default:
      return '-';
  }
}

/**
 * A long deploy in MAX_TABLE_ROWS rows: the first failing region, the current ones and the
 * largest always have their own row, then other regions in trouble, then the next to go; every
 * other run of regions folds into one row ("1-6 · 6 regions · ✓ promoted").
 */
function compactRows(s: DeployStatus, placed: Placed[]): string[][] {
  const keep = new Set<number>();
  const firstFailing = placed.find((p) => TROUBLE.has(p.region.state));
  const current = placed.filter((p) => p.stage.index === s.currentStage);
  const largest = placed.reduce((a, b) => (b.region.customers > a.region.customers ? b : a));
  const wanted = [
    firstFailing,
    ...current.filter((p) => p.region.state !== 'pending' && p.region.state !== 'promoted').slice(0, 2),
    current[0],
    largest,
    ...placed.filter((p) => TROUBLE.has(p.region.state) || ['deploying', 'soaking'].includes(p.region.state)),
    ...placed.filter((p) => p.stage.index > s.currentStage),
  ];
  for (const p of wanted) if (p && keep.size < COMPACT_REGIONS) keep.add(p.at);
  const rows: string[][] = [];
  for (let i = 0; i < placed.length; ) {
    if (keep.has(i)) {
      rows.push(regionCells(s, placed[i++]));
      continue;
    }
    let j = i;
    while (j + 1 < placed.length && !keep.has(j + 1)) j++;
    rows.push(foldedCells(placed.slice(i, j + 1)));
    i = j + 1;
  }
  return rows;
}

function foldedCells(run: Placed[]): string[] {
  const first = run[0].stage.index + 1;
  const last = run[run.length - 1].stage.index + 1;
  const states = new Map<RegionState, number>();
  for (const p of run) states.set(p.region.state, (states.get(p.region.state) ?? 0) + 1);
  const state = states.size === 1 ? STATE_WORD[run[0].region.state] : [...states].map(([st, n]) => `${n} ${STATE_WORD[st].slice(2)}`).join(', ');
  const customers = run.reduce((n, p) => n + p.region.customers, 0);
  return [first === last ? String(first) : `${first}-${last}`, run.length === 1 ? text(run[0].region.name, LIMIT.region) : `${run.length} regions`, count(customers), state, '', '', ''];
}

// --- below the table: why, what next, the train, the last event ---

/** Each region in trouble once: its reason and the checks that judged it. */
function reasonLines(s: DeployStatus, placed: Placed[]): string[] {
  const out: string[] = [];
  const trouble = placed.filter((p) => TROUBLE.has(p.region.state));
  for (const { region: r } of trouble.slice(0, 3)) {
    // The checks that judged it read best; the error says it when no check does (a failed deploy).
    const checks = r.checks.filter((c) => judge(c) !== 'ok').slice(0, 2).map((c: CheckStatus) => text(checkText(c), LIMIT.line));
    const compared = r.checks.filter((c) => c.compare?.verdict && c.compare.verdict !== 'pass').slice(0, 1).map((c) => text(compareText(c), LIMIT.reason));
    const detail = checks.length || compared.length ? [...checks, ...compared] : r.error ? [text(r.error, LIMIT.reason)] : [];
    out.push(`**${text(r.name, LIMIT.region * 2)}** ${STATE_WORD[r.state].slice(2)}${detail.length ? `: ${detail.join('; ')}` : ''}`);
  }
  // A peer judgement that breached without holding its region (shadow mode) is worth a line too.
  const shadow = placed.filter((p) => !TROUBLE.has(p.region.state) && p.region.checks.some((c) => c.compare?.verdict === 'breach'));
  for (const { region: r } of shadow.slice(0, 2)) {
    const c = r.checks.find((x) => x.compare?.verdict === 'breach')!;
    out.push(`**${text(r.name, LIMIT.region * 2)}** ${text(compareText(c), LIMIT.reason)}`);
  }
  if (trouble.length > 3) out.push(`and ${trouble.length - 3} more regions in trouble (firebreak status shows them all)`);
  if (s.pausedReason && !trouble.length) out.push(`paused: ${text(s.pausedReason, LIMIT.reason)}`);
  if (s.failure) out.push(`${s.phase}: ${text(s.failure, LIMIT.reason)}`);
  if (s.windowOpensAt && (s.phase === 'running' || s.phase === 'paused')) out.push(`waiting for the deploy window opening ${clock(s.windowOpensAt)} UTC`);
  return out;
}

/** A check's peer judgement: "latency-mean vs peers mid/large, shadow: breach (latency-mean 0.118 vs control 0.079 ...)". */
function compareText(c: CheckStatus): string {
  const cmp = c.compare!;
  const against = cmp.against === 'peers' ? `peers ${(cmp.regions ?? []).join('/')}` : 'before';
  return `${c.name} vs ${against}${cmp.enforce ? '' : ', shadow'}: ${(cmp.verdict ?? '').replace(/_/g, ' ')}${cmp.text ? ` (${cmp.text})` : ''}`;
}

function nextLines(s: DeployStatus, placed: Placed[]): string[] {
  const waiting = placed.some((p) => p.region.state === 'awaiting_approval');
  if (s.phase !== 'paused' && !(s.phase === 'running' && waiting)) return [];
  const steps = nextSteps(s).map((step) => {
    const [command, why] = step.split(/\s+#\s+/);
    return `${text(command.trim(), LIMIT.line)}${why ? ` (${text(why, LIMIT.line)})` : ''}`;
  });
  const shown = steps.length > 4 ? [...steps.slice(0, 3), steps[steps.length - 1]] : steps;
  return shown.map((step, i) => `${i === 0 ? '**next:** ' : 'or: '}${step}`);
}

/** The train: what waits behind this deploy, and what it starts next. */
function queueLines(s: DeployStatus): string[] {
  if (s.next) return [`next: ${text(s.next, LIMIT.version * 2)} starts as the next run of this deploy`];
  if (!s.queue?.length) return [];
  const queued = s.queue.map((q) => `${text(q.version, LIMIT.version * 2)} (by ${text(q.by ?? 'unknown', LIMIT.region)}, since ${clock(q.since)})`);
  return [`queued: ${queued.slice(0, 3).join(', ')}${queued.length > 3 ? ` and ${queued.length - 3} more` : ''}`];
}

function lastLines(s: DeployStatus): string[] {
  const last = s.events[s.events.length - 1];
  return last ? [`last: ${clock(last.at)} ${text(last.message, LIMIT.line)}`] : [];
}

// --- user text ---

/**
 * Text from a pipeline, a version, a reason or a payload, made inert: one line, cut to `max`
 * characters, every character Markdown could read as syntax escaped (so no cell splits on a
 * pipe, no HTML, no link, no emphasis); an escaped `:` and `.` leave no bare URL for the linkifier.
 */
export function text(value: string, max: number): string {
  const flat = value.replace(/\s+/g, ' ').trim();
  const chars = [...flat];
  const cut = chars.length > max ? `${chars.slice(0, Math.max(1, max - 1)).join('')}…` : flat;
  // Only what the Web UI's renderer unescapes: a backslash before `=`, `@` or a quote stays visible.
  return cut.replace(/[\\`*_{}[\]()<>#+\-.!|~:&]/g, '\\$&');
}
