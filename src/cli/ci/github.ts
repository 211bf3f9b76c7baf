// GitHub Actions (GITHUB_ACTIONS=true): workflow commands and the job summary, written exactly
// as the runner reads them (docs.github.com, "Workflow commands for GitHub Actions"; the
// escaping is @actions/core's): `::error file=F,line=L,col=C,title=T::message`, `::group::`
// and `::endgroup::`, and Markdown appended to the file $GITHUB_STEP_SUMMARY names. Pure.
import { dirname, join } from 'node:path';
import type { Finding } from '../../domain/pipeline/finding.js';
import type { Problem } from '../../domain/pipeline/load.js';
import type { DeployStatus, RegionStatus } from '../../../workflows/messages.js';
import { count, formatValue, judge } from '../render/format.js';

export type AnnotationLevel = 'error' | 'warning' | 'notice';

export interface AnnotationProperties {
  title?: string;
  file?: string;
  line?: number;
  col?: number;
}

/** A message: %, CR and LF escaped, so a multi-line message stays one command. */
export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A property value: as a message, and also `:` and `,`, which end a property. */
export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** One annotation line: `::error file=a.yaml,line=3,col=1,title=T::message`. */
export function annotation(level: AnnotationLevel, message: string, props: AnnotationProperties = {}): string {
  const order: (keyof AnnotationProperties)[] = ['file', 'line', 'col', 'title'];
  const pairs = order.filter((k) => props[k] !== undefined && props[k] !== '').map((k) => `${k}=${escapeProperty(String(props[k]))}`);
  return `::${level}${pairs.length ? ` ${pairs.join(',')}` : ''}::${escapeData(message)}`;
}

export const groupStart = (title: string) => `::group::${escapeData(title)}`;
export const groupEnd = () => '::endgroup::';

/** Annotations for what `plan` found: each problem of an invalid file, each unsilenced finding. */
export function lintAnnotations(file: string, out: { problems?: Problem[]; findings?: Finding[] }): string[] {
  const lines: string[] = [];
  for (const p of out.problems ?? []) {
    lines.push(annotation('error', `${p.path ? `${p.path}: ` : ''}${p.message}`, { file: p.file || file, line: p.line || undefined, col: p.col || undefined, title: 'firebreak: invalid pipeline' }));
  }
  for (const f of out.findings ?? []) {
    if (f.silenced !== undefined) continue;
    // A migration SQL finding points at the SQL file, named relative to the pipeline.
    const at = f.sql ? { file: join(dirname(file), f.sql.file), line: f.sql.line } : { file, line: f.line };
    lines.push(annotation(f.severity, `${f.message}${f.fix ? `; fix: ${f.fix}` : ''}`, { ...at, title: `firebreak lint: ${f.rule}` }));
  }
  return lines;
}

/** An error annotation for each region rolled back, with why; a warning when the deploy waits for a person. */
export function deployAnnotations(s: DeployStatus): string[] {
  const lines: string[] = [];
  for (const e of s.events) {
    if (e.kind === 'rollback_started' && e.region) lines.push(annotation('error', e.message, { title: `firebreak: ${s.service} ${s.version} rolled back in ${e.region}` }));
  }
  if (s.phase === 'rolled_back' && !s.events.some((e) => e.kind === 'rollback_started')) {
    lines.push(annotation('error', s.failure ?? 'rolled back', { title: `firebreak: ${s.service} ${s.version} rolled back` }));
  }
  if (s.phase === 'paused') lines.push(annotation('warning', s.pausedReason ?? 'paused', { title: `firebreak: ${s.service} ${s.version} waits for an operator` }));
  return lines;
}

export interface SummaryLink {
  /** FIREBREAK_UI_URL: the Temporal Web UI's base, e.g. https://temporal.example.com */
  uiUrl?: string;
  namespace: string;
  workflowId: string;
  runId?: string;
}

/** The deploy's page in the Temporal Web UI. */
export function webUiLink({ uiUrl, namespace, workflowId, runId }: SummaryLink): string | undefined {
  if (!uiUrl) return undefined;
  const base = uiUrl.replace(/\/+$/, '');
  const id = encodeURIComponent(workflowId);
  return `${base}/namespaces/${encodeURIComponent(namespace)}/workflows/${id}${runId ? `/${encodeURIComponent(runId)}` : ''}/history`;
}

/** The job summary: outcome, the Web UI link, the region table, each region's verdict with its values, the events. */
export function jobSummary(s: DeployStatus, link: SummaryLink): string {
  const url = webUiLink(link);
  const lines = [
    `## ${s.service} ${s.version}: ${s.phase}`,
    '',
    ...(s.failure ? [`**Why:** ${cell(s.failure)}`, ''] : []),
    ...(s.pausedReason ? [`**Waiting for:** ${cell(s.pausedReason)}`, ''] : []),
    url ? `[${link.workflowId} in the Temporal Web UI](${url}) · owner ${s.owner} · [runbook](${s.runbook})` : `\`${link.workflowId}\` · owner ${s.owner} · runbook ${s.runbook}`,
    '',
    '| stage | region | customers | state | from | gate |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const stage of s.stages) {
    for (const r of stage.regions) {
      lines.push(`| ${stage.index + 1} | ${r.name} | ${count(r.customers)} | ${r.state} | ${r.fromVersion ?? '-'} | ${r.gate?.state ?? '-'}${r.gate?.by ? ` (${cell(r.gate.by)})` : ''} |`);
    }
  }
  lines.push('', '### Verdicts', '');
  const regions = s.stages.flatMap((st) => st.regions).filter((r) => r.state !== 'pending');
  if (regions.length === 0) lines.push('No region was deployed.');
  for (const r of regions) lines.push(`- **${r.name}** (${r.state}): ${verdict(r)}`);
  lines.push('', '### Events', '', '| time | event | message |', '| --- | --- | --- |');
  for (const e of s.events) lines.push(`| ${e.at.slice(11, 19)} | ${e.kind} | ${cell(e.message)}${e.by ? ` (by ${cell(e.by)})` : ''} |`);
  return `${lines.join('\n')}\n`;
}

/** Each check's value against its threshold, with the samples behind it. */
function verdict(r: RegionStatus): string {
  const checks = r.checks.map((c) => {
    const judged = judge(c);
    const mark = judged === 'breach' ? ' **breach**' : judged === 'no_data' ? ' no data' : '';
    return `${c.name} = ${formatValue(c.value)}${c.threshold ? ` (${c.threshold})` : ''}${mark}, ${c.samples} sample${c.samples === 1 ? '' : 's'}, ${c.breaches} breach${c.breaches === 1 ? '' : 'es'}`;
  });
  const parts = [...checks, ...(r.error ? [cell(r.error)] : [])];
  return parts.length ? parts.join('; ') : 'no checks';
}

/** Text safe inside a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}
