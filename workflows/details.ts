// The "current details" the Temporal Web UI shows on the workflow page: a region table in
// Markdown, so an engineer sees the deploy without opening its history.
import type { CompareStatus, DeployStatus } from './messages.js';

export function detailsMarkdown(s: DeployStatus): string {
  const last = s.events[s.events.length - 1];
  const lines = [
    `**${s.service} ${s.version}**: ${s.phase}${s.pausedReason ? ` (${s.pausedReason})` : ''}`,
    ...(last ? ['', `last: ${last.at} ${last.message}`] : []),
    ...queueLines(s),
    '',
    '| stage | region | customers | state | from | checks |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const stage of s.stages) {
    for (const r of stage.regions) {
      const checks = r.checks.map((c) => `${c.name}=${c.value ?? 'no data'} (${c.samples})${c.compare ? ` ${compareCell(c.compare)}` : ''}`).join(', ');
      lines.push(
        `| ${stage.index + 1} | ${r.name} | ${r.customers} | ${r.state}${r.error ? `: ${r.error}` : ''} | ${r.fromVersion ?? '-'} | ${checks || '-'} |`,
      );
    }
  }
  return lines.join('\n');
}

/** The train: what waits behind this deploy, and what it starts next. */
function queueLines(s: DeployStatus): string[] {
  const lines: string[] = [];
  if (s.queue?.length && !s.next) {
    lines.push('', `queued: ${s.queue.map((q) => `${q.version} (by ${q.by ?? 'unknown'}, since ${q.since})`).join(', ')}`);
  }
  if (s.next) lines.push('', `next: ${s.next} starts as the next run of this deploy`);
  return lines;
}

/** A check's peer judgement in the table: control and, at the end of the soak, the verdict. */
function compareCell(c: CompareStatus): string {
  const against = c.against === 'peers' ? `peers ${(c.regions ?? []).join('/')}` : 'before';
  const verdict = c.verdict ? `: ${c.verdict.replace(/_/g, ' ')}${c.text ? ` (${c.text})` : ''}` : '';
  return `[vs ${against}${c.enforce ? '' : ', shadow'}, control ${c.control ?? 'no data'}, ${c.samples} paired${verdict}]`.replace(/\|/g, '/');
}
