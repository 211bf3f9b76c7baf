// The ledger: the firebreak_migrations table, where each database records the migration
// statements applied to it. The activity (activities/migrations.ts) writes it under the lock;
// `firebreak migrations status` reads it here, without the activity's machinery.
import pg from 'pg';

export const MIGRATIONS_TABLE = 'firebreak_migrations';

export interface MigrationStatusRow {
  id: string;
  phase: 'expand' | 'contract';
  direction: 'up' | 'down';
  checksum: string;
  statements: number;
  /** Statements recorded; equal to `statements` when the step is complete. */
  applied: number;
  complete: boolean;
  deployId: string;
  service: string;
  appliedAt: string;
}

/** What is recorded in a database (resolved URL). Read-only: takes no lock. */
export async function migrationStatus(database: string): Promise<MigrationStatusRow[]> {
  const client = new pg.Client({ connectionString: database, application_name: 'firebreak' });
  try {
    await client.connect();
    const table = await tableName(client);
    const exists = await client.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [table]);
    if (exists.rows[0].t === null) return [];
    const res = await client.query<{
      id: string; phase: 'expand' | 'contract'; direction: 'up' | 'down'; checksum: string; statements: number;
      applied: number; deploy_id: string; service: string; applied_at: Date;
    }>(
      `SELECT id, phase, direction,
              (array_agg(checksum ORDER BY applied_at DESC))[1] AS checksum,
              max(statements) AS statements, count(*)::int AS applied,
              (array_agg(deploy_id ORDER BY applied_at DESC))[1] AS deploy_id,
              (array_agg(service ORDER BY applied_at DESC))[1] AS service,
              max(applied_at) AS applied_at
         FROM ${table}
        GROUP BY id, phase, direction
        ORDER BY min(applied_at), id, phase, direction`,
    );
    return res.rows.map((r) => ({
      id: r.id,
      phase: r.phase,
      direction: r.direction,
      checksum: r.checksum,
      statements: r.statements,
      applied: r.applied,
      complete: r.applied >= r.statements,
      deployId: r.deploy_id,
      service: r.service,
      appliedAt: r.applied_at.toISOString(),
    }));
  } catch (err) {
    throw new Error(hidePassword(err instanceof Error ? err.message : String(err), database));
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A message with the URL's password (as written and decoded) replaced by ***. */
function hidePassword(text: string, url: string): string {
  const password = parseUrl(url)?.password;
  if (!password) return text;
  let out = text;
  for (const p of [password, decodeURIComponent(password)].sort((a, b) => b.length - a.length)) if (p.length >= 3) out = out.split(p).join('***');
  return out;
}

export function parseUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** Which database a URL names (host, port, database): one session and one lock per identity. */
function identity(url: string): string {
  const u = parseUrl(url);
  if (!u) return url;
  const host = u.hostname || u.searchParams.get('host') || 'localhost';
  return `${host}:${u.port || '5432'}/${decodeURIComponent(u.pathname.replace(/^\//, ''))}`;
}

/** `host:port/db` of a URL, for messages: never the user's password. */
export function describeDatabase(url: string): string {
  return identity(url);
}

/** The ledger table, schema-qualified (the connection's current schema). */
export async function tableName(client: pg.Client): Promise<string> {
  const res = await client.query<{ s: string | null }>('SELECT current_schema() AS s');
  return `${client.escapeIdentifier(res.rows[0].s ?? 'public')}.${client.escapeIdentifier(MIGRATIONS_TABLE)}`;
}
