// The programs of the PostgreSQL-backed stack (`firebreak dev --persistence postgres`): the
// Temporal server 1.29.1, its temporal-sql-tool, the Web UI's ui-server, and the server's SQL
// schema. Like the Temporal CLI (tools.ts), each is found by an environment override, then on
// PATH, then in ~/.cache/firebreak/bin; when missing it is built once with `go install` from
// the Go module proxy (never a binary download) and cached there. The schema is copied from the
// server's Go module into ~/.cache/firebreak/temporal-server-<version>/schema.
// Run as a script (`tsx src/local/server-tools.ts`) it builds whatever is missing, which is
// what `node scripts/setup.mjs --postgres-stack` (and so `npm test`) does; `--check` only says,
// by its exit code, whether anything is missing. A `firebreak dev --persistence postgres` on a
// machine that never ran setup builds them on its first start; under FIREBREAK_NO_BUILD (set by
// the test runner) a missing program is an error instead, so no test pays for a build.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { goInstall } from './go-install.js';
import { isExecutable, temporalCacheBin, which } from './tools.js';

export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
/** ui-server releases whose go.mod has no replace directive (go install refuses those); 2.42.1 matches compose's UI. */
export const UI_SERVER_VERSIONS = ['v2.42.1', 'v2.41.0'];

interface ToolSpec {
  /** The file name in the cache and on PATH. */
  name: string;
  /** Environment variable that names the binary explicitly. */
  env: string;
  /** `go install` targets, tried in order; the first that builds wins. */
  modules: string[];
  /** What `go install` calls the binary (the last path element of the package). */
  goName: string;
}

export const SERVER_TOOLS = {
  server: {
    name: 'temporal-server',
    env: 'TEMPORAL_SERVER_PATH',
    modules: [`go.temporal.io/server/cmd/server@${TEMPORAL_SERVER_VERSION}`],
    goName: 'server',
  },
  sqlTool: {
    name: 'temporal-sql-tool',
    env: 'TEMPORAL_SQL_TOOL_PATH',
    modules: [`go.temporal.io/server/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`],
    goName: 'sql',
  },
  uiServer: {
    name: 'temporal-ui-server',
    env: 'TEMPORAL_UI_SERVER_PATH',
    modules: UI_SERVER_VERSIONS.map((v) => `github.com/temporalio/ui-server/v2/cmd/server@${v}`),
    goName: 'server',
  },
} satisfies Record<string, ToolSpec>;

export type ServerToolName = keyof typeof SERVER_TOOLS;


/** The tool: $ENV override (must be executable), then PATH, then the cache; undefined when absent. */
export function findServerTool(tool: ServerToolName): string | undefined {
  const spec = SERVER_TOOLS[tool];
  const fromEnv = process.env[spec.env];
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`${spec.env}=${fromEnv} is not an executable file`);
    return fromEnv;
  }
  const cached = join(temporalCacheBin(), spec.name);
  return which(spec.name) ?? (isExecutable(cached) ? cached : undefined);
}

/** Where the server's SQL schema is kept once copied out of the Go module cache. */
export function schemaCacheDir(): string {
  return join(homedir(), '.cache', 'firebreak', `temporal-server-${TEMPORAL_SERVER_VERSION}`, 'schema');
}

function goModCache(go: string | undefined): string | undefined {
  if (go) {
    const res = spawnSync(go, ['env', 'GOMODCACHE'], { encoding: 'utf8' });
    const dir = res.status === 0 ? res.stdout.trim() : '';
    if (dir) return dir;
  }
  return join(homedir(), 'go', 'pkg', 'mod');
}

/** `schema/postgresql/v12` of the server module: $FIREBREAK_TEMPORAL_SCHEMA_DIR, the cache, the Go module cache. */
export function findPostgresSchema(): string | undefined {
  const fromEnv = process.env.FIREBREAK_TEMPORAL_SCHEMA_DIR;
  const candidates = [
    fromEnv,
    join(schemaCacheDir(), 'postgresql', 'v12'),
    join(goModCache(findGo()) ?? '', `go.temporal.io/server@${TEMPORAL_SERVER_VERSION}`, 'schema', 'postgresql', 'v12'),
  ];
  for (const dir of candidates) {
    if (dir && existsSync(join(dir, 'temporal', 'versioned')) && existsSync(join(dir, 'visibility', 'versioned'))) return dir;
  }
  if (fromEnv) throw new Error(`FIREBREAK_TEMPORAL_SCHEMA_DIR=${fromEnv} has no temporal/versioned and visibility/versioned`);
  return undefined;
}

export function findGo(): string | undefined {
  const candidates = [which('go'), '/usr/local/go/bin/go', join(homedir(), 'go', 'bin', 'go'), '/usr/lib/go/bin/go'];
  return candidates.find((p) => p && isExecutable(p));
}

export interface ServerTools {
  server: string;
  sqlTool: string;
  /** Undefined when no ui-server version could be built: the stack then runs headless. */
  uiServer?: string;
  /** schema/postgresql/v12 of the server module. */
  schemaDir: string;
}

const RETRY = 'node scripts/setup.mjs --postgres-stack';

/** The tool, built when missing; throws one line naming the program and the command to retry. */
async function ensureTool(tool: ServerToolName, go: string | undefined, log: (line: string) => void): Promise<string> {
  const found = findServerTool(tool);
  if (found) return found;
  const spec = SERVER_TOOLS[tool];
  if (process.env.FIREBREAK_NO_BUILD) {
    throw new Error(`${spec.name} is not built, and builds are off here (tests never build: it would count against their time): run \`${RETRY}\`, or set ${spec.env}`);
  }
  if (!go) throw new Error(`cannot build ${spec.name}: Go is not installed; install Go 1.21 or newer (or set ${spec.env}), then retry: ${RETRY}`);
  let error = '';
  for (const module of spec.modules) {
    const built = await goInstall(go, { what: spec.name, args: [module], binaries: [{ goName: spec.goName, name: spec.name }] }, log);
    if ('paths' in built) return built.paths[spec.name]!;
    error = built.error;
  }
  throw new Error(`could not build ${spec.name} (${error}); retry: ${RETRY}`);
}

/** True when every program and the schema are in place (nothing to build). */
export function serverToolsPresent(): boolean {
  try {
    return (['server', 'sqlTool', 'uiServer'] as const).every((t) => findServerTool(t)) && findPostgresSchema()?.startsWith(schemaCacheDir()) === true;
  } catch {
    return false;
  }
}

/**
 * Finds the server, the sql tool, the ui-server and the schema, building what is missing with Go
 * (cached: instant after the first time). Throws with the fix when the server or the sql tool
 * cannot be had; a missing ui-server is only logged (the stack runs headless).
 */
export async function ensureServerTools(log: (line: string) => void = () => {}): Promise<ServerTools> {
  const go = findGo();
  const server = await ensureTool('server', go, log);
  const sqlTool = await ensureTool('sqlTool', go, log);
  let schemaDir = findPostgresSchema();
  if (!schemaDir || !schemaDir.startsWith(schemaCacheDir())) {
    // Keep a copy outside the module cache (`go clean -modcache` would take it away).
    const source = schemaDir;
    if (!source && go) spawnSync(go, ['mod', 'download', `go.temporal.io/server@${TEMPORAL_SERVER_VERSION}`], { stdio: 'ignore', cwd: homedir() });
    const from = source ?? findPostgresSchema();
    if (!from) throw new Error(`the Temporal ${TEMPORAL_SERVER_VERSION} PostgreSQL schema was not found in the Go module cache; retry: ${RETRY}`);
    if (!process.env.FIREBREAK_TEMPORAL_SCHEMA_DIR) {
      const dest = join(schemaCacheDir(), 'postgresql', 'v12');
      cpSync(from, dest, { recursive: true });
      schemaDir = dest;
    } else {
      schemaDir = from;
    }
  }
  let uiServer: string | undefined;
  try {
    uiServer = await ensureTool('uiServer', go, log);
  } catch (err) {
    log(`${(err as Error).message}: the stack will run without a Web UI`);
  }
  return { server, sqlTool, uiServer, schemaDir };
}

// `tsx src/local/server-tools.ts`: build what is missing and print where everything is.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const log = (line: string) => console.log(`setup: ${line}`);
  if (process.argv.includes('--check')) process.exit(serverToolsPresent() ? 0 : 1);
  log('building the postgres stack\'s programs (Temporal server, temporal-sql-tool, ui-server)');
  ensureServerTools(log).then(
    (tools) => log(`postgres stack: server ${tools.server}; sql tool ${tools.sqlTool}; ui-server ${tools.uiServer ?? 'MISSING'}; schema ${tools.schemaDir}`),
    (err: Error) => {
      console.error(`setup: ERROR: ${err.message}`);
      process.exit(1);
    },
  );
}
