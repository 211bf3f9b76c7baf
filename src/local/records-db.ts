// The dev stack's records database: a PostgreSQL cluster of Debian's binaries under the state
// dir (<stateDir>/records), started with the stack and kept across restarts as temporal.db is,
// so `firebreak dev` needs nothing else for deploy records (docs/operating.md, "Deploy records").
// The same server code as `--persistence postgres` (src/local/postgres.ts); its own cluster, so
// the records never share a fate with Temporal's persistence.
import { join } from 'node:path';
import pg from 'pg';
import { clusterExists, dataDirUsed, initCluster, startCluster, type PostgresCluster } from './postgres.js';
import { findPostgresBin } from './tools.js';
import { migrateRecords } from '../../activities/records/schema.js';

/** A local, loopback-only development database: fixed credentials are no secret worth keeping. */
const USER = 'firebreak';
const PASSWORD = 'firebreak';
export const RECORDS_DB = 'firebreak_records';

export interface RecordsDb {
  url: string;
  cluster: PostgresCluster;
  stop(): Promise<void>;
}

/** Why the stack cannot start one, or undefined when PostgreSQL's binaries are installed. */
export function recordsDbMissing(): string | undefined {
  return findPostgresBin() ? undefined : "PostgreSQL's server binaries are not installed (npm run setup installs Debian's postgresql)";
}

export async function startRecordsDb(stateDir: string, port: number): Promise<RecordsDb> {
  const dir = join(stateDir, 'records');
  const opts = { dir, port, user: USER, password: PASSWORD };
  if (!clusterExists(dir)) {
    if (dataDirUsed(dir)) throw new Error(`${join(dir, 'data')} holds something that is not a PostgreSQL cluster: move it away`);
    initCluster(opts);
  }
  const cluster = await startCluster(opts);
  try {
    const admin = new pg.Client({ connectionString: cluster.urlOf('postgres') });
    await admin.connect();
    try {
      const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [RECORDS_DB]);
      if (!rowCount) await admin.query(`CREATE DATABASE ${RECORDS_DB}`);
    } finally {
      await admin.end();
    }
    const url = cluster.urlOf(RECORDS_DB);
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      await migrateRecords(db);
    } finally {
      await db.end();
    }
    return { url, cluster, stop: () => cluster.stop() };
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}
