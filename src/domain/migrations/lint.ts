// Compatibility lint on migration SQL (docs/migrations.md). While a deploy walks through the regions, old
// code in one region and new code in another share one database, so `expand` must leave the
// schema usable by the old code and must not hold locks that stall it. Each statement is read
// from PostgreSQL's own parse tree (@pgsql/parser); nothing here matches SQL text.
//
// A finding is silenced, with a written reason, by a comment just above the statement:
//   -- firebreak:allow index-concurrently: lookup table of 40 rows, the lock lasts milliseconds
//
// The lint is synchronous (plan() and lint() are), so the WebAssembly parser must be loaded
// first: a command that lints awaits loadSqlParser() (src/domain/migrations/steps.ts). Importing this
// module loads nothing.
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Finding } from '../pipeline/finding.js';
import { MIGRATION_RULES, type MigrationRule } from './rules.js';
import type { Loaded } from '../pipeline/load.js';
import {
  PHASES,
  firstStageNeedsApproval,
  requireSqlParser,
  splitStatements,
  transactionControlKind,
  SqlSyntaxError,
  type Direction,
  type MigrationPhase,
  type SqlNode,
  type Statement,
} from './steps.js';

export { firstStageNeedsApproval };

export { MIGRATION_RULES, type MigrationRule };

/** A finding in one SQL file: `line` is within that file. */
export interface SqlFinding {
  rule: MigrationRule;
  severity: 'error';
  message: string;
  /** 1-based line in the SQL file. */
  line: number;
  /** The SQL file, as named in the pipeline. */
  file: string;
  why: string;
  /** The expand/contract rewrite that would be safe. */
  fix: string;
  /** The written reason of a `-- firebreak:allow RULE: reason` comment above the statement. */
  silenced?: string;
}

export interface SqlLintOptions {
  file: string;
  phase: MigrationPhase;
  direction?: Direction;
}

type Draft = Omit<SqlFinding, 'severity' | 'file' | 'why' | 'silenced'>;

const ALLOW = 'firebreak:allow';
/** Rules checked in every file; the others apply to `expand` `up` only. */
const ANY_FILE: ReadonlySet<MigrationRule> = new Set(['sql-syntax', 'transaction-control']);

/**
 * Findings for one SQL file. Compatibility rules apply to `expand` `up` only (contract runs
 * once no old code is left; `down` runs while the old code runs everywhere, and undoing what
 * expand added is its job); syntax and transaction control are checked in every file.
 */
export function lintSql(sql: string, opts: SqlLintOptions): SqlFinding[] {
  const direction = opts.direction ?? 'up';
  const finish = (d: Draft, silenced?: string): SqlFinding => ({
    ...d,
    severity: 'error',
    file: opts.file,
    why: MIGRATION_RULES[d.rule].why,
    ...(silenced !== undefined ? { silenced } : {}),
  });
  let statements: Statement[];
  try {
    statements = splitStatements(sql);
  } catch (err) {
    if (!(err instanceof SqlSyntaxError)) throw err;
    return [finish({ rule: 'sql-syntax', message: err.message, line: err.line, fix: 'fix the SQL: it is parsed with PostgreSQL 17\'s own parser' })];
  }
  const created = new Set<string>();
  const out: SqlFinding[] = [];
  for (const stmt of statements) {
    const drafts = [...transactionControl(stmt)];
    if (opts.phase === 'expand' && direction === 'up') drafts.push(...compatibility(stmt, created));
    noteCreated(stmt, created);
    const allowed = allowances(stmt);
    for (const d of drafts) out.push(finish(d, allowed.get(d.rule)));
  }
  return out.sort((a, b) => a.line - b.line || a.rule.localeCompare(b.rule));
}

/** `firebreak:allow RULE: reason` (or `RULE reason`) in the comments above a statement. */
function allowances(stmt: Statement): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of stmt.comments) {
    if (!c.startsWith(ALLOW)) continue;
    const rest = c.slice(ALLOW.length).trim();
    const space = rest.search(/[\s:]/);
    if (space <= 0) continue;
    const rule = rest.slice(0, space);
    const reason = rest.slice(space).replace(/^[\s:]+/, '').trim();
    if (reason) out.set(rule, reason);
  }
  return out;
}

// ----- parse-tree helpers ---------------------------------------------------------------------

interface RangeVar {
  schemaname?: string;
  relname?: string;
  location?: number;
}

const qualified = (r: RangeVar | undefined) => (r ? (r.schemaname ? `${r.schemaname}.${r.relname}` : String(r.relname)) : '?');
/** Tables are matched by name alone: a migration that creates public.t and s.t is rare. */
const key = (r: RangeVar | undefined) => String(r?.relname ?? '');
const strings = (list: unknown): string[] =>
  Array.isArray(list) ? list.map((n: SqlNode) => (n.String as { sval?: string } | undefined)?.sval ?? '').filter(Boolean) : [];

/** Tables created so far in this migration: old code cannot depend on them. */
function noteCreated(stmt: Statement, created: Set<string>): void {
  if (stmt.kind === 'CreateStmt') created.add(key(stmt.node.relation as RangeVar));
  if (stmt.kind === 'CreateTableAsStmt') created.add(key((stmt.node.into as { rel?: RangeVar } | undefined)?.rel));
}

function transactionControl(stmt: Statement): Draft[] {
  const kind = transactionControlKind(stmt);
  if (!kind) return [];
  const word = kind.replace('TRANS_STMT_', '').replace('_', ' ');
  return [{
    rule: 'transaction-control',
    message: `${word} in a migration file: Firebreak opens and commits the transaction itself`,
    line: stmt.line,
    fix: 'remove BEGIN/COMMIT: each file runs in one transaction with its record; CREATE INDEX CONCURRENTLY and the like are detected and run on their own',
  }];
}

function compatibility(stmt: Statement, created: Set<string>): Draft[] {
  const n = stmt.node;
  switch (stmt.kind) {
    case 'DropStmt':
      return dropTable(stmt, created);
    case 'RenameStmt':
      return rename(stmt, created);
    case 'AlterObjectSchemaStmt': {
      if (n.objectType !== 'OBJECT_TABLE' || created.has(key(n.relation as RangeVar))) return [];
      const t = qualified(n.relation as RangeVar);
      return [{
        rule: 'rename-table',
        message: `ALTER TABLE ${t} SET SCHEMA ${String(n.newschema)} in expand: old code still finds the table by its current name`,
        line: stmt.line,
        fix: `expand: create the table in ${String(n.newschema)} (or a view there over ${t}) and dual-write; deploy code that uses the new name; contract: drop ${t}`,
      }];
    }
    case 'AlterTableStmt':
      return alterTable(stmt, created);
    case 'IndexStmt': {
      const rel = n.relation as RangeVar;
      if (n.concurrent === true || created.has(key(rel))) return [];
      const name = n.idxname ? ` ${String(n.idxname)}` : '';
      const unique = n.unique === true ? 'UNIQUE ' : '';
      return [{
        rule: 'index-concurrently',
        message: `CREATE ${unique}INDEX${name} ON ${qualified(rel)} without CONCURRENTLY in expand: blocks writes to ${qualified(rel)} while the index builds`,
        line: stmt.line,
        fix: `CREATE ${unique}INDEX CONCURRENTLY IF NOT EXISTS${name} ON ${qualified(rel)} (...); Firebreak runs it outside a transaction and records it on its own, so a retry resumes after it`,
      }];
    }
    default:
      return [];
  }
}

function dropTable(stmt: Statement, created: Set<string>): Draft[] {
  if (stmt.node.removeType !== 'OBJECT_TABLE') return [];
  const objects = (stmt.node.objects as SqlNode[] | undefined) ?? [];
  return objects.flatMap((o): Draft[] => {
    const parts = strings((o.List as { items?: unknown } | undefined)?.items);
    const name = parts.join('.');
    if (parts.length === 0 || created.has(parts[parts.length - 1])) return [];
    return [{
      rule: 'drop-table',
      message: `DROP TABLE ${name} in expand: old code still running in other regions uses it`,
      line: stmt.line,
      fix: `stop reading and writing ${name} in this deploy's code, and move DROP TABLE ${name} to this migration's contract step (it runs after every region is promoted and soaked)`,
    }];
  });
}

function rename(stmt: Statement, created: Set<string>): Draft[] {
  const n = stmt.node;
  const rel = n.relation as RangeVar;
  if (created.has(key(rel))) return [];
  const t = qualified(rel);
  if (n.renameType === 'OBJECT_TABLE') {
    const to = String(n.newname);
    return [{
      rule: 'rename-table',
      message: `ALTER TABLE ${t} RENAME TO ${to} in expand: old code still uses the name ${t}`,
      line: stmt.line,
      fix: `expand: CREATE TABLE ${to} and keep both tables in step (dual-write in the code or a trigger), backfill; deploy code that reads ${to}; contract: DROP TABLE ${t}. Or leave the table named ${t}`,
    }];
  }
  if (n.renameType === 'OBJECT_COLUMN' && (n.relationType === 'OBJECT_TABLE' || n.relationType === undefined)) {
    const from = String(n.subname);
    const to = String(n.newname);
    return [{
      rule: 'rename-column',
      message: `RENAME COLUMN ${t}.${from} TO ${to} in expand: old code still reads and writes ${from}`,
      line: stmt.line,
      fix: `three deploys: expand: ALTER TABLE ${t} ADD COLUMN ${to} (same type, nullable), backfill it and keep it in step with ${from} (dual-write or a trigger); then deploy code that reads ${to}; contract: ALTER TABLE ${t} DROP COLUMN ${from}`,
    }];
  }
  return [];
}

interface AlterCmd {
  subtype?: string;
  name?: string;
  def?: SqlNode;
}

interface ConstraintNode {
  contype?: string;
  conname?: string;
  skip_validation?: boolean;
  indexname?: string;
  keys?: unknown;
  location?: number;
}

function alterTable(stmt: Statement, created: Set<string>): Draft[] {
  const n = stmt.node;
  const rel = n.relation as RangeVar;
  if (n.objtype !== 'OBJECT_TABLE' || created.has(key(rel))) return [];
  const t = qualified(rel);
  const cmds = ((n.cmds as SqlNode[] | undefined) ?? []).map((c) => (c.AlterTableCmd ?? {}) as AlterCmd);
  return cmds.flatMap((cmd): Draft[] => {
    const col = cmd.name ?? '?';
    const line = (location?: number) => stmt.at(location).line;
    switch (cmd.subtype) {
      case 'AT_DropColumn':
        return [{
          rule: 'drop-column',
          message: `DROP COLUMN ${t}.${col} in expand: old code still running in other regions reads and writes it`,
          line: stmt.line,
          fix: `stop using ${t}.${col} in this deploy's code, and move ALTER TABLE ${t} DROP COLUMN ${col} to this migration's contract step`,
        }];
      case 'AT_AlterColumnType': {
        const def = cmd.def?.ColumnDef as { typeName?: { names?: unknown }; location?: number } | undefined;
        const type = strings(def?.typeName?.names).filter((s) => s !== 'pg_catalog').join('.') || 'a new type';
        return [{
          rule: 'alter-column-type',
          message: `ALTER COLUMN ${t}.${col} TYPE ${type} in expand: rewrites ${t} under an exclusive lock and changes what old code reads`,
          line: line(def?.location),
          fix: `expand: ALTER TABLE ${t} ADD COLUMN ${col}_new ${type}, backfill it in batches and keep it in step (dual-write or a trigger); deploy code that reads ${col}_new; contract: ALTER TABLE ${t} DROP COLUMN ${col}`,
        }];
      }
      case 'AT_SetNotNull':
        return [{
          rule: 'set-not-null',
          message: `ALTER COLUMN ${t}.${col} SET NOT NULL in expand: scans ${t} under an exclusive lock, and old code that writes NULL starts failing`,
          line: stmt.line,
          fix: `deploy code that always writes ${col} first; then in contract: ALTER TABLE ${t} ADD CONSTRAINT ${col}_not_null CHECK (${col} IS NOT NULL) NOT VALID; ALTER TABLE ${t} VALIDATE CONSTRAINT ${col}_not_null; ALTER TABLE ${t} ALTER COLUMN ${col} SET NOT NULL (PostgreSQL 12+ skips the scan given the valid check)`,
        }];
      case 'AT_ColumnDefault':
        if (cmd.def !== undefined) return []; // SET DEFAULT is compatible
        return [{
          rule: 'drop-default',
          message: `ALTER COLUMN ${t}.${col} DROP DEFAULT in expand: inserts by old code that omit ${col} lose their value`,
          line: stmt.line,
          fix: `keep the default through the deploy; move ALTER TABLE ${t} ALTER COLUMN ${col} DROP DEFAULT to this migration's contract step`,
        }];
      case 'AT_AddColumn':
        return addColumn(stmt, t, cmd);
      case 'AT_AddConstraint':
        return addConstraint(stmt, t, cmd);
      default:
        return [];
    }
  });
}

function addColumn(stmt: Statement, t: string, cmd: AlterCmd): Draft[] {
  const def = (cmd.def?.ColumnDef ?? {}) as { colname?: string; constraints?: SqlNode[]; location?: number; typeName?: { names?: unknown } };
  const types = (def.constraints ?? []).map((c) => (c.Constraint as ConstraintNode | undefined)?.contype);
  const required = types.includes('CONSTR_NOTNULL') || types.includes('CONSTR_PRIMARY');
  const filled = types.includes('CONSTR_DEFAULT') || types.includes('CONSTR_IDENTITY') || types.includes('CONSTR_GENERATED');
  if (!required || filled) return [];
  const col = def.colname ?? '?';
  const type = strings(def.typeName?.names).filter((s) => s !== 'pg_catalog').join('.') || '<type>';
  return [{
    rule: 'add-column-not-null',
    message: `ADD COLUMN ${t}.${col} NOT NULL without a DEFAULT in expand: fails on a table with rows, and inserts by old code, which does not know ${col}, fail`,
    line: stmt.at(def.location).line,
    fix: `ALTER TABLE ${t} ADD COLUMN ${col} ${type} NOT NULL DEFAULT <value> (instant on PostgreSQL 11+ for a constant), or add it nullable now and SET NOT NULL in contract once every region writes it`,
  }];
}

function addConstraint(stmt: Statement, t: string, cmd: AlterCmd): Draft[] {
  const c = (cmd.def?.Constraint ?? {}) as ConstraintNode;
  const name = c.conname ?? `${t.split('.').pop()}_constraint`;
  const line = stmt.at(c.location).line;
  if ((c.contype === 'CONSTR_CHECK' || c.contype === 'CONSTR_FOREIGN') && c.skip_validation !== true) {
    const what = c.contype === 'CONSTR_CHECK' ? 'CHECK' : 'FOREIGN KEY';
    return [{
      rule: 'constraint-not-valid',
      message: `ADD CONSTRAINT ${name} ${what} on ${t} without NOT VALID in expand: validates every row while blocking writes`,
      line,
      fix: `ALTER TABLE ${t} ADD CONSTRAINT ${name} ${what} (...) NOT VALID; then ALTER TABLE ${t} VALIDATE CONSTRAINT ${name} as a separate statement (a weaker lock that lets writes through), or in contract`,
    }];
  }
  if ((c.contype === 'CONSTR_UNIQUE' || c.contype === 'CONSTR_PRIMARY') && !c.indexname) {
    const what = c.contype === 'CONSTR_UNIQUE' ? 'UNIQUE' : 'PRIMARY KEY';
    const cols = strings(c.keys).join(', ') || '...';
    return [{
      rule: 'unique-constraint',
      message: `ADD CONSTRAINT ${name} ${what} on ${t} in expand: builds its index while blocking writes (a ${what} constraint cannot be NOT VALID)`,
      line,
      fix: `CREATE UNIQUE INDEX CONCURRENTLY ${name} ON ${t} (${cols}); then ALTER TABLE ${t} ADD CONSTRAINT ${name} ${what} USING INDEX ${name}`,
    }];
  }
  return [];
}

// ----- the pipeline view ----------------------------------------------------------------------

/**
 * Lint every SQL file the pipeline's migrations name (relative paths against baseDir, the
 * pipeline file's directory). A finding points at the pipeline line of the step (`line`) and
 * names the SQL file and line (`sql`, and the message starts with `file:line`). Unreadable
 * files are skipped here: resolveMigrations reports them, and the CLI refuses the plan.
 */
export function lintMigrations(loaded: Loaded, baseDir: string): Finding[] {
  const out: Finding[] = [];
  if ((loaded.pipeline.migrations ?? []).length > 0) requireSqlParser();
  (loaded.pipeline.migrations ?? []).forEach((m, i) => {
    for (const phase of PHASES) {
      const files = m[phase];
      if (!files) continue;
      for (const direction of ['up', 'down'] as const) {
        const file = files[direction];
        if (file === undefined) continue;
        const sql = readSql(file, baseDir);
        if (sql === undefined) continue;
        for (const f of lintSql(sql, { file, phase, direction })) {
          out.push({
            rule: f.rule,
            severity: 'error',
            // Compatibility messages say "in expand" themselves; the others name the step.
            message: `${f.file}:${f.line}: migration ${m.id}${ANY_FILE.has(f.rule) ? ` ${phase} ${direction}` : ''}: ${f.message}`,
            line: loaded.lineOf(['migrations', i, phase, direction]),
            why: f.why,
            fix: f.fix,
            sql: { file: f.file, line: f.line },
            ...(f.silenced !== undefined ? { silenced: f.silenced } : {}),
          });
        }
      }
    }
  });
  return out;
}

function readSql(file: string, baseDir: string): string | undefined {
  try {
    return readFileSync(isAbsolute(file) ? file : resolve(baseDir, file), 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * True when the file exists and holds no statement (only comments, or nothing): a `down` like
 * that is a one-way migration in disguise. False for a missing or unparsable file (reported
 * elsewhere).
 */
export function isEmptySql(file: string, baseDir: string): boolean {
  const sql = readSql(file, baseDir);
  if (sql === undefined) return false;
  requireSqlParser();
  try {
    return splitStatements(sql).length === 0;
  } catch {
    return false;
  }
}
