// The records database's schema, managed by Firebreak itself (docs/operating.md, "Deploy
// records"): numbered steps, each applied once in a transaction under an advisory lock, the
// version kept in firebreak_records_schema. Only ever append a step; never edit one.
import type pg from 'pg';

export const RECORDS_SCHEMA: readonly string[] = [
  // 1: one row per deploy run; the status as the workflow last wrote it, and the columns a review filters on.
  `CREATE TABLE firebreak_deploy_records (
     workflow_id text NOT NULL,
     run_id text NOT NULL,
     service text NOT NULL,
     version text NOT NULL,
     phase text NOT NULL,
     final boolean NOT NULL,
     revision integer NOT NULL,
     started_at timestamptz NOT NULL,
     ended_at timestamptz,
     pipeline_hash text,
     commit_sha text,
     commit_time timestamptz,
     rolled_back_after jsonb,
     status jsonb NOT NULL,
     written_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (workflow_id, run_id)
   );
   CREATE INDEX firebreak_deploy_records_started ON firebreak_deploy_records (started_at);
   CREATE INDEX firebreak_deploy_records_service ON firebreak_deploy_records (service, started_at);`,
];

/** Any number: the key of the advisory lock that serialises migrations. */
const LOCK_KEY = 7_231_522;

/** Brings the schema to the latest version; returns how many steps it applied. */
export async function migrateRecords(client: pg.ClientBase): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await client.query('CREATE TABLE IF NOT EXISTS firebreak_records_schema (version integer NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())');
    const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM firebreak_records_schema');
    const at = rows[0]?.v ?? 0;
    if (at > RECORDS_SCHEMA.length) throw new Error(`the records database is at schema version ${at}, newer than this Firebreak knows (${RECORDS_SCHEMA.length}): upgrade Firebreak`);
    for (let v = at + 1; v <= RECORDS_SCHEMA.length; v++) {
      await client.query(RECORDS_SCHEMA[v - 1]);
      await client.query('INSERT INTO firebreak_records_schema (version) VALUES ($1)', [v]);
    }
    await client.query('COMMIT');
    return RECORDS_SCHEMA.length - at;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
