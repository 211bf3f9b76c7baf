// `firebreak plan`: the documented sequence of a deploy as a table (or one JSON document),
// the earliest it can finish, and the lint findings. Returns text and an exit code instead of
// printing, so the CLI only prints and tests read the same output a person sees.
import { count } from '../format.js';
import { formatDuration } from './duration.js';
import { blockingFindings, lint, type Finding } from './lint.js';
import { formatProblem, loadPipelineFile, PipelineError, type Loaded, type Problem } from './load.js';
import { plan, stageCustomers, type Plan } from './plan.js';
import { exposure } from './plan-diff.js';
import { controlFor } from './compare.js';
import { describeWindows, earliestFinish } from './windows.js';
import { table } from '../table.js';

export interface PlanOptions {
  version?: string;
  strict?: boolean;
  /** When the deploy would start; the earliest finish is computed from it. Default: now. */
  now?: Date;
}

export interface PlanJson {
  service: string;
  version: string;
  owner: string;
  runbook: string;
  stages: {
    regions: { name: string; customers: number }[];
    soak: string;
    gate: { name: string; approval: 'auto' | 'manual' };
    /** Share of all customers running the new version once this stage is deployed (%). */
    exposedPercent: number;
    /** Peer judgement: what each compare check of the stage's regions is compared with. */
    compare?: StageControl[];
  }[];
  windows: string;
  earliestFinish: string;
  findings: { rule: string; severity: string; message: string; line: number; why: string; silenced?: string; fix?: string; sql?: { file: string; line: number } }[];
}

export interface CommandOutput {
  exitCode: 0 | 2;
  stdout: string;
  stderr: string;
  /** What was wrong with the file, or what the lint found: for CI annotations (src/cli/ci/). */
  problems?: Problem[];
  findings?: Finding[];
  file?: string;
}

interface Report {
  plan: Plan;
  findings: Finding[];
  finish: Date;
  start: Date;
}

function report(loaded: Loaded, opts: PlanOptions): Report {
  const p = plan(loaded.pipeline, opts.version ?? '<version>');
  const start = opts.now ?? new Date();
  return { plan: p, findings: lint(loaded, { strict: opts.strict }), finish: earliestFinish(p, start), start };
}


export function planJson(loaded: Loaded, opts: PlanOptions = {}): PlanJson {
  return toJson(report(loaded, opts));
}

function toJson({ plan: p, findings, finish }: Report): PlanJson {
  const exposed = exposure(p);
  const controls = controlsOf(p);
  return {
    service: p.service,
    version: p.version,
    owner: p.owner,
    runbook: p.runbook,
    stages: p.stages.map((s, i) => ({
      regions: s.regions.map((r) => ({ name: r.name, customers: r.customers })),
      soak: formatDuration(s.soakMs),
      maxExtension: formatDuration(s.maxExtensionMs),
      gate: s.gate,
      exposedPercent: exposed[i],
      ...(controls[i].length > 0 ? { compare: controls[i] } : {}),
    })),
    windows: describeWindows(p.windows),
    earliestFinish: finish.toISOString(),
    findings: findings.map(({ rule, severity, message, line, why, silenced, fix, sql }) => ({
      rule, severity, message, line, why, ...(silenced !== undefined ? { silenced } : {}), ...(fix ? { fix } : {}), ...(sql ? { sql } : {}),
    })),
  };
}

const minute = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

function findingLines(file: string, findings: Finding[]): string[] {
  const out: string[] = [];
  const groups: [string, Finding[]][] = [
    ['errors', findings.filter((f) => f.silenced === undefined && f.severity === 'error')],
    ['warnings', findings.filter((f) => f.silenced === undefined && f.severity === 'warning')],
    ['silenced', findings.filter((f) => f.silenced !== undefined)],
  ];
  for (const [title, group] of groups) {
    if (group.length === 0) continue;
    out.push('', `${title}:`);
    for (const f of group) {
      out.push(`${file}:${f.line} ${f.rule}: ${f.message}`, `    why: ${f.why}`);
      // SQL findings say what to write instead: the expand/contract rewrite that is safe.
      if (f.fix) out.push(...f.fix.split('\n').map((l, i) => `    ${i === 0 ? 'fix: ' : '     '}${l}`));
      if (f.silenced !== undefined) out.push(`    silenced: ${f.silenced}`);
    }
  }
  return out;
}

/** The plan as a person reads it: header, stage table, earliest finish, findings. */
export function renderPlan(loaded: Loaded, opts: PlanOptions = {}): string {
  return toText(loaded.file, report(loaded, opts));
}

function toText(file: string, { plan: p, findings, finish, start }: Report): string {
  const exposed = exposure(p);
  const window = describeWindows(p.windows);
  const rows = [
    ['stage', 'regions', 'customers', 'exposed', 'soak', 'gate', 'approval', 'window'],
    ...p.stages.map((s, i) => [
      String(i + 1),
      s.regions.map((r) => r.name).join(', '),
      count(stageCustomers(s)),
      `${exposed[i].toFixed(1)}%`,
      s.maxExtensionMs > 0 ? `${formatDuration(s.soakMs)} (+${formatDuration(s.maxExtensionMs)})` : formatDuration(s.soakMs),
      s.gate.name,
      s.gate.approval,
      window,
    ]),
  ];
  const lines = [
    `${p.service} ${p.version}: ${p.stages.length} stage${p.stages.length === 1 ? '' : 's'}, ${count(p.totalCustomers)} customers`,
    `owner: ${p.owner}   runbook: ${p.runbook}`,
    `rollback: on failure ${p.rollback.onFailure === 'all' ? 'every deployed region' : 'the failed region'}, on abort ${p.rollback.onAbort}`,
    '',
    table(rows, { rightAligned: new Set([2, 3]) }),
  ];
  for (const m of p.migrations) {
    const steps = [m.expand && 'expand before stage 1', m.contract && 'contract after the last stage'].filter(Boolean);
    lines.push(`migration ${m.id}: ${steps.join(', ')}`);
  }
  lines.push(
    '',
    `earliest finish: ${minute(finish)}, ${formatDuration(finish.getTime() - start.getTime())} after a start at ${minute(start)} (soaks and windows; deploys and approvals taken as instant)`,
    ...extensionNote(p),
    ...compareNote(p),
    ...findingLines(file, findings),
  );
  return `${lines.join('\n')}\n`;
}

/** The bake: soaks short of samples may run past their time (soak column: `30m (+15m)`). */
function extensionNote(p: Plan): string[] {
  const total = p.stages.reduce((n, s) => n + s.maxExtensionMs, 0);
  if (total === 0) return [];
  return [`  a soak whose checks lack minSamples extends until they arrive (gate.maxExtension): up to ${formatDuration(total)} longer in all`];
}

export interface StageControl {
  region: string;
  check: string;
  against: 'peers' | 'before';
  /** peers: the regions of later stages, still on the previous version. */
  regions?: string[];
  enforce: boolean;
}

/** Per stage, each compare check's control: later stages' regions, or (none left) before. */
export function controlsOf(p: Plan): StageControl[][] {
  return p.stages.map((s, k) => {
    const later = p.stages.slice(k + 1).flatMap((x) => x.regions.map((r) => r.name));
    return s.regions.flatMap((r) =>
      r.gate.checks.flatMap((c) => {
        if (!c.compare) return [];
        const control = controlFor(c.compare, later);
        return [{ region: r.name, check: c.name, ...control, enforce: c.compare.enforce }];
      }),
    );
  });
}

/** Peer judgement: what each stage is compared with (`compare:` checks only). */
function compareNote(p: Plan): string[] {
  const controls = controlsOf(p);
  if (controls.every((c) => c.length === 0)) return [];
  const byCheck = new Map<string, string[]>();
  controls.forEach((stage, i) => {
    for (const c of stage) {
      const what = c.against === 'peers' ? (c.regions ?? []).join(', ') : 'its own values before its deploy';
      const mode = c.enforce ? '' : ' (shadow)';
      const text = `stage ${i + 1} vs ${what}${mode}`;
      const list = byCheck.get(c.check) ?? [];
      if (!list.includes(text)) list.push(text);
      byCheck.set(c.check, list);
    }
  });
  return [...byCheck].map(([check, parts]) => `  compare ${check}: ${parts.join('; ')}`);
}

/** `firebreak plan FILE [--version V] [--json] [--strict]`: exit 0 ok, 2 invalid or lint errors. */
export function runPlanCommand(file: string, opts: PlanOptions & { json?: boolean } = {}): CommandOutput {
  let loaded: Loaded;
  try {
    loaded = loadPipelineFile(file);
  } catch (err) {
    const problems = err instanceof PipelineError ? err.problems : [{ file, line: 0, col: 0, path: '', message: String((err as Error)?.message ?? err) }];
    const text = problems.map(formatProblem).join('\n');
    return {
      exitCode: 2,
      stdout: opts.json ? `${JSON.stringify({ valid: false, problems }, null, 2)}\n` : '',
      stderr: `${text}\ninvalid pipeline: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n`,
      problems,
      file,
    };
  }
  const r = report(loaded, opts);
  const blocking = blockingFindings(r.findings);
  const stdout = opts.json ? `${JSON.stringify(toJson(r), null, 2)}\n` : toText(loaded.file, r);
  const found = { findings: r.findings, file: loaded.file };
  if (blocking.length === 0) return { exitCode: 0, stdout, stderr: '', ...found };
  const why = opts.strict ? ' (--strict: warnings count as errors)' : '';
  return { exitCode: 2, stdout, stderr: `plan refused: ${blocking.length} lint error${blocking.length === 1 ? '' : 's'}${why}\n`, ...found };
}
