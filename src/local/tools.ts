// Where the external programs Firebreak runs live: the Temporal CLI (dev server), Prometheus
// and PostgreSQL's server binaries. scripts/setup.mjs resolves them once (installing what is
// missing) and records them in .firebreak/tools.json; this module reads that record and falls
// back to the same search, so code also works where setup has not run yet.
import { accessSync, constants, existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { PACKAGE_ROOT } from '../domain/pipeline/package-root.js';

/** Repository root: the checkout's, or the installed package's (the compiled code is in dist/). */
export const REPO_ROOT = PACKAGE_ROOT;

/** Written by scripts/setup.mjs; FIREBREAK_TOOLS_FILE moves it (tests use a scratch one). */
export function toolsFile(): string {
  return process.env.FIREBREAK_TOOLS_FILE ?? join(REPO_ROOT, '.firebreak', 'tools.json');
}

/** Where setup builds the Temporal CLI when none is installed (`go install` with this GOBIN). */
export function temporalCacheBin(): string {
  return join(homedir(), '.cache', 'firebreak', 'bin');
}

export interface ToolPaths {
  temporal?: string;
  prometheus?: string;
  /** Directory holding `postgres`, `initdb`, `pg_ctl`. */
  postgresBin?: string;
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Like `which`: the first executable `cmd` on PATH. */
export function which(cmd: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, cmd);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** The record setup wrote, or {} when absent or unreadable (it is only a cache). */
export function readToolsFile(file = toolsFile()): ToolPaths {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ToolPaths;
  } catch {
    return {};
  }
}

/** A recorded path, when it still points at an executable (a stale record is ignored). */
function recorded(key: keyof ToolPaths, exe?: (p: string) => string): string | undefined {
  const value = readToolsFile()[key];
  if (!value) return undefined;
  return isExecutable(exe ? exe(value) : value) ? value : undefined;
}

/**
 * The Temporal CLI: $TEMPORAL_CLI_PATH, then setup's record, then `temporal` on PATH, then the
 * cached build. Throws with the fix when none is found.
 */
export function findTemporalCli(): string {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    // An explicit override that is wrong must fail loudly, not silently fall back.
    if (!isExecutable(fromEnv)) {
      throw new Error(`TEMPORAL_CLI_PATH=${fromEnv} is not an executable file`);
    }
    return fromEnv;
  }
  const found = recorded('temporal') ?? which('temporal') ?? cachedTemporal();
  if (!found) {
    throw new Error(
      'Temporal CLI not found (looked at $TEMPORAL_CLI_PATH, `temporal` on PATH and ' +
        `${join(temporalCacheBin(), 'temporal')}): run \`npm run setup\` to build it`,
    );
  }
  return found;
}

function cachedTemporal(): string | undefined {
  const p = join(temporalCacheBin(), 'temporal');
  return isExecutable(p) ? p : undefined;
}

/** The `prometheus` binary, or undefined when it is not installed. */
export function findPrometheus(): string | undefined {
  return recorded('prometheus') ?? which('prometheus');
}

/** promtool, which Debian's prometheus package ships beside prometheus (rule checks and tests). */
export function findPromtool(): string | undefined {
  const prometheus = findPrometheus();
  const beside = prometheus && join(dirname(prometheus), 'promtool');
  return beside && isExecutable(beside) ? beside : which('promtool');
}

/**
 * The directory of PostgreSQL's server binaries (`postgres`, `initdb`, `pg_ctl`): setup's
 * record, then `postgres` on PATH, then the newest /usr/lib/postgresql/<major>/bin (Debian
 * keeps them off PATH).
 */
export function findPostgresBin(): string | undefined {
  const rec = recorded('postgresBin', (dir) => join(dir, 'postgres'));
  if (rec) return rec;
  const onPath = which('postgres');
  // Resolve symlinks (e.g. /usr/local/bin/postgres -> /usr/lib/postgresql/15/bin/postgres):
  // the real directory also holds initdb, pg_ctl and the rest.
  if (onPath) return dirname(realpathSync(onPath));
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const major of majors) {
    const dir = join(root, major, 'bin');
    if (isExecutable(join(dir, 'postgres'))) return dir;
  }
  return undefined;
}
