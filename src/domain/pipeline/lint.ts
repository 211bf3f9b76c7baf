// Policy lint (`firebreak plan`): one rule per practice of multi-region CD. Findings are warnings
// (errors under --strict) unless the practice is a hard line (a one-way migration). A rule is
// silenced only in the pipeline file, with a written reason, and stays visible as silenced.
import { dirname } from 'node:path';
import type { Loaded } from './load.js';
import { isEmptySql, lintMigrations } from '../migrations/lint.js';
import type { Finding, Severity } from './finding.js';
import { plan, type PlanRegion, type Stage } from './plan.js';
import { formatDuration } from './duration.js';
import type { LintRule, Pipeline } from './schema.js';
import { controlFor } from './compare.js';
import { hotfixFloor } from './lint-hotfix.js';

export type { Finding, Severity };

export interface LintOptions {
  /** Turn warnings into errors (`firebreak plan --strict`). */
  strict?: boolean;
  /** Where the migrations' SQL paths resolve; defaults to the pipeline file's directory. */
  baseDir?: string;
}

interface RuleInfo {
  severity: Severity;
  /** The practice of multi-region CD the rule enforces, in its usual name. */
  practice: string;
  why: string;
}

export const RULES: Record<LintRule, RuleInfo> = {
  'smallest-first': {
    severity: 'warning',
    practice: 'Smallest region first',
    why: 'A low-blast-radius canary catches obvious breakage with the smallest customer impact.',
  },
  'largest-last': {
    severity: 'warning',
    practice: 'Largest region last',
    why: 'By the time the deploy reaches the largest customer base, it has been validated in smaller regions.',
  },
  'no-all-at-once': {
    severity: 'warning',
    practice: 'Naive parallel deploy (anti-pattern)',
    why: 'Deploying every region at once means a bug hits all customers simultaneously and rollback affects everyone.',
  },
  'explicit-gate': {
    severity: 'warning',
    practice: 'Explicit gate per region',
    why: 'Named promotion criteria per stage catch "we just kept going" autopilot deploys.',
  },
  'soak-duration': {
    severity: 'warning',
    practice: 'SLO soak between regions',
    why: 'A 30-60 minute observation per stage lets metrics catch up before promotion to the next region.',
  },
  'named-owner': {
    severity: 'warning',
    practice: 'Named owner per pipeline',
    why: 'A responsible team per pipeline catches stale or misconfigured rollouts before they ship.',
  },
  runbook: {
    severity: 'warning',
    practice: 'Document pause-and-resume runbook',
    why: 'Operators will need the runbook during incidents, and an incident is not the time to draft it.',
  },
  'no-demand': {
    severity: 'warning',
    practice: 'Add regions as you grow',
    why: 'Add regions as customer demand grows: a region with no customers adds a stage and its risk while protecting no one.',
  },
  'oversized-wave': {
    severity: 'warning',
    practice: 'Add regions as you grow',
    why: 'Avoid 10-region deploys until you have 10-region customer demand: a wave that wide is close to deploying everywhere at once.',
  },
  'rollback-target': {
    severity: 'warning',
    practice: 'Auto-rollback on failed region',
    why: 'Automatic rollback of a failed region needs the version it ran before, read by the adapter rather than guessed.',
  },
  'one-way-migration': {
    severity: 'error',
    practice: 'Rollback path per migration',
    why: 'An explicit revert plan per migration catches one-way migrations as risk before they ship.',
  },
  'compare-control': {
    severity: 'warning',
    practice: 'Regions judge each other',
    why: 'A check that compares needs a control in every stage: the regions still on the previous version, or else the region\'s own history, which only a Prometheus check can read.',
  },
  'hotfix-floor': {
    severity: 'error',
    practice: 'Hotfix lane: shorter bakes, same order',
    why: 'A hotfix soak is scaled down; without a floor (hotfix.minSoak) it can shrink to nothing and the fix reaches every region unwatched.',
  },
};

const MIN_SOAK_MS = 30 * 60_000;
const MAX_SOAK_MS = 60 * 60_000;
const MAX_WAVE = 10;
const PLACEHOLDER = /^(todo|tbd|tba|fixme|xxx+|changeme|change-me|replace-me|owner|team|someone|somebody|nobody|unknown|none|n\/a|na|me|\?+|-+)$/i;
const TEMPLATE_LIKE = /(\btodo\b|\btbd\b|\bfixme\b|<[^>]*>|\$\{[^}]*\}|\{\{[^}]*\}\})/i;

type Draft = Omit<Finding, 'severity' | 'why' | 'rule'> & { rule: LintRule };

/** All findings for a loaded pipeline, sorted by line; silenced ones carry their reason. */
export function lint(loaded: Loaded, options: LintOptions = {}): Finding[] {
  const { pipeline } = loaded;
  const stages = plan(pipeline, '').stages;
  const baseDir = options.baseDir ?? dirname(loaded.file);
  const ctx: Ctx = { pipeline, stages, lineOf: loaded.lineOf, index: new Map(pipeline.regions.map((r, i) => [r.name, i])), baseDir };
  const drafts = [
    ...smallestFirst(ctx),
    ...largestLast(ctx),
    ...noAllAtOnce(ctx),
    ...explicitGate(ctx),
    ...soakDuration(ctx),
    ...namedOwner(ctx),
    ...runbook(ctx),
    ...noDemand(ctx),
    ...oversizedWave(ctx),
    ...rollbackTarget(ctx),
    ...oneWayMigration(ctx),
    ...compareControl(ctx),
    ...hotfixFloor(ctx.pipeline, ctx.lineOf),
  ];
  const allowed = new Map((pipeline.lint?.allow ?? []).map((a) => [a.rule, a.reason]));
  return drafts
    .map((d): Finding => {
      const info = RULES[d.rule];
      const severity: Severity = options.strict ? 'error' : info.severity;
      const reason = allowed.get(d.rule);
      return { ...d, severity, why: info.why, ...(reason !== undefined ? { silenced: reason } : {}) };
    })
    // The SQL of the migrations (always errors; silenced in the SQL file, next to the statement).
    .concat(lintMigrations(loaded, baseDir))
    .sort((a, b) => a.line - b.line || a.rule.localeCompare(b.rule) || a.message.localeCompare(b.message));
}

/** The findings that refuse the plan: errors nobody silenced. */
export function blockingFindings(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.severity === 'error' && f.silenced === undefined);
}

interface Ctx {
  pipeline: Pipeline;
  stages: Stage[];
  lineOf: Loaded['lineOf'];
  index: Map<string, number>;
  baseDir: string;
}

const describe = (r: PlanRegion) => `${r.name} (${r.customers} customers)`;
const names = (rs: readonly PlanRegion[]) => rs.map((r) => r.name).join(', ');
const allRegions = (ctx: Ctx) => ctx.stages.flatMap((s) => s.regions);

/** Where a stage is written: its wave, or the region entry that produced it. */
function stageLine(ctx: Ctx, stage: Stage): number {
  if (ctx.pipeline.waves) return ctx.lineOf(['waves', stage.index]);
  return ctx.lineOf(['regions', ctx.index.get(stage.regions[0].name) ?? 0]);
}

/** Regions with the fewest (or most) customers; ties broken by name, as plan() does. */
function extreme(ctx: Ctx, pick: 'min' | 'max'): PlanRegion {
  const sorted = [...allRegions(ctx)].sort((a, b) => a.customers - b.customers || (a.name < b.name ? -1 : 1));
  return pick === 'min' ? sorted[0] : sorted[sorted.length - 1];
}

function smallestFirst(ctx: Ctx): Draft[] {
  if (allRegions(ctx).length < 2) return [];
  const smallest = extreme(ctx, 'min');
  const first = ctx.stages[0];
  if (first.regions.length === 1 && first.regions[0].customers === smallest.customers) return [];
  const message =
    first.regions.length > 1
      ? `the first stage deploys ${first.regions.length} regions (${names(first.regions)}); start with the smallest region alone: ${describe(smallest)}`
      : `the first stage is ${describe(first.regions[0])}, not the smallest region ${describe(smallest)}`;
  return [{ rule: 'smallest-first', message, line: stageLine(ctx, first) }];
}

function largestLast(ctx: Ctx): Draft[] {
  if (ctx.stages.length < 2) return [];
  const largest = extreme(ctx, 'max');
  const last = ctx.stages[ctx.stages.length - 1];
  if (last.regions.some((r) => r.customers === largest.customers)) return [];
  const message = `the last stage is ${last.regions.map(describe).join(', ')}, not the largest region ${describe(largest)}`;
  return [{ rule: 'largest-last', message, line: stageLine(ctx, last) }];
}

function noAllAtOnce(ctx: Ctx): Draft[] {
  const total = allRegions(ctx).length;
  if (total < 2) return [];
  return ctx.stages
    .filter((s) => s.regions.length === total)
    .map((s) => ({
      rule: 'no-all-at-once' as const,
      message: `stage ${s.index + 1} deploys all ${total} regions at once; split it so the smallest region goes first`,
      line: stageLine(ctx, s),
    }));
}

/** Offending regions grouped by the line that decides for them (the shared default or an override). */
function groupByLine(ctx: Ctx, offending: PlanRegion[], lineFor: (i: number) => number): Map<number, PlanRegion[]> {
  const groups = new Map<number, PlanRegion[]>();
  for (const r of offending) {
    const line = lineFor(ctx.index.get(r.name) ?? 0);
    groups.set(line, [...(groups.get(line) ?? []), r]);
  }
  return groups;
}

function explicitGate(ctx: Ctx): Draft[] {
  const offending = allRegions(ctx).filter((r) => r.gate.checks.length === 0 && r.gate.approval === 'auto');
  const lineFor = (i: number) => ctx.lineOf(ctx.pipeline.regions[i].gate ? ['regions', i, 'gate'] : ['gate']);
  return [...groupByLine(ctx, offending, lineFor)].map(([line, rs]) => ({
    rule: 'explicit-gate' as const,
    message: `no explicit gate for ${names(rs)}: no checks and approval auto; add checks or approval: manual`,
    line,
  }));
}

function soakDuration(ctx: Ctx): Draft[] {
  const offending = allRegions(ctx).filter((r) => r.soakMs < MIN_SOAK_MS || r.soakMs > MAX_SOAK_MS);
  const lineFor = (i: number) => ctx.lineOf(ctx.pipeline.regions[i].soak ? ['regions', i, 'soak'] : ['soak']);
  return [...groupByLine(ctx, offending, lineFor)].map(([line, rs]) => {
    const soak = rs[0].soakMs;
    const bound = soak < MIN_SOAK_MS ? 'under 30m' : 'over 60m';
    return { rule: 'soak-duration' as const, message: `soak ${formatDuration(soak)} for ${names(rs)} is ${bound}`, line };
  });
}

function isPlaceholder(text: string): boolean {
  const t = text.trim();
  return PLACEHOLDER.test(t) || TEMPLATE_LIKE.test(t);
}

function namedOwner(ctx: Ctx): Draft[] {
  const { owner } = ctx.pipeline;
  if (!isPlaceholder(owner)) return [];
  return [{ rule: 'named-owner', message: `owner "${owner}" is a placeholder; name the team answerable for this pipeline`, line: ctx.lineOf(['owner']) }];
}

const URL_LIKE = /^https?:\/\/[^\s/]+\.[^\s]+$/i;
const PATH_LIKE = /^(\.{0,2}\/)?[^\s:]+(\/[^\s:]+)*\.(md|markdown|txt|html|adoc|rst)$|^[^\s:]*\/[^\s:]+$/i;

function runbook(ctx: Ctx): Draft[] {
  const { runbook: where } = ctx.pipeline;
  if (!isPlaceholder(where) && (URL_LIKE.test(where) || PATH_LIKE.test(where))) return [];
  return [{
    rule: 'runbook',
    message: `runbook "${where}" is not a URL or a path; point it at the pause-and-resume runbook (firebreak runbook FILE writes one)`,
    line: ctx.lineOf(['runbook']),
  }];
}

function noDemand(ctx: Ctx): Draft[] {
  return ctx.pipeline.regions.flatMap((r, i) =>
    r.customers === 0
      ? [{ rule: 'no-demand' as const, message: `${r.name} has customers: 0; add it when it has customers`, line: ctx.lineOf(['regions', i, 'customers']) }]
      : [],
  );
}

function oversizedWave(ctx: Ctx): Draft[] {
  return ctx.stages
    .filter((s) => s.regions.length > MAX_WAVE)
    .map((s) => ({
      rule: 'oversized-wave' as const,
      message: `stage ${s.index + 1} deploys ${s.regions.length} regions at once (more than ${MAX_WAVE})`,
      line: stageLine(ctx, s),
    }));
}

function rollbackTarget(ctx: Ctx): Draft[] {
  const { deploy } = ctx.pipeline;
  if (deploy.command && !deploy.current) {
    return [{
      rule: 'rollback-target',
      message: 'the command adapter has no `current` command, so nothing reads the version to roll back to; deploys need --previous',
      line: ctx.lineOf(['deploy', 'command']),
    }];
  }
  if (deploy.http && !deploy.http.status.version) {
    return [{
      rule: 'rollback-target',
      message: 'the http adapter has no status.version, so nothing reads the version to roll back to; deploys need --previous',
      line: ctx.lineOf(['deploy', 'http', 'status']),
    }];
  }
  return [];
}

// An irreversible migration needs no lint of its gate: plan() makes the first stage's gate a
// manual approval itself (docs/migrations.md), so a person always signs off before the first region.
function oneWayMigration(ctx: Ctx): Draft[] {
  return (ctx.pipeline.migrations ?? []).flatMap((m, i): Draft[] => {
    // A `down` file with no statement (only comments) reverts nothing: one-way in disguise.
    const hollow = (['expand', 'contract'] as const).filter((step) => m[step]?.down !== undefined && isEmptySql(m[step]!.down!, ctx.baseDir));
    if (hollow.length > 0) {
      return hollow.map((step) => ({
        rule: 'one-way-migration' as const,
        message: `migration ${m.id}: ${step} down ${m[step]!.down} has no statements; write the revert, or remove down and add irreversible: "<reason>" (the first stage then waits for approval)`,
        line: ctx.lineOf(['migrations', i, step, 'down']),
      }));
    }
    const oneWay = (['expand', 'contract'] as const).filter((step) => m[step] && !m[step]!.down);
    if (oneWay.length === 0) return [];
    if (!m.irreversible) {
      return [{
        rule: 'one-way-migration',
        message: `migration ${m.id}: ${oneWay.join(' and ')} has no down; add one, or irreversible: "<reason>" (the first stage then waits for approval)`,
        line: ctx.lineOf(['migrations', i, oneWay[0]]),
      }];
    }
    return [];
  });
}

// A compare needs a control in every stage: peers (the regions of later stages) or, failing
// them, the region's own history before its deploy, which only a Prometheus range query reads.
// The last stage never has peers. Without either, the judgement has too little data and
// follows onNoData after the soak extension.
function compareControl(ctx: Ctx): Draft[] {
  const out = new Map<number, { check: string; regions: string[]; enforce: boolean }>();
  ctx.stages.forEach((stage, k) => {
    const later = ctx.stages.slice(k + 1).flatMap((s) => s.regions.map((r) => r.name));
    for (const r of stage.regions) {
      r.gate.checks.forEach((c, ci) => {
        if (!c.compare) return;
        const control = controlFor(c.compare, later);
        if (control.against === 'peers' || c.prometheus) return;
        const i = ctx.index.get(r.name) ?? 0;
        const own = ctx.pipeline.regions[i].gate?.checks?.some((x) => x.name === c.name);
        const line = ctx.lineOf(own ? ['regions', i, 'gate', 'checks', ci, 'compare'] : ['gate', 'checks', ci, 'compare']);
        const entry = out.get(line) ?? { check: c.name, regions: [], enforce: c.compare.enforce };
        entry.regions.push(r.name);
        out.set(line, entry);
      });
    }
  });
  return [...out].map(([line, { check, regions, enforce }]) => ({
    rule: 'compare-control' as const,
    message: `check ${check} compares, but ${regions.join(', ')} ${regions.length === 1 ? 'has' : 'have'} no peers left and an http check has no history to compare with (before needs a Prometheus check); that judgement will have too little data and ${enforce ? 'follow onNoData' : 'show as such (shadow mode)'}`,
    line,
  }));
}
