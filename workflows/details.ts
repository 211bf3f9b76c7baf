// The "current details" the Temporal Web UI shows on the workflow page: a region table in
// Markdown, so an engineer sees the deploy without opening its history.
import type { DeployStatus } from './messages.js';

export function detailsMarkdown(s: DeployStatus): string {
  const last = s.events[s.events.length - 1];
  const lines = [
    `**${s.service} ${s.version}**: ${s.phase}${s.pausedReason ? ` (${s.pausedReason})` : ''}`,
    ...(last ? ['', `last: ${last.at} ${last.message}`] : []),
    '',
    '| stage | region | customers | state | from | checks |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const stage of s.stages) {
    for (const r of stage.regions) {
      const checks = r.checks.map((c) => `${c.name}=${c.value ?? 'no data'} (${c.samples})`).join(', ');
      lines.push(
        `| ${stage.index + 1} | ${r.name} | ${r.customers} | ${r.state}${r.error ? `: ${r.error}` : ''} | ${r.fromVersion ?? '-'} | ${checks || '-'} |`,
      );
    }
  }
  return lines.join('\n');
}
