// `firebreak list`: deploys from Temporal visibility, newest first.
import { FirebreakOwner, FirebreakPhase, FirebreakRegion, FirebreakService, FirebreakVersion } from '../../workflows/search-attributes.js';
import { WORKFLOW_TYPE } from '../../workflows/messages.js';
import { client, printJson } from './common.js';
import { table } from './render.js';

export interface ListOptions {
  service?: string;
  phase?: string;
  owner?: string;
  json?: boolean;
  limit?: number;
}

const quote = (v: string) => `"${v.replace(/["\\]/g, '\\$&')}"`;

export function listQuery(opts: ListOptions): string {
  const terms = [`WorkflowType = ${quote(WORKFLOW_TYPE)}`];
  if (opts.service) terms.push(`FirebreakService = ${quote(opts.service)}`);
  if (opts.phase) terms.push(`FirebreakPhase = ${quote(opts.phase)}`);
  if (opts.owner) terms.push(`FirebreakOwner = ${quote(opts.owner)}`);
  return `${terms.join(' AND ')} ORDER BY StartTime DESC`;
}

export async function listCommand(opts: ListOptions): Promise<void> {
  const c = await client();
  const rows: Record<string, string | undefined>[] = [];
  for await (const wf of c.workflow.list({ query: listQuery(opts) })) {
    rows.push({
      workflowId: wf.workflowId,
      runId: wf.runId,
      service: wf.typedSearchAttributes.get(FirebreakService),
      version: wf.typedSearchAttributes.get(FirebreakVersion),
      phase: wf.typedSearchAttributes.get(FirebreakPhase),
      region: wf.typedSearchAttributes.get(FirebreakRegion),
      owner: wf.typedSearchAttributes.get(FirebreakOwner),
      started: wf.startTime.toISOString(),
      closed: wf.closeTime?.toISOString(),
    });
    if (rows.length >= (opts.limit ?? 50)) break;
  }
  if (opts.json) return printJson(rows);
  if (rows.length === 0) {
    process.stdout.write('no deploys found\n');
    return;
  }
  const head = ['started', 'service', 'version', 'phase', 'region', 'owner', 'workflow id'];
  process.stdout.write(
    `${table([head, ...rows.map((r) => [r.started!.slice(0, 19).replace('T', ' '), r.service ?? '', r.version ?? '', r.phase ?? '', r.region ?? '', r.owner ?? '', r.workflowId!])])}\n`,
  );
}
