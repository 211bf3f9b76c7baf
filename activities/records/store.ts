// The records database (PostgreSQL, FIREBREAK_RECORDS_URL): write a deploy's record (an upsert
// per run that never goes back to an older revision), mark one rolled back, read a period.
// One short-lived connection per call: a worker writes a few records per deploy, and a
// database that was down is simply reached again on the next attempt.
import pg from 'pg';
import type { DeployRecord } from '../../src/domain/records/record.js';
import { migrateRecords } from './schema.js';

export interface RecordQuery {
  from: Date;
  to: Date;
  service?: string;
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'an unreadable URL';
  }
}

export async function withRecords<T>(url: string, fn: (c: pg.Client) => Promise<T>, opts: { migrate?: boolean } = {}): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000, statement_timeout: 10_000 });
  // A connection lost mid-call surfaces as the query's error, not as an uncaught 'error' event.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw new Error(`cannot reach the records database at ${redactUrl(url)}: ${(err as Error).message || String(err)}`, { cause: err });
  }
  try {
    if (opts.migrate !== false) await migrateRecords(client);
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const iso = (t: string | undefined) => (t && !Number.isNaN(Date.parse(t)) ? new Date(Date.parse(t)).toISOString() : null);

/** Writes the record; a write of an older revision than the stored one changes nothing. Returns true when it wrote. */
/** `keepFinal`: (an import) never replaces a record the deploy itself finished. */
export async function upsertRecord(c: pg.ClientBase, r: DeployRecord, opts: { keepFinal?: boolean } = {}): Promise<boolean> {
  const s = r.status;
  const res = await c.query(
    `INSERT INTO firebreak_deploy_records
       (workflow_id, run_id, service, version, phase, final, revision, started_at, ended_at, pipeline_hash, commit_sha, commit_time, status, written_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, now())
     ON CONFLICT (workflow_id, run_id) DO UPDATE SET
       service = EXCLUDED.service, version = EXCLUDED.version, phase = EXCLUDED.phase, final = EXCLUDED.final,
       revision = EXCLUDED.revision, started_at = EXCLUDED.started_at, ended_at = EXCLUDED.ended_at,
       pipeline_hash = EXCLUDED.pipeline_hash, commit_sha = EXCLUDED.commit_sha, commit_time = EXCLUDED.commit_time,
       status = EXCLUDED.status, written_at = now()
     WHERE firebreak_deploy_records.revision < EXCLUDED.revision${opts.keepFinal ? ' AND NOT firebreak_deploy_records.final' : ''}`,
    [r.workflowId, r.runId, s.service, s.version, s.phase, r.final, r.revision, iso(s.startedAt), iso(s.endedAt), r.pipelineHash ?? null, s.commit?.sha ?? null, iso(s.commit?.time), JSON.stringify(s)],
  );
  return (res.rowCount ?? 0) > 0;
}

/** Marks a deploy as taken back by a later `firebreak rollback` (the first such mark stays). */
export async function markRolledBack(c: pg.ClientBase, workflowId: string, runId: string, at: string, by?: string): Promise<void> {
  await c.query(
    `UPDATE firebreak_deploy_records SET rolled_back_after = $3::jsonb WHERE workflow_id = $1 AND run_id = $2 AND rolled_back_after IS NULL`,
    [workflowId, runId, JSON.stringify({ at, ...(by ? { by } : {}) })],
  );
}

interface Row {
  workflow_id: string;
  run_id: string;
  final: boolean;
  revision: number;
  pipeline_hash: string | null;
  rolled_back_after: { at: string; by?: string } | null;
  status: DeployRecord['status'];
}

/** Records of deploys started in [from, to), oldest first. */
export async function readRecords(c: pg.ClientBase, q: RecordQuery): Promise<DeployRecord[]> {
  const args: unknown[] = [q.from.toISOString(), q.to.toISOString()];
  const where = ['started_at >= $1', 'started_at < $2'];
  if (q.service) {
    args.push(q.service);
    where.push(`service = $${args.length}`);
  }
  const { rows } = await c.query<Row>(`SELECT workflow_id, run_id, final, revision, pipeline_hash, rolled_back_after, status FROM firebreak_deploy_records WHERE ${where.join(' AND ')} ORDER BY started_at`, args);
  return rows.map((r) => ({
    workflowId: r.workflow_id,
    runId: r.run_id,
    final: r.final,
    revision: r.revision,
    status: r.status,
    ...(r.pipeline_hash ? { pipelineHash: r.pipeline_hash } : {}),
    ...(r.rolled_back_after ? { rolledBackAfter: r.rolled_back_after } : {}),
  }));
}
