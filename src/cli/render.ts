// Text renderings of a deploy's status: the region table and one line per event.
import type { DeployEvent, DeployStatus } from '../../workflows/messages.js';

export function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

export function renderStatus(s: DeployStatus): string {
  const head = `${s.service} ${s.version}  phase: ${s.phase}${s.pausedReason ? `  (${s.pausedReason})` : ''}`;
  const rows = [['stage', 'region', 'customers', 'state', 'from', 'gate', 'checks']];
  for (const stage of s.stages) {
    for (const r of stage.regions) {
      const checks = r.checks
        .map((c) => `${c.name}=${formatValue(c.value)}${c.threshold ? ` (${c.threshold})` : ''} n=${c.samples}${c.breaches ? ` breaches=${c.breaches}` : ''}`)
        .join(', ');
      rows.push([
        String(stage.index + 1),
        r.name,
        String(r.customers),
        r.state,
        r.fromVersion ?? '-',
        `${stage.gate.state}${stage.gate.by ? ` by ${stage.gate.by}` : ''}`,
        checks || '-',
      ]);
    }
  }
  const failed = s.stages.flatMap((x) => x.regions).filter((r) => r.error);
  const errors = failed.map((r) => `  ${r.name}: ${r.error}`);
  return [head, '', table(rows), ...(errors.length ? ['', 'errors:', ...errors] : [])].join('\n');
}

export function renderEvent(e: DeployEvent): string {
  const time = e.at.slice(11, 19);
  return `${time}  ${e.kind.padEnd(17)} ${e.message}${e.by ? `  (by ${e.by})` : ''}`;
}

function formatValue(v: unknown): string {
  if (v === null || v === undefined) return 'no-data';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(3);
  return String(v);
}
