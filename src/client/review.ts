// The quarterly deploy-pattern review (seed: "Rollout-quality retrospective per quarter"):
// from finished deploys, how the sequencing did. Pure: statuses in, a report out.
import { count } from '../domain/format.js';
import type { DeployStatus } from '../../workflows/messages.js';
import type { Dora, DoraKeys, Spread } from '../domain/records/dora.js';
import { formatDuration } from '../domain/pipeline/duration.js';
import { regionFit, regionFitMarkdown, type RegionFit } from './review-regions.js';

/** Where the review read its deploys, and what that leaves out. */
export interface ReviewSource {
  kind: 'records' | 'temporal';
  /** The records database (password hidden), or the Temporal namespace. */
  where: string;
  /** Set when the source may miss part of the period (Temporal's retention shorter than it). */
  warning?: string;
}

/** The whole review: the period, the source, the seed's measures (top level, as before) and the DORA keys. */
export type FullReview = ReviewReport & {
  period: { from: string; to: string; label: string };
  source: ReviewSource;
  dora: Dora;
  /** The SVG plots written (review --plots DIR), as paths. */
  plots?: Record<string, string>;
};

export interface ReviewReport {
  deploys: number;
  byPhase: Record<string, number>;
  /** Deploys where a region failed, by the stage (1-based) of the first failure. */
  caughtAtStage: Record<number, number>;
  /** Of those, the share caught in the first stage (the smallest region). */
  caughtFirstShare: number | null;
  /** Failed regions' customers, against the customers a naive all-at-once deploy would have hit. */
  customersExposedToFailures: number;
  customersAllAtOnce: number;
  operatorActions: Record<string, number>;
  inconclusive: number;
  /** Deploys paused because a region and its control breached alike (peer judgement). */
  environment: number;
  /** Deploys through the hotfix lane (deploy --hotfix). */
  hotfixes: number;
  /** Deploys started with --override-freeze, and deploys a freeze held at a gate. */
  freezeOverrides: number;
  frozen: number;
  medianDurationMs: number | null;
  services: string[];
  /** Each service's customers against its regions (add regions as you grow). */
  regions: RegionFit[];
}

export function review(statuses: DeployStatus[]): ReviewReport {
  const byPhase: Record<string, number> = {};
  const caughtAtStage: Record<number, number> = {};
  const operatorActions: Record<string, number> = {};
  let exposed = 0;
  let allAtOnce = 0;
  let inconclusive = 0;
  let environment = 0;
  let hotfixes = 0;
  let freezeOverrides = 0;
  let frozen = 0;
  const durations: number[] = [];
  for (const s of statuses) {
    byPhase[s.phase] = (byPhase[s.phase] ?? 0) + 1;
    const failedEvents = s.events.filter((e) => e.kind === 'region_failed');
    if (failedEvents.length > 0) {
      const first = s.stages.find((st) => st.regions.some((r) => r.name === failedEvents[0].region));
      const stage = (first?.index ?? 0) + 1;
      caughtAtStage[stage] = (caughtAtStage[stage] ?? 0) + 1;
      const regions = s.stages.flatMap((st) => st.regions);
      // Exposure: every region that ran the bad version before the failure was caught.
      const reached = s.stages.filter((st) => st.index < (first?.index ?? 0) + 1).flatMap((st) => st.regions);
      exposed += reached.reduce((n, r) => n + r.customers, 0);
      allAtOnce += regions.reduce((n, r) => n + r.customers, 0);
    }
    // An environment hold shows as an inconclusive gate too; it is counted apart.
    const sick = s.events.some((e) => e.kind === 'environment');
    if (sick) environment += 1;
    if (s.events.some((e) => e.kind === 'inconclusive') || (!sick && s.stages.some((st) => st.gate.state === 'inconclusive'))) inconclusive += 1;
    for (const e of s.events) {
      if (['paused', 'resumed', 'approved', 'retry', 'abort'].includes(e.kind) && e.by && e.by !== 'firebreak') {
        operatorActions[e.kind] = (operatorActions[e.kind] ?? 0) + 1;
      }
    }
    if (s.hotfix || s.events.some((e) => e.kind === 'hotfix')) hotfixes += 1;
    if (s.overrideFreeze || s.events.some((e) => e.kind === 'freeze_override')) freezeOverrides += 1;
    if (s.events.some((e) => e.kind === 'frozen')) frozen += 1;
    if (s.endedAt) durations.push(Date.parse(s.endedAt) - Date.parse(s.startedAt));
  }
  const caught = Object.values(caughtAtStage).reduce((a, b) => a + b, 0);
  durations.sort((a, b) => a - b);
  return {
    deploys: statuses.length,
    byPhase,
    caughtAtStage,
    caughtFirstShare: caught === 0 ? null : (caughtAtStage[1] ?? 0) / caught,
    customersExposedToFailures: exposed,
    customersAllAtOnce: allAtOnce,
    operatorActions,
    inconclusive,
    environment,
    hotfixes,
    freezeOverrides,
    frozen,
    medianDurationMs: durations.length ? durations[Math.floor(durations.length / 2)] : null,
    services: [...new Set(statuses.map((s) => s.service))].sort(),
    regions: regionFit(statuses),
  };
}

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

const span = (x: Spread) => (x.medianMs === null ? 'n/a' : `median ${formatDuration(x.medianMs)}, p90 ${formatDuration(x.p90Ms ?? 0)} (${x.count})`);
const rate = (k: DoraKeys) => (k.changeFailureRate === null ? 'n/a' : `${pct(k.changeFailureRate)} (${k.failures} of ${k.changes})`);
const doraRow = (name: string, k: DoraKeys) => `| ${name} | ${k.changes} (${k.perWeek.toFixed(1)}/week) | ${span(k.leadTime)} | ${rate(k)} | ${span(k.timeToRestore)} |`;

/** The DORA section, and the plots when written. */
function doraMarkdown(full: FullReview): string[] {
  const { dora } = full;
  const lines = ['', '## Delivery (DORA)', ''];
  if (dora.overall.deploys === 0) {
    lines.push('No deploy finished in this period: nothing to measure.');
  } else {
    lines.push('| service | deploys that reached a region | lead time (commit to last promotion) | change failure rate | time to restore |', '| --- | --- | --- | --- | --- |');
    for (const [svc, k] of Object.entries(dora.byService)) lines.push(doraRow(svc, k));
    if (Object.keys(dora.byService).length > 1) lines.push(doraRow('**all**', dora.overall));
    if (dora.overall.leadTime.count === 0) lines.push('', 'No lead time: no succeeded deploy gave its commit time (`deploy --commit SHA --commit-time T`, or CI_COMMIT_TIMESTAMP).');
  }
  if (dora.open > 0) lines.push('', `Still running or paused, not counted: ${dora.open}.`);
  if (dora.stageMinutes.length) lines.push('', `Time per stage (median, succeeded deploys): ${dora.stageMinutes.map((s) => `stage ${s.stage} ${s.medianMinutes.toFixed(1)} min`).join(', ')}.`);
  const plots = Object.entries(full.plots ?? {});
  if (plots.length) lines.push('', ...plots.map(([title, file]) => `![${title}](${file})`));
  return lines;
}

/** The whole review as Markdown: period and source first, then DORA, then the seed's measures. */
export function fullReviewMarkdown(full: FullReview): string {
  const head = [`# Deploy-pattern review: ${full.period.label}`, '', `Source: ${full.source.kind === 'records' ? 'deploy records' : 'Temporal visibility'} (${full.source.where}).`];
  if (full.source.warning) head.push('', `**Warning:** ${full.source.warning}`);
  const body = reviewMarkdown(full, full.period.label).split('\n').slice(1);
  const [summary, ...rest] = body.slice(1);
  return `${[...head, '', summary, ...doraMarkdown(full), ...rest].join('\n')}`;
}

export function reviewMarkdown(r: ReviewReport, since: string): string {
  const lines = [
    `# Deploy-pattern review (deploys started since ${since})`,
    '',
    `Services: ${r.services.join(', ') || 'none'}. Deploys: ${r.deploys} (${Object.entries(r.byPhase).map(([p, n]) => `${n} ${p}`).join(', ') || 'none'}).`,
  ];
  if (r.medianDurationMs !== null) lines.push(`Median deploy duration: ${Math.round(r.medianDurationMs / 60_000)} min.`);
  const caught = Object.entries(r.caughtAtStage).sort(([a], [b]) => Number(a) - Number(b));
  lines.push('', '## Where failures were caught');
  if (caught.length === 0) lines.push('', 'No region failed in this period.');
  else {
    lines.push('', '| stage | deploys whose first failure was here |', '| --- | --- |', ...caught.map(([st, n]) => `| ${st} | ${n} |`));
    lines.push('', `Caught in the first (smallest) stage: ${pct(r.caughtFirstShare ?? 0)}. ` +
      `Customers on a failing version before it was caught: ${count(r.customersExposedToFailures)}, ` +
      `against ${count(r.customersAllAtOnce)} had the same deploys gone to every region at once.`);
  }
  lines.push('', '## People in the loop', '');
  const actions = Object.entries(r.operatorActions);
  lines.push(actions.length ? actions.map(([k, n]) => `- ${k}: ${n}`).join('\n') : '- no operator actions');
  lines.push(`- deploys with an inconclusive check (no data): ${r.inconclusive}`);
  if (r.environment > 0) lines.push(`- deploys paused by a fleet incident (environment: the region and its control breached alike): ${r.environment}`);
  lines.push(`- hotfixes (shorter soaks): ${r.hotfixes ?? 0}`);
  lines.push(`- deploys that passed a freeze (--override-freeze): ${r.freezeOverrides ?? 0}; deploys held by a freeze: ${r.frozen ?? 0}`);
  lines.push(...regionFitMarkdown(r.regions ?? []));
  lines.push('', '## Questions for the review', '',
    '- Failures caught after the first stage: would a smaller first region, or a longer soak, have caught them sooner?',
    '- Inconclusive checks: is each gate\'s query still returning data for every region?',
    '- Pauses and aborts: does the runbook (`firebreak runbook FILE`) still match what operators did?',
    '- Regions and waves: does the sequence still match where customers are (`firebreak plan FILE`)?');
  return `${lines.join('\n')}\n`;
}
