// Migration steps as the workflow carries them (docs/migrations.md). The CLI reads each SQL file at plan
// time (resolveMigrations), so the plan holds the SQL itself and its checksum: workers need no
// access to the repository, and what `expand` applies is exactly what `firebreak plan` linted.
// SQL is not secret; the database string stays as written (`${DATABASE_URL}`) and is resolved
// on the worker only.
//
// Statement splitting lives here too, because the lint and the activity must agree on what a
// statement is: both use PostgreSQL's own parser (@pgsql/parser, libpg_query as WebAssembly),
// never a regular expression over SQL. The parser is loaded lazily (loadSqlParser), so a module
// that only needs the types or firstStageNeedsApproval does not pay for the WebAssembly.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Migration } from '../pipeline/schema.js';
import { PHASES, type Direction, type MigrationStep, type PlanMigration } from './phases.js';

export * from './phases.js';

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Read every SQL file the migrations name (relative paths against baseDir, the directory of the
 * pipeline file). Every missing or unreadable file is reported at once, in one Error naming
 * the pipeline key and the path; the CLI turns it into exit 2.
 */
export function resolveMigrations(migrations: Migration[], baseDir: string): PlanMigration[] {
  const problems: string[] = [];
  const out = migrations.map((m, i): PlanMigration => {
    const pm: PlanMigration = { id: m.id, database: m.database, ...(m.irreversible ? { irreversible: m.irreversible } : {}) };
    for (const phase of PHASES) {
      const files = m[phase];
      if (!files) continue;
      const step = (direction: Direction, file: string): MigrationStep | undefined => {
        const path = isAbsolute(file) ? file : resolve(baseDir, file);
        try {
          const sql = readFileSync(path, 'utf8');
          return { id: m.id, phase, direction, file, sql, checksum: sha256(sql), database: m.database };
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
          problems.push(`migrations[${i}].${phase}.${direction} (migration ${m.id}): ${why}: ${path}`);
          return undefined;
        }
      };
      const up = step('up', files.up);
      const down = files.down !== undefined ? step('down', files.down) : undefined;
      if (up) pm[phase] = { up, ...(down ? { down } : {}) };
    }
    return pm;
  });
  if (problems.length > 0) {
    throw new Error(`migration SQL file${problems.length === 1 ? '' : 's'} not readable:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Statements, as PostgreSQL's parser sees them.

type ParserModule = typeof import('@pgsql/parser');
let parser: ParserModule | undefined;

/** Load libpg_query (WebAssembly, ~100 ms once per process). Idempotent. */
export async function loadSqlParser(): Promise<void> {
  if (parser) return;
  const mod = await import('@pgsql/parser');
  await mod.loadModule();
  parser = mod;
}

/** Throws unless loadSqlParser() has run: linting SQL without the parser would find nothing. */
export function requireSqlParser(): void {
  loadedParser();
}

function loadedParser(): ParserModule {
  if (!parser) throw new Error('the SQL parser is not loaded: await loadSqlParser() first');
  return parser;
}

/** A parse-tree node: `{ NodeType: {...fields} }`. */
export type SqlNode = Record<string, unknown>;

export interface Statement {
  /** 0-based position in the file. */
  index: number;
  /** The statement's text, from its first token to its end (no trailing semicolon). */
  text: string;
  /** 1-based line and column (in characters) of the first token in the file. */
  line: number;
  col: number;
  /** Character offset of `text` in the file. */
  offset: number;
  /** The node type, e.g. AlterTableStmt, and its fields. */
  kind: string;
  node: Record<string, unknown>;
  /** The comments just above the statement (after the previous one), without their markers. */
  comments: string[];
  /** False for statements PostgreSQL refuses inside a transaction block. */
  transactional: boolean;
  /** Line and column of a parse-tree `location` (a UTF-8 byte offset into the file). */
  at(location: number | undefined): { line: number; col: number };
}

export class SqlSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly col: number,
  ) {
    super(message);
    this.name = 'SqlSyntaxError';
  }
}

/** 1-based line and column (characters) of a character offset. */
export function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, col: [...text.slice(start, offset)].length + 1 };
}

/**
 * Split SQL into statements with the real parser. libpg_query reports byte offsets
 * (stmt_location/stmt_len over UTF-8); they are turned into character offsets here. A syntax
 * error throws SqlSyntaxError with the best position the parser allows (see locateSyntaxError).
 *
 * (The package's scanner is not used: its wrapper fails on any token that spans lines, such as
 * a multi-line string, function body or comment.)
 */
export function splitStatements(sql: string): Statement[] {
  const p = loadedParser();
  let tree: { stmts?: { stmt?: SqlNode; stmt_location?: number; stmt_len?: number }[] };
  try {
    tree = p.parseSync(sql) as typeof tree;
  } catch (err) {
    throw locateSyntaxError(sql, err);
  }
  const pos = new Positions(sql);
  return (tree.stmts ?? []).map((s, index): Statement => {
    const start = pos.charOf(s.stmt_location ?? 0);
    const end = s.stmt_len ? pos.charOf((s.stmt_location ?? 0) + s.stmt_len) : sql.length;
    const { offset, comments } = leadingTrivia(sql, start, end);
    const [kind, node] = Object.entries(s.stmt ?? { Unknown: {} })[0] as [string, Record<string, unknown>];
    return {
      index,
      text: sql.slice(offset, end).trimEnd(),
      ...pos.lineCol(offset),
      offset,
      kind,
      node,
      comments,
      transactional: isTransactional(kind, node),
      at: (location) => pos.lineCol(location === undefined || location < 0 ? offset : pos.charOf(location)),
    };
  });
}

/**
 * Offsets in one text: UTF-8 byte offsets (the parser's) to string offsets, and string offsets
 * to line and column, without rescanning the text for each statement of a large file.
 */
class Positions {
  private readonly byteToChar: Uint32Array | undefined;
  private readonly lineStarts: number[] = [0];

  constructor(private readonly text: string) {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes !== text.length) {
      this.byteToChar = new Uint32Array(bytes + 1);
      let b = 0;
      for (let i = 0; i < text.length; i++) {
        const cp = text.codePointAt(i)!;
        const width = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        for (let k = 0; k < width; k++) this.byteToChar[b + k] = i;
        b += width;
        if (cp >= 0x10000) i++; // a surrogate pair: two string units, one code point
      }
      this.byteToChar[bytes] = text.length;
    }
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  charOf(byteOffset: number): number {
    return this.byteToChar ? this.byteToChar[Math.min(byteOffset, this.byteToChar.length - 1)] : byteOffset;
  }

  lineCol(offset: number): { line: number; col: number } {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    const start = this.lineStarts[lo];
    return { line: lo + 1, col: [...this.text.slice(start, offset)].length + 1 };
  }
}

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';

/**
 * The whitespace and comments between where the parser says a statement's span starts (just
 * after the previous semicolon) and its first token. By the grammar that gap holds nothing
 * else (stray semicolons of empty statements aside), so skipping it needs only the two comment
 * forms: `-- to end of line` and `/* nested *\/`. Returns the first token's offset and the
 * comments' bodies (where `-- firebreak:allow` directives are read).
 */
function leadingTrivia(sql: string, start: number, end: number): { offset: number; comments: string[] } {
  const comments: string[] = [];
  let i = start;
  while (i < end) {
    const c = sql[i];
    if (isSpace(c) || c === ';') {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      const eol = sql.indexOf('\n', i);
      const stop = eol === -1 || eol > end ? end : eol;
      comments.push(sql.slice(i + 2, stop).trim());
      i = stop;
    } else if (c === '/' && sql[i + 1] === '*') {
      let depth = 1;
      let j = i + 2;
      while (j < end && depth > 0) {
        if (sql[j] === '/' && sql[j + 1] === '*') {
          depth++;
          j += 2;
        } else if (sql[j] === '*' && sql[j + 1] === '/') {
          depth--;
          j += 2;
        } else j++;
      }
      comments.push(sql.slice(i + 2, depth === 0 ? j - 2 : j).trim());
      i = j;
    } else break;
  }
  return { offset: i, comments };
}

type Outcome = 'ok' | 'eof' | 'open' | { message: string };

/**
 * libpg_query's error carries no position, only `syntax error at or near "X"`. A prefix of the
 * file that fails on a token before its end fails on that same token in the whole file (the
 * parser reads left to right), so the first line whose prefix fails that way holds the error:
 * found by bisection over line ends. A prefix that fails only "at end of input", or ends inside
 * a multi-line literal, is merely incomplete. The token the message names, searched on that
 * line, pins the column.
 */
function locateSyntaxError(sql: string, err: unknown): SqlSyntaxError {
  const p = loadedParser();
  const outcome = (text: string): Outcome => {
    try {
      p.parseSync(text);
      return 'ok';
    } catch (e) {
      // An unterminated literal comes back as text the wrapper tries to read as JSON.
      if (e instanceof SyntaxError) return 'open';
      const message = (e as Error).message;
      return message.includes('at end of input') ? 'eof' : { message };
    }
  };
  const lines = sql.split('\n');
  const prefix = (k: number) => lines.slice(0, k).join('\n');
  const fails = (o: Outcome) => typeof o === 'object';
  const whole = outcome(sql);
  if (fails(whole)) {
    let lo = 1; // smallest k with a failing prefix is in [lo, hi]
    let hi = lines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (fails(outcome(prefix(mid)))) hi = mid;
      else lo = mid + 1;
    }
    const message = (whole as { message: string }).message;
    const near = /at or near "(.*)"$/.exec(message)?.[1];
    const text = lines[lo - 1];
    const at = near !== undefined ? text.indexOf(near) : -1;
    const col = at >= 0 ? [...text.slice(0, at)].length + 1 : 1;
    return new SqlSyntaxError(`${message} at line ${lo} col ${col}`, lo, col);
  }
  if (whole === 'open') {
    // Still open at the end: it started after the last line end where the text was not open.
    let last = 0;
    for (let k = 1; k < lines.length; k++) if (outcome(prefix(k)) !== 'open') last = k;
    const line = last + 1;
    return new SqlSyntaxError(`unterminated quoted string, dollar-quoted string or comment starting at line ${line}`, line, 1);
  }
  // Fails at the end of input: the last statement is incomplete.
  let line = lines.length;
  while (line > 1 && lines[line - 1].trim() === '') line--;
  const col = [...lines[line - 1]].length + 1;
  const message = err instanceof Error && !(err instanceof SyntaxError) ? err.message : 'syntax error at end of input';
  return new SqlSyntaxError(`${message} at line ${line} col ${col}`, line, col);
}

const field = (node: Record<string, unknown>, key: string) => node[key];

/**
 * Statements PostgreSQL refuses inside a transaction block (or, for ALTER TYPE ... ADD VALUE,
 * whose new value is unusable until commit, and refused in a block before PostgreSQL 12).
 */
/**
 * Transaction-control statements a migration file must not hold: Firebreak opens and commits
 * each file's transaction itself (with its record). Savepoints are fine. The lint refuses them
 * before a deploy; the activity refuses them again, as the last line.
 */
export const TRANSACTION_CONTROL = [
  'TRANS_STMT_BEGIN',
  'TRANS_STMT_START',
  'TRANS_STMT_COMMIT',
  'TRANS_STMT_ROLLBACK',
  'TRANS_STMT_PREPARE',
  'TRANS_STMT_COMMIT_PREPARED',
  'TRANS_STMT_ROLLBACK_PREPARED',
] as const;

/** The statement's transaction-control kind (TRANS_STMT_BEGIN ...), when it is one Firebreak refuses. */
export function transactionControlKind(stmt: Pick<Statement, 'kind' | 'node'>): string | undefined {
  if (stmt.kind !== 'TransactionStmt') return undefined;
  const kind = String(stmt.node.kind ?? '');
  return (TRANSACTION_CONTROL as readonly string[]).includes(kind) ? kind : undefined;
}

export function isTransactional(kind: string, node: Record<string, unknown>): boolean {
  switch (kind) {
    case 'IndexStmt':
    case 'DropStmt':
      return field(node, 'concurrent') !== true;
    case 'ReindexStmt': {
      const params = (field(node, 'params') as SqlNode[] | undefined) ?? [];
      return !params.some((d) => (d.DefElem as { defname?: string } | undefined)?.defname === 'concurrently');
    }
    case 'VacuumStmt':
      return field(node, 'is_vacuumcmd') !== true;
    case 'AlterEnumStmt':
      // ADD VALUE; RENAME VALUE (oldVal set) runs in a transaction.
      return field(node, 'oldVal') !== undefined;
    case 'CreatedbStmt':
    case 'DropdbStmt':
    case 'CreateTableSpaceStmt':
    case 'DropTableSpaceStmt':
    case 'AlterSystemStmt':
    case 'CreateSubscriptionStmt':
    case 'DropSubscriptionStmt':
      return false;
    case 'AlterTableStmt': {
      const cmds = (field(node, 'cmds') as SqlNode[] | undefined) ?? [];
      return !cmds.some((c) => {
        const cmd = c.AlterTableCmd as { subtype?: string; def?: SqlNode } | undefined;
        return cmd?.subtype === 'AT_DetachPartition' && (cmd.def?.PartitionCmd as { concurrent?: boolean } | undefined)?.concurrent === true;
      });
    }
    default:
      return true;
  }
}
