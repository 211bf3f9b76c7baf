// The migration activity (docs/migrations.md): applies expand/contract/down steps to PostgreSQL, exactly
// once per (migration, phase, direction), however often the workflow retries it.
//
// - The database string is resolved here, on the worker (`${DATABASE_URL}`); it and the password
//   in it are redacted from every message that leaves the activity.
// - A session-level advisory lock per database, held for the whole call, serializes every
//   Firebreak deploy that migrates that database; a waiting call heartbeats.
// - What ran is recorded in the target database itself, in `firebreak_migrations` (below). A
//   file whose statements can all run in a transaction runs in ONE transaction together with
//   its record, and the record is read inside that transaction: a retry after a worker crash
//   either sees it (skips) or finds nothing applied (the transaction rolled back).
// - A file holding statements PostgreSQL refuses in a transaction (CREATE INDEX CONCURRENTLY,
//   ...) runs in pieces: each such statement alone, each run of the other statements in one
//   transaction, each piece recorded by statement_index as it completes, so a retry resumes
//   after the last recorded piece.
//
// Table `firebreak_migrations` (in the connection's current schema, created when missing):
//   id, phase ('expand'|'contract'), direction ('up'|'down'), statement_index, statements
//   (count in the file), checksum (sha256 of the file), deploy_id, service, applied_at;
//   primary key (id, phase, direction, statement_index). A step is applied when it has a row
//   for every statement. Rows of one (id, phase) are of one direction at a time: the first
//   record of a `down` deletes the `up` rows (and the first record of an `up` deletes the rows
//   of an earlier `down`), so after a rollback the same `up` applies again on the next deploy.
import { setTimeout as sleep } from 'node:timers/promises';
import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import pg from 'pg';
import { redact, resolveEnv } from './templates.js';
import { MIGRATE_HEARTBEAT_EVERY_MS } from '../src/domain/limits.js';
import { describeDatabase, parseUrl, tableName } from './ledger.js';
import { lineCol, loadSqlParser, splitStatements, SqlSyntaxError, transactionControlKind, type MigrationStep, type Statement } from '../src/domain/migrations/steps.js';
import { FailureType } from '../src/domain/failures.js';

export interface AppliedStep {
  id: string;
  phase: 'expand' | 'contract';
  direction: 'up' | 'down';
  checksum: string;
  /** Statements in the file. */
  statements: number;
  /** When it was recorded as applied (now, or earlier when skipped); '' for a `down` never needed. */
  appliedAt: string;
  /** True when nothing ran: already applied, or a `down` whose `up` never ran. */
  skipped: boolean;
  /** Why it was skipped. */
  reason?: 'already applied' | 'up never applied';
}

export interface ApplyMigrationsInput {
  steps: MigrationStep[];
  deployId: string;
  service: string;
}

export interface MigrationActivityDeps {
  /** Where ${VAR} is read; defaults to the worker's process.env. */
  env?: NodeJS.ProcessEnv;
  /** How often a call waiting for another deploy's lock retries it (ms). */
  lockPollMs?: number;
  /** How often a long statement heartbeats (ms). */
  heartbeatMs?: number;
}

// Failure types (src/domain/failures.ts): statement failures, checksum mismatches and bad files
// are MigrationFailed / MigrationChecksumMismatch, which a retry cannot fix; a database that
// could not be reached or went away mid-step is DatabaseUnavailable, retryable.

type Ctx = Context | undefined;

function activityContext(): Ctx {
  try {
    return Context.current();
  } catch {
    return undefined; // called outside an activity (tests, the CLI)
  }
}

export function createMigrationActivities(deps: MigrationActivityDeps = {}) {
  const env = deps.env ?? process.env;
  const lockPollMs = deps.lockPollMs ?? 500;
  const heartbeatMs = deps.heartbeatMs ?? MIGRATE_HEARTBEAT_EVERY_MS;

  return {
    /** Apply the steps in order; see the top of this file. */
    async applyMigrations(input: ApplyMigrationsInput): Promise<AppliedStep[]> {
      if (input.steps.length === 0) return [];
      const ctx = activityContext();
      const secrets = new Secrets();
      await loadSqlParser();
      // Everything parses before anything runs or locks.
      const parsed = input.steps.map((step) => ({ step, statements: parseStep(step) }));
      const sessions = new Map<string, Session>();
      try {
        const urls = parsed.map(({ step }) => secrets.resolve(step.database, env));
        // One session per database, locked in a fixed order so two calls never deadlock.
        const byIdentity = new Map(urls.map((u) => [describeDatabase(u), u]));
        for (const id of [...byIdentity.keys()].sort()) {
          sessions.set(id, await Session.open(byIdentity.get(id)!, ctx, lockPollMs, secrets));
        }
        const out: AppliedStep[] = [];
        for (const [i, { step, statements }] of parsed.entries()) {
          const session = sessions.get(describeDatabase(urls[i]))!;
          out.push(await runStep(session, step, statements, input, { ctx, heartbeatMs, secrets }));
        }
        return out;
      } catch (err) {
        throw secrets.failure(err);
      } finally {
        for (const s of sessions.values()) await s.close();
      }
    },
  };
}


// ----- secrets ------------------------------------------------------------------------------

/** Every resolved value and URL password seen in one call, for redaction. */
class Secrets {
  private readonly values = new Map<string, string>();
  private readonly passwords = new Set<string>();

  resolve(database: string, env: NodeJS.ProcessEnv): string {
    const url = resolveEnv(database, env, (name, value) => this.values.set(value, name));
    this.add(url);
    return url;
  }

  add(url: string): void {
    const password = parseUrl(url)?.password;
    if (password) {
      this.passwords.add(password);
      this.passwords.add(decodeURIComponent(password));
    }
  }

  text(s: string): string {
    let out = redact(s, this.values);
    for (const p of [...this.passwords].sort((a, b) => b.length - a.length)) if (p.length >= 3) out = out.split(p).join('***');
    return out;
  }

  /** An error safe to leave the activity: redacted, no cause chain, retryability kept. */
  failure(err: unknown): Error {
    if (err instanceof CancelledFailure) return err;
    if (err instanceof ApplicationFailure) {
      return ApplicationFailure.create({
        message: this.text(err.message),
        type: err.type ?? undefined,
        nonRetryable: err.nonRetryable ?? undefined,
        details: err.details as unknown[] | undefined,
      });
    }
    const message = err instanceof Error ? err.message : String(err);
    return ApplicationFailure.create({ message: this.text(message), type: FailureType.DatabaseUnavailable, nonRetryable: false });
  }
}

// ----- the session: one connection, the lock, the table ---------------------------------------


/** The advisory lock key: the first 8 bytes of sha256('firebreak:' + database name). */
export function lockKey(databaseName: string): string {
  return createHash('sha256').update(`firebreak:${databaseName}`).digest().readBigInt64BE(0).toString();
}

class Session {
  private constructor(
    readonly client: pg.Client,
    readonly url: string,
    readonly table: string,
    readonly pid: number,
    private readonly key: string,
  ) {}

  static async open(url: string, ctx: Ctx, pollMs: number, secrets: Secrets): Promise<Session> {
    const client = new pg.Client({ connectionString: url, application_name: 'firebreak-migrations' });
    // A dropped connection mid-step surfaces as the query's error; don't crash the worker.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => undefined);
      throw ApplicationFailure.create({
        message: secrets.text(`cannot connect to ${describeDatabase(url)}: ${(err as Error).message}`),
        type: FailureType.DatabaseUnavailable,
      });
    }
    try {
      const info = await client.query<{ db: string; pid: number }>('SELECT current_database() AS db, pg_backend_pid() AS pid');
      const { db, pid } = info.rows[0];
      const key = lockKey(db);
      for (let waited = 0; ; waited++) {
        const got = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [key]);
        if (got.rows[0].ok) break;
        if (ctx?.cancellationSignal.aborted) throw new CancelledFailure('cancelled while waiting for the migration lock');
        ctx?.heartbeat({ waitingFor: 'migration lock', database: describeDatabase(url), polls: waited + 1 });
        await sleep(pollMs);
      }
      const table = await tableName(client);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${table} (
           id text NOT NULL,
           phase text NOT NULL CHECK (phase IN ('expand', 'contract')),
           direction text NOT NULL CHECK (direction IN ('up', 'down')),
           statement_index int NOT NULL,
           statements int NOT NULL,
           checksum text NOT NULL,
           deploy_id text NOT NULL,
           service text NOT NULL,
           applied_at timestamptz NOT NULL DEFAULT clock_timestamp(),
           PRIMARY KEY (id, phase, direction, statement_index)
         )`,
      );
      return new Session(client, url, table, pid, key);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.client.query('SELECT pg_advisory_unlock($1::bigint)', [this.key]).catch(() => undefined);
    await this.client.end().catch(() => undefined);
  }
}

// ----- one step -------------------------------------------------------------------------------

interface RecordRow {
  direction: 'up' | 'down';
  statement_index: number;
  statements: number;
  checksum: string;
  deploy_id: string;
  service: string;
  applied_at: Date;
}

interface RunOptions {
  ctx: Ctx;
  heartbeatMs: number;
  secrets: Secrets;
}

const label = (s: MigrationStep) => `migration ${s.id} ${s.phase} ${s.direction} (${s.file})`;
const shortSum = (c: string) => c.slice(0, 12);

function parseStep(step: MigrationStep): Statement[] {
  let statements: Statement[];
  try {
    statements = splitStatements(step.sql);
  } catch (err) {
    if (err instanceof SqlSyntaxError) {
      throw ApplicationFailure.create({
        message: `${label(step)} does not parse: ${err.message}`,
        type: FailureType.MigrationFailed,
        nonRetryable: true,
        details: [{ id: step.id, phase: step.phase, direction: step.direction, file: step.file, line: err.line, col: err.col }],
      });
    }
    throw err;
  }
  const control = statements.find((s) => transactionControlKind(s) !== undefined);
  if (control) {
    throw ApplicationFailure.create({
      message: `${label(step)} line ${control.line}: remove transaction control (${control.text.slice(0, 40)}): Firebreak runs each file in its own transaction`,
      type: FailureType.MigrationFailed,
      nonRetryable: true,
    });
  }
  return statements;
}

async function runStep(session: Session, step: MigrationStep, statements: Statement[], input: ApplyMigrationsInput, opts: RunOptions): Promise<AppliedStep> {
  const { client } = session;
  const n = statements.length;
  const base = { id: step.id, phase: step.phase, direction: step.direction, checksum: step.checksum, statements: n };
  const allInOne = statements.every((s) => s.transactional);
  // Each file starts from the session's defaults, as it would on a retry's fresh connection.
  await client.query('RESET ALL');

  if (allInOne) {
    await client.query('BEGIN');
    try {
      const plan = decide(step, await readRows(session, step));
      if (plan.skip) {
        await client.query('COMMIT');
        return { ...base, skipped: true, appliedAt: plan.appliedAt, reason: plan.reason };
      }
      for (const stmt of statements) await execute(session, step, stmt, opts);
      // A file with no statement is recorded by one row (index 0 of 0), so it too applies once.
      const appliedAt = await record(session, step, n === 0 ? [0] : statements.map((s) => s.index), n, input);
      await client.query('COMMIT');
      return { ...base, skipped: false, appliedAt };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  const plan = decide(step, await readRows(session, step));
  if (plan.skip) return { ...base, skipped: true, appliedAt: plan.appliedAt, reason: plan.reason };
  let appliedAt = '';
  for (const group of pieces(statements)) {
    if (group.every((s) => plan.done.has(s.index))) continue;
    if (group.length === 1 && !group[0].transactional) {
      const stmt = group[0];
      if (!(await alreadyBuilt(session, stmt))) await execute(session, step, stmt, opts);
      appliedAt = await record(session, step, [stmt.index], n, input);
      continue;
    }
    await client.query('BEGIN');
    try {
      for (const stmt of group) await execute(session, step, stmt, opts);
      appliedAt = await record(session, step, group.map((s) => s.index), n, input);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }
  return { ...base, skipped: false, appliedAt };
}

/** Runs of transactional statements, and each non-transactional statement on its own. */
function pieces(statements: Statement[]): Statement[][] {
  const out: Statement[][] = [];
  for (const s of statements) {
    const last = out[out.length - 1];
    if (s.transactional && last && last[0].transactional) last.push(s);
    else out.push([s]);
  }
  return out;
}

async function readRows(session: Session, step: MigrationStep): Promise<RecordRow[]> {
  const res = await session.client.query<RecordRow>(
    `SELECT direction, statement_index, statements, checksum, deploy_id, service, applied_at
       FROM ${session.table} WHERE id = $1 AND phase = $2 ORDER BY statement_index`,
    [step.id, step.phase],
  );
  return res.rows;
}

type StepDecision = { skip: true; appliedAt: string; reason: 'already applied' | 'up never applied' } | { skip: false; done: Set<number> };

function decide(step: MigrationStep, rows: RecordRow[]): StepDecision {
  const same = rows.filter((r) => r.direction === step.direction);
  const other = rows.filter((r) => r.direction !== step.direction);
  const stale = same.find((r) => r.checksum !== step.checksum);
  if (stale) {
    const partly = same.length < stale.statements ? ` partly (${same.length} of ${stale.statements} statements)` : '';
    throw ApplicationFailure.create({
      message:
        `migration ${step.id} ${step.phase}${step.direction === 'down' ? ' down' : ''} was applied${partly} with checksum ${shortSum(stale.checksum)}, ` +
        `file now has ${shortSum(step.checksum)} (${step.file}; applied by ${stale.deploy_id} of ${stale.service} at ${stale.applied_at.toISOString()}). ` +
        'A migration that ran must not change: restore the file and write a new migration',
      type: FailureType.MigrationChecksumMismatch,
      nonRetryable: true,
      details: [{ id: step.id, phase: step.phase, direction: step.direction, applied: stale.checksum, file: step.checksum }],
    });
  }
  if (same.length > 0 && same.length >= same[0].statements) {
    const last = same.reduce((a, b) => (a.applied_at > b.applied_at ? a : b));
    return { skip: true, appliedAt: last.applied_at.toISOString(), reason: 'already applied' };
  }
  if (step.direction === 'down' && same.length === 0 && other.length === 0) {
    return { skip: true, appliedAt: '', reason: 'up never applied' };
  }
  return { skip: false, done: new Set(same.map((r) => r.statement_index)) };
}

/**
 * Record statements as applied; the first record of a direction also removes the other
 * direction's rows (a `down` unrecords its `up`). Runs in the caller's transaction, if any.
 */
// One timestamp for every row of one record (statement_timestamp, not clock_timestamp): a file
// recorded in one go reports the same applied_at when a later run finds it applied.
async function record(session: Session, step: MigrationStep, indices: number[], n: number, input: ApplyMigrationsInput): Promise<string> {
  const { client, table } = session;
  await client.query(`DELETE FROM ${table} WHERE id = $1 AND phase = $2 AND direction <> $3`, [step.id, step.phase, step.direction]);
  const res = await client.query<{ at: Date }>(
    `INSERT INTO ${table} (id, phase, direction, statement_index, statements, checksum, deploy_id, service, applied_at)
     SELECT $1, $2, $3, i, $4, $5, $6, $7, statement_timestamp() FROM unnest($8::int[]) AS i
     ON CONFLICT DO NOTHING
     RETURNING applied_at AS at`,
    [step.id, step.phase, step.direction, n, step.checksum, input.deployId, input.service, indices],
  );
  return (res.rows[0]?.at ?? new Date()).toISOString();
}

/**
 * A CREATE INDEX CONCURRENTLY whose index exists already was built by an attempt that died
 * before recording it: valid, it counts as done; invalid (the build was interrupted), it is
 * dropped so the statement can run again.
 */
async function alreadyBuilt(session: Session, stmt: Statement): Promise<boolean> {
  if (stmt.kind !== 'IndexStmt' || !stmt.node.idxname) return false;
  const rel = stmt.node.relation as { schemaname?: string; relname?: string };
  const res = await session.client.query<{ valid: boolean; schema: string }>(
    `SELECT i.indisvalid AS valid, ns.nspname AS schema
       FROM pg_index i
       JOIN pg_class ic ON ic.oid = i.indexrelid
       JOIN pg_class tc ON tc.oid = i.indrelid
       JOIN pg_namespace ns ON ns.oid = ic.relnamespace
      WHERE ic.relname = $1 AND tc.relname = $2 AND ns.nspname = coalesce($3, current_schema())`,
    [String(stmt.node.idxname), String(rel.relname), rel.schemaname ?? null],
  );
  const found = res.rows[0];
  if (!found) return false;
  if (found.valid) return true;
  const c = session.client;
  await c.query(`DROP INDEX CONCURRENTLY IF EXISTS ${c.escapeIdentifier(found.schema)}.${c.escapeIdentifier(String(stmt.node.idxname))}`);
  return false;
}

interface PgError extends Error {
  code?: string;
  position?: string;
  detail?: string;
  hint?: string;
}

/** SQLSTATEs of a lost or interrupted connection: a retry may succeed. */
function isTransient(code: string | undefined): boolean {
  if (code === undefined) return true; // no SQLSTATE: the connection itself failed
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '40001' || code === '40P01' || code === '53300';
}

async function execute(session: Session, step: MigrationStep, stmt: Statement, opts: RunOptions): Promise<void> {
  const { ctx } = opts;
  const beat = () => ctx?.heartbeat({ migration: step.id, phase: step.phase, direction: step.direction, statement: stmt.index });
  beat();
  const timer = ctx ? setInterval(beat, opts.heartbeatMs) : undefined;
  // Cancelling the activity cancels the running statement (from a second connection).
  const onAbort = () => void cancelBackend(session).catch(() => undefined);
  ctx?.cancellationSignal.addEventListener('abort', onAbort);
  try {
    await session.client.query(stmt.text);
  } catch (err) {
    if (ctx?.cancellationSignal.aborted) throw new CancelledFailure(`${label(step)} cancelled`);
    throw statementFailure(step, stmt, err as PgError, opts.secrets);
  } finally {
    if (timer) clearInterval(timer);
    ctx?.cancellationSignal.removeEventListener('abort', onAbort);
  }
}

async function cancelBackend(session: Session): Promise<void> {
  const c = new pg.Client({ connectionString: session.url, application_name: 'firebreak-migrations-cancel' });
  try {
    await c.connect();
    await c.query('SELECT pg_cancel_backend($1)', [session.pid]);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/**
 * `migration <id> <phase> <direction> (<file>) failed at line L col C: <message>` and the
 * statement's first 200 characters: L and C in the file, from the server's error position
 * (characters into the statement) and the statement's own place.
 */
export function statementFailure(step: MigrationStep, stmt: Statement, err: PgError, secrets?: { text(s: string): string }): ApplicationFailure {
  const position = Number(err.position);
  let where = { line: stmt.line, col: stmt.col };
  if (Number.isInteger(position) && position > 0) {
    const before = [...stmt.text].slice(0, position - 1).join('');
    where = lineCol(step.sql, stmt.offset + before.length);
  }
  const head = stmt.text.length > 200 ? `${[...stmt.text].slice(0, 200).join('')}...` : stmt.text;
  const extra = [err.detail && `detail: ${err.detail}`, err.hint && `hint: ${err.hint}`].filter(Boolean).map((l) => `\n  ${l}`).join('');
  const message =
    `${label(step)} failed at line ${where.line} col ${where.col}: ${err.message}\n  ${head.split('\n').join('\n  ')}${extra}`;
  const safe = secrets ? secrets.text(message) : message;
  const transient = isTransient(err.code);
  return ApplicationFailure.create({
    message: safe,
    type: transient ? FailureType.DatabaseUnavailable : FailureType.MigrationFailed,
    nonRetryable: !transient,
    details: [{ id: step.id, phase: step.phase, direction: step.direction, file: step.file, line: where.line, col: where.col, statement: stmt.index, sqlstate: err.code ?? null }],
  });
}
