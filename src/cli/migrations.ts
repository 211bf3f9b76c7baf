// `firebreak migrations status FILE [--json]`: which of the pipeline's migrations are applied
// in which database, read from each database's firebreak_migrations table. The database URLs
// are resolved from this process's environment, as a worker would; a password never prints.
import { dirname } from 'node:path';
import { loadPipelineFile } from '../domain/pipeline/load.js';
import { resolveMigrations, PHASES, type MigrationPhase, type PlanMigration } from '../domain/migrations/steps.js';
import { describeDatabase, migrationStatus, type MigrationStatusRow } from '../../activities/ledger.js';
import { CliError, EXIT } from './fail.js';
import { outputFormat, printDocument, type OutputFlags } from './output.js';
import { ENV_REF, envRefNames } from '../domain/pipeline/env-ref.js';
import { table } from '../domain/table.js';

export type MigrationState = 'applied' | 'partly applied' | 'rolled back' | 'partly rolled back' | 'pending';

export interface MigrationStatusEntry {
  id: string;
  phase: MigrationPhase;
  /** The direction last recorded: `up` (applied) or `down` (rolled back); absent when pending. */
  direction?: 'up' | 'down';
  state: MigrationState;
  statements?: number;
  applied?: number;
  appliedAt?: string;
  deployId?: string;
  service?: string;
  checksum?: string;
  /** The SQL file's checksum now, when the file is readable. */
  fileChecksum?: string;
  /** True when what ran differs from the file now (a migration was edited after it ran). */
  changed?: boolean;
  /** False for a record of a migration this pipeline no longer names. */
  inPipeline: boolean;
}

export interface DatabaseStatus {
  /** host:port/database: never the user or password. */
  database: string;
  /** As written in the pipeline, e.g. ${DATABASE_URL}. */
  as: string;
  error?: string;
  migrations: MigrationStatusEntry[];
}

function resolveDatabase(written: string, id: string, env: NodeJS.ProcessEnv): string {
  const missing = envRefNames(written).filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new CliError(`migration ${id}: environment variable ${missing.join(', ')} is not set (database: ${written}); export it to read the migrations table`);
  }
  return written.replace(ENV_REF, (_, name: string) => env[name]!);
}

/** The status of every migration of a pipeline, per database. */
export async function migrationsStatus(file: string, env: NodeJS.ProcessEnv = process.env): Promise<{ service: string; databases: DatabaseStatus[] }> {
  const loaded = loadPipelineFile(file);
  const migrations = loaded.pipeline.migrations ?? [];
  const urls = migrations.map((m) => resolveDatabase(m.database, m.id, env));
  let files: PlanMigration[] | undefined;
  try {
    files = resolveMigrations(migrations, dirname(file));
  } catch {
    files = undefined; // unreadable SQL: still show what the databases recorded
  }
  const groups = new Map<string, { url: string; as: string; ids: number[] }>();
  migrations.forEach((m, i) => {
    const key = describeDatabase(urls[i]);
    const g = groups.get(key) ?? { url: urls[i], as: m.database, ids: [] };
    g.ids.push(i);
    groups.set(key, g);
  });
  const databases: DatabaseStatus[] = [];
  for (const [database, g] of groups) {
    let rows: MigrationStatusRow[];
    try {
      rows = await migrationStatus(g.url);
    } catch (err) {
      databases.push({ database, as: g.as, error: (err as Error).message, migrations: [] });
      continue;
    }
    const entries: MigrationStatusEntry[] = [];
    const named = new Set<string>();
    for (const i of g.ids) {
      const m = migrations[i];
      for (const phase of PHASES) {
        if (!m[phase]) continue;
        named.add(`${m.id}/${phase}`);
        const mine = rows.filter((r) => r.id === m.id && r.phase === phase);
        entries.push(entry(m.id, phase, mine, files?.[i]?.[phase]?.up.checksum, files?.[i]?.[phase]?.down?.checksum, true));
      }
    }
    const others = new Map<string, MigrationStatusRow[]>();
    for (const r of rows) {
      const key = `${r.id}/${r.phase}`;
      if (!named.has(key)) others.set(key, [...(others.get(key) ?? []), r]);
    }
    for (const rs of others.values()) entries.push(entry(rs[0].id, rs[0].phase, rs, undefined, undefined, false));
    databases.push({ database, as: g.as, migrations: entries });
  }
  return { service: loaded.pipeline.service, databases };
}

function entry(id: string, phase: MigrationPhase, rows: MigrationStatusRow[], upSum: string | undefined, downSum: string | undefined, inPipeline: boolean): MigrationStatusEntry {
  // Rows of one (id, phase) are of one direction at a time (the activity keeps it so).
  const row = rows.sort((a, b) => b.appliedAt.localeCompare(a.appliedAt))[0];
  if (!row) return { id, phase, state: 'pending', inPipeline, ...(upSum ? { fileChecksum: upSum } : {}) };
  const state: MigrationState =
    row.direction === 'up' ? (row.complete ? 'applied' : 'partly applied') : row.complete ? 'rolled back' : 'partly rolled back';
  const fileChecksum = row.direction === 'up' ? upSum : downSum;
  return {
    id,
    phase,
    direction: row.direction,
    state,
    statements: row.statements,
    applied: row.applied,
    appliedAt: row.appliedAt,
    deployId: row.deployId,
    service: row.service,
    checksum: row.checksum,
    ...(fileChecksum ? { fileChecksum, changed: fileChecksum !== row.checksum } : {}),
    inPipeline,
  };
}

export async function migrationsStatusCommand(file: string, opts: OutputFlags): Promise<void> {
  const format = outputFormat(opts);
  const status = await migrationsStatus(file);
  const failed = status.databases.some((d) => d.error !== undefined);
  if (format !== 'text') {
    printDocument(format, { file, ...status });
  } else if (status.databases.length === 0) {
    process.stdout.write(`${file}: ${status.service} has no migrations\n`);
  } else {
    const out: string[] = [];
    for (const d of status.databases) {
      out.push(`database ${d.database} (${d.as})`);
      if (d.error !== undefined) {
        out.push(`  cannot read: ${d.error}`, '');
        continue;
      }
      const rows = [
        ['MIGRATION', 'PHASE', 'DIRECTION', 'STATE', 'APPLIED AT', 'DEPLOY', 'SERVICE'],
        ...d.migrations.map((m) => [
          m.id,
          m.phase,
          m.direction ?? '-',
          `${m.state}${m.state.startsWith('partly') ? ` (${m.applied}/${m.statements})` : ''}${m.changed ? ', file changed since' : ''}${m.inPipeline ? '' : ', not in this pipeline'}`,
          m.appliedAt ?? '-',
          m.deployId ?? '-',
          m.service ?? '-',
        ]),
      ];
      out.push(table(rows, { indent: '  ' }), '');
    }
    process.stdout.write(`${out.join('\n').trimEnd()}\n`);
  }
  if (failed) {
    if (format === 'text') process.stderr.write('firebreak: some databases could not be read\n');
    process.exitCode = EXIT.badInput;
  }
}
