// `firebreak list`: deploys from Temporal visibility, newest first, filtered by service, phase,
// owner and start time; the columns a person scans, or --json.
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { FirebreakOwner, FirebreakPhase, FirebreakRegion, FirebreakService, FirebreakVersion } from '../../workflows/search-attributes.js';
import { statusQuery, type DeployPhase, type QueuedVersion } from '../../workflows/messages.js';
import type { Client } from '@temporalio/client';
import { deployHandle, WORKFLOW_TYPE } from '../client/workflow.js';
import { ROLLBACK_WORKFLOW_TYPE } from '../../workflows/undo-messages.js';
import { parseDuration } from '../domain/pipeline/duration.js';
import { client } from './common.js';
import { outputFormat, printDocument, type ConnectFlags, type OutputFlags } from './output.js';
import { CliError } from './fail.js';
import { table } from './render.js';
import { dateTime, span } from './render/format.js';

export interface ListOptions extends OutputFlags, ConnectFlags {
  service?: string;
  phase?: string;
  owner?: string;
  /** A duration back from now (24h, 7d, 90m) or an ISO time: deploys started after it. */
  since?: string;
  limit?: number | string;
}

export interface ListRow {
  workflowId: string;
  runId: string;
  service?: string;
  version?: string;
  /** Firebreak's phase; the execution status when the workflow ended outside Firebreak. */
  phase?: string;
  /** The region(s) in flight. */
  region?: string;
  owner?: string;
  started: string;
  closed?: string;
  durationMs: number;
  /** Temporal's execution status: RUNNING, COMPLETED, TERMINATED, ... */
  status: string;
  /** Versions queued behind a running deploy (train.mode queue), from its status query. */
  queue?: QueuedVersion[];
  /** The hotfix's reason (deploy --hotfix), from the workflow's memo. */
  hotfix?: string;
}

const PHASES: readonly DeployPhase[] = ['running', 'paused', 'succeeded', 'rolled_back', 'aborted', 'failed'];
const quote = (v: string) => `"${v.replace(/["\\]/g, '\\$&')}"`;

/** The start time `--since` means: now minus a duration, or an absolute time. */
export function parseSince(since: string, now = Date.now()): Date {
  const ms = parseDuration(since.trim());
  if (ms !== undefined) return new Date(now - ms);
  if (/^\d{4}-\d{2}-\d{2}/.test(since.trim())) {
    const t = Date.parse(since.trim());
    if (!Number.isNaN(t)) return new Date(t);
  }
  throw new CliError(`--since ${JSON.stringify(since)} is neither a duration (90m, 24h, 7d) nor an ISO time (2026-11-27 or 2026-11-27T09:00:00Z)`);
}

export function listQuery(opts: ListOptions, now = Date.now()): string {
  // Deploys and rollbacks (rollback-<service>) alike: both change what a service runs.
  const terms = [`(WorkflowType = ${quote(WORKFLOW_TYPE)} OR WorkflowType = ${quote(ROLLBACK_WORKFLOW_TYPE)})`];
  if (opts.service) terms.push(`FirebreakService = ${quote(opts.service)}`);
  if (opts.phase) {
    if (!PHASES.includes(opts.phase as DeployPhase)) throw new CliError(`--phase must be one of ${PHASES.join(', ')}, not ${JSON.stringify(opts.phase)}`);
    terms.push(`FirebreakPhase = ${quote(opts.phase)}`);
  }
  if (opts.owner) terms.push(`FirebreakOwner = ${quote(opts.owner)}`);
  if (opts.since) terms.push(`StartTime > ${quote(parseSince(opts.since, now).toISOString())}`);
  return terms.join(' AND ');
}

export function toRow(wf: WorkflowExecutionInfo, now = Date.now()): ListRow {
  const sa = wf.typedSearchAttributes;
  const status = wf.status.name;
  let phase = sa.get(FirebreakPhase);
  // Terminated, timed out or failed outside Firebreak: the phase attribute never got its end.
  if (status !== 'RUNNING' && (phase === undefined || phase === 'running' || phase === 'paused')) phase = status.toLowerCase();
  const started = wf.startTime;
  const closed = wf.closeTime;
  return {
    workflowId: wf.workflowId,
    runId: wf.runId,
    service: sa.get(FirebreakService),
    version: sa.get(FirebreakVersion),
    phase,
    region: sa.get(FirebreakRegion),
    owner: sa.get(FirebreakOwner),
    started: started.toISOString(),
    ...(closed ? { closed: closed.toISOString() } : {}),
    durationMs: (closed?.getTime() ?? now) - started.getTime(),
    status,
    ...(typeof wf.memo?.firebreakHotfix === 'string' ? { hotfix: wf.memo.firebreakHotfix } : {}),
  };
}

export function renderList(rows: ListRow[], now = Date.now()): string {
  if (rows.length === 0) return 'no deploys found';
  // The QUEUED column only when a deploy has a queue: today's output otherwise.
  const queued = rows.some((r) => r.queue?.length);
  const head = ['STARTED', 'SERVICE', 'VERSION', 'PHASE', 'REGION', 'OWNER', 'DURATION', 'WORKFLOW ID', ...(queued ? ['QUEUED'] : [])];
  return table([
    head,
    ...rows.map((r) => [
      dateTime(r.started).replace(' UTC', ''),
      r.service ?? '',
      `${r.version ?? ''}${r.hotfix ? ' (hotfix)' : ''}`,
      r.phase ?? '',
      r.region || '-',
      r.owner ?? '',
      span(r.durationMs),
      r.workflowId,
      ...(queued ? [(r.queue ?? []).map((q) => `${q.version} (${q.by ?? 'unknown'}, ${span(now - Date.parse(q.since))} ago)`).join(', ') || '-'] : []),
    ]),
  ]);
}

/** How long list waits for a worker to answer a running deploy's status (its queue); none: no queue shown. */
const QUEUE_QUERY_MS = 3000;

/** The queue of each running deploy, read from its status query; left out when no worker answers. */
async function addQueues(c: Client, rows: ListRow[]): Promise<void> {
  await Promise.all(
    rows
      .filter((r) => r.status === 'RUNNING')
      .map(async (r) => {
        try {
          const s = await c.withDeadline(Date.now() + QUEUE_QUERY_MS, () => deployHandle(c, r.workflowId, r.runId).query(statusQuery));
          if (s.queue?.length) r.queue = s.queue;
        } catch {
          // The queue is extra: a deploy no worker answers for is still listed from visibility.
        }
      }),
  );
}

export async function listCommand(opts: ListOptions): Promise<void> {
  const format = outputFormat(opts);
  const limit = Number(opts.limit ?? 50);
  if (!Number.isInteger(limit) || limit < 1) throw new CliError(`--limit must be a positive whole number, not ${JSON.stringify(opts.limit)}`);
  const now = Date.now();
  const query = listQuery(opts, now);
  const c = await client(opts);
  const rows: ListRow[] = [];
  // Visibility returns newest first; the sort below makes it so whatever the store.
  for await (const wf of c.workflow.list({ query })) {
    rows.push(toRow(wf, now));
    if (rows.length >= limit) break;
  }
  rows.sort((a, b) => b.started.localeCompare(a.started));
  await addQueues(c, rows);
  if (format !== 'text') return printDocument(format, rows);
  process.stdout.write(`${renderList(rows, now)}\n`);
}
