// The production-shaped Temporal of `firebreak dev --persistence postgres`: a real Temporal
// server 1.29.1 (not the CLI's dev server) on a private PostgreSQL cluster, with advanced
// visibility on PostgreSQL, the `default` namespace and Firebreak's search attributes, and the
// Web UI from ui-server. Its config is deploy/temporal/development-postgres.yaml, the same file
// docker-compose.yml mounts; this module only fills in the environment it reads.
//
// State under <stateDir>:
//   postgres/data/              the PostgreSQL cluster (Temporal's persistence and visibility)
//   postgres/postgres.log
//   postgres/temporal-schema.json  written last, once the schema is fully set up
//   temporal-server.log, ui-server.log, ui-server/config/development.yaml
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';
import { DEFAULT_NAMESPACE } from '../domain/names.js';
import { freePort, isPortOpen } from './ports.js';
import { stoppable } from './child.js';
import { clusterExists, dataDirUsed, initCluster, startCluster, type PostgresCluster } from './postgres.js';
import { ensureServerTools, TEMPORAL_SERVER_VERSION, type ServerTools } from './server-tools.js';
import { REPO_ROOT } from './tools.js';

/** deploy/temporal: the server config shared with docker-compose.yml. */
export const TEMPORAL_CONFIG_DIR = join(REPO_ROOT, 'deploy', 'temporal');
export const TEMPORAL_CONFIG_ENV = 'development-postgres';

const DB_USER = 'temporal';
const DB_PASSWORD = 'temporal';
const DATABASES = { temporal: 'temporal', visibility: 'temporal_visibility' } as const;
const HOST = '127.0.0.1';

/** The server's ports besides the frontend's gRPC port. */
export interface InternalPorts {
  frontendHttp: number;
  frontendMembership: number;
  history: number;
  historyMembership: number;
  matching: number;
  matchingMembership: number;
  worker: number;
  workerMembership: number;
}

/**
 * Fixed ports derived from the frontend's, as the module's development config lays them out
 * around 7233: HTTP +10 (7243), history +1 (7234), matching +2 (7235), worker +6 (7239), and the
 * membership ports 300 below each (6933, 6934, 6935, 6939).
 */
export function fixedInternalPorts(frontend: number): InternalPorts {
  return {
    frontendHttp: frontend + 10,
    frontendMembership: frontend - 300,
    history: frontend + 1,
    historyMembership: frontend - 299,
    matching: frontend + 2,
    matchingMembership: frontend - 298,
    worker: frontend + 6,
    workerMembership: frontend - 294,
  };
}

/** True when a listener can be bound on host:port right now. */
function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, HOST, () => srv.close(() => resolve(true)));
  });
}

/**
 * Free ports for the internal services. Membership ports must stay below 32768: the server
 * keeps them in a PostgreSQL smallint (cluster_membership.rpc_port), and the OS hands out
 * ephemeral ports above that, so they are drawn at random from 20000-32767 and bind-tested.
 */
async function freeInternalPorts(): Promise<InternalPorts> {
  const taken = new Set<number>();
  const low = async () => {
    for (let i = 0; i < 500; i++) {
      const p = 20_000 + Math.floor(Math.random() * 12_768);
      if (!taken.has(p) && (await canBind(p))) {
        taken.add(p);
        return p;
      }
    }
    throw new Error('no free port between 20000 and 32767 for the Temporal server membership');
  };
  const any = async () => {
    for (;;) {
      const p = await freePort(HOST);
      if (!taken.has(p)) {
        taken.add(p);
        return p;
      }
    }
  };
  return {
    frontendHttp: await any(),
    frontendMembership: await low(),
    history: await any(),
    historyMembership: await low(),
    matching: await any(),
    matchingMembership: await low(),
    worker: await any(),
    workerMembership: await low(),
  };
}

export interface PostgresTemporalOptions {
  /** The state dir (.firebreak/ for `firebreak dev`). */
  stateDir: string;
  /** Frontend gRPC port. */
  port: number;
  /** Web UI port; undefined = headless. */
  uiPort?: number;
  /** 'fixed' (firebreak dev, see fixedInternalPorts) or 'free' (tests: any free ports). */
  internalPorts?: 'fixed' | 'free';
  log?: (line: string) => void;
  /** Prebuilt tools; default ensureServerTools() (builds them the first time). */
  tools?: ServerTools;
  /** How long to wait for the frontend and the namespace; default 120 s. */
  readyTimeoutMs?: number;
  /**
   * Serve TLS with client certificates required (mTLS), frontend and internode alike, as a
   * production cluster would: the server's certificate (which needs both serverAuth and
   * clientAuth: the server's own roles present it to each other) and the CA that signed the
   * clients' certificates. The stack's own connections use `client`. No Web UI in this mode.
   */
  tls?: ServerTls;
}

export interface ServerTls {
  caFile: string;
  certFile: string;
  keyFile: string;
  /** The name the certificates carry for this host; default localhost. */
  serverName?: string;
  /** The certificate the stack itself presents (namespace setup, readiness checks). */
  client: { certFile: string; keyFile: string };
}

/** Connection options for the stack's own clients: plain, or mTLS with its client certificate. */
function clientTls(tls: ServerTls | undefined) {
  if (!tls) return {};
  return {
    tls: {
      serverNameOverride: tls.serverName ?? 'localhost',
      serverRootCACertificate: readFileSync(tls.caFile),
      clientCertPair: { crt: readFileSync(tls.client.certFile), key: readFileSync(tls.client.keyFile) },
    },
  };
}

export interface StartTimings {
  /** Finding (or building) the binaries. */
  toolsMs: number;
  /** initdb, when this start created the cluster; 0 otherwise. */
  initdbMs: number;
  /** PostgreSQL up and accepting connections. */
  postgresMs: number;
  /** Databases and schema, when this start created them; 0 when the state already had them. */
  schemaMs: number;
  /** Temporal server process spawned until its frontend answers. */
  serverMs: number;
  /** Namespace and search attributes registered and usable. */
  namespaceMs: number;
}

export interface PostgresTemporal {
  address: string;
  uiUrl?: string;
  postgresPort: number;
  internalPorts: InternalPorts;
  timings: StartTimings;
  /** The running server process (replaced by restartServer). */
  serverProcess(): ChildProcess;
  /**
   * Stops the Temporal server process (SIGKILL by default, or SIGTERM) and starts it again on
   * the same ports and state; resolves when the frontend answers again. Returns the restart's ms.
   */
  restartServer(signal?: NodeJS.Signals): Promise<number>;
  stop(): Promise<void>;
}

interface SchemaMarker {
  temporalServer: string;
  databases: typeof DATABASES;
  completedAt: string;
}

/** Refuses a half-initialised state dir before anything is changed. Returns 'fresh' or 'ready'. */
export function inspectState(stateDir: string): 'fresh' | 'ready' {
  const pgDir = join(stateDir, 'postgres');
  const marker = join(pgDir, 'temporal-schema.json');
  const hasMarker = existsSync(marker);
  const hasCluster = clusterExists(pgDir);
  if (hasMarker && hasCluster) return 'ready';
  if (!hasMarker && !dataDirUsed(pgDir)) return 'fresh';
  const why = hasMarker
    ? `${marker} says the schema was set up but ${join(pgDir, 'data')} holds no PostgreSQL cluster`
    : `${join(pgDir, 'data')} holds a PostgreSQL cluster but the Temporal schema setup never finished (no ${marker})`;
  throw new Error(
    `the state dir ${stateDir} is half-initialised: ${why}; nothing was changed. ` +
      `Remove ${pgDir} to start with an empty Temporal (it holds only Temporal's state), or point --state-dir elsewhere`,
  );
}

function sqlTool(tools: ServerTools, port: number, db: string, args: string[]): void {
  const res = spawnSync(
    tools.sqlTool,
    ['--plugin', 'postgres12', '--ep', HOST, '-p', String(port), '-u', DB_USER, '--pw', DB_PASSWORD, '--db', db, '--quiet', ...args],
    { encoding: 'utf8' },
  );
  if (res.status !== 0) {
    const out = `${res.stdout ?? ''}${res.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`temporal-sql-tool ${args[0]} on database ${db} failed (exit ${res.status ?? res.error?.message}):\n${out}`);
  }
}

/** Creates both databases and applies the versioned schema (setup-schema -v 0.0, then update-schema). */
function setupSchema(tools: ServerTools, port: number): void {
  for (const [kind, db] of Object.entries(DATABASES) as [keyof typeof DATABASES, string][]) {
    sqlTool(tools, port, db, ['create-database', '--defaultdb', 'postgres']);
    sqlTool(tools, port, db, ['setup-schema', '-v', '0.0']);
    sqlTool(tools, port, db, ['update-schema', '-d', join(tools.schemaDir, kind, 'versioned')]);
  }
}

function serverEnv(opts: { port: number; pgPort: number; internal: InternalPorts; logLevel: string; tls?: ServerTls }): NodeJS.ProcessEnv {
  const i = opts.internal;
  const tls = opts.tls
    ? {
        TEMPORAL_TLS_SERVER_CERT: opts.tls.certFile,
        TEMPORAL_TLS_SERVER_KEY: opts.tls.keyFile,
        TEMPORAL_TLS_CA_CERT: opts.tls.caFile,
        TEMPORAL_TLS_SERVER_NAME: opts.tls.serverName ?? 'localhost',
      }
    : {};
  return {
    ...process.env,
    ...tls,
    BIND_ON_IP: HOST,
    TEMPORAL_BROADCAST_ADDRESS: HOST,
    POSTGRES_SEEDS: HOST,
    DB_PORT: String(opts.pgPort),
    POSTGRES_USER: DB_USER,
    POSTGRES_PWD: DB_PASSWORD,
    DBNAME: DATABASES.temporal,
    VISIBILITY_DBNAME: DATABASES.visibility,
    FRONTEND_GRPC_PORT: String(opts.port),
    FRONTEND_HTTP_PORT: String(i.frontendHttp),
    FRONTEND_MEMBERSHIP_PORT: String(i.frontendMembership),
    HISTORY_GRPC_PORT: String(i.history),
    HISTORY_MEMBERSHIP_PORT: String(i.historyMembership),
    MATCHING_GRPC_PORT: String(i.matching),
    MATCHING_MEMBERSHIP_PORT: String(i.matchingMembership),
    WORKER_GRPC_PORT: String(i.worker),
    WORKER_MEMBERSHIP_PORT: String(i.workerMembership),
    DYNAMIC_CONFIG_FILE_PATH: join(TEMPORAL_CONFIG_DIR, 'dynamicconfig', 'development-sql.yaml'),
    LOG_LEVEL: opts.logLevel,
  };
}

/** A child whose output is appended to a log file and whose last lines are kept for errors. */
function spawnLogged(exe: string, args: string[], env: NodeJS.ProcessEnv, log: WriteStream) {
  const tail: string[] = [];
  const child = spawn(exe, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const onData = (chunk: Buffer) => {
    log.write(chunk);
    // Fatal lines carry whole stack traces: the start of each line says what failed.
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) tail.push(line.length > 400 ? `${line.slice(0, 400)}...` : line);
    tail.splice(0, Math.max(0, tail.length - 30));
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: -1, signal: null }));
  });
  return { child, tail, exited, proc: stoppable(child, 15_000) };
}

/** Until the frontend answers, or the process dies, or time runs out. */
async function waitForFrontend(address: string, exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>, timeoutMs: number, tls?: ServerTls) {
  let dead: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void exited.then((e) => (dead = e));
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (dead) throw new Error(`the server exited (code ${dead.code}, signal ${dead.signal})`);
    let conn: Connection | undefined;
    try {
      conn = await Connection.connect({ address, connectTimeout: 1_000, ...clientTls(tls) });
      await conn.workflowService.getSystemInfo({});
      return;
    } catch (err) {
      last = err;
    } finally {
      await conn?.close().catch(() => undefined);
    }
    await sleep(250);
  }
  throw new Error(`no answer within ${timeoutMs} ms (last error: ${(last as Error)?.message ?? last})`);
}

/** gRPC status codes the registration tolerates. */
const GRPC_NOT_FOUND = 5;
const GRPC_ALREADY_EXISTS = 6;

function grpcCode(err: unknown): number | undefined {
  return (err as { code?: number }).code;
}

/**
 * Registers the default namespace and Firebreak's search attributes when missing (both
 * idempotent), then waits until the namespace is usable for visibility queries.
 */
export async function ensureNamespace(address: string, timeoutMs: number, tls?: ServerTls): Promise<void> {
  const conn = await Connection.connect({ address, connectTimeout: 5_000, ...clientTls(tls) });
  try {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    const retry = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
      for (;;) {
        try {
          return await fn();
        } catch (err) {
          last = err;
          if (Date.now() > deadline) throw new Error(`${what}: ${(last as Error).message}`);
          await sleep(250);
        }
      }
    };
    await retry('registering the default namespace', async () => {
      try {
        await conn.workflowService.describeNamespace({ namespace: DEFAULT_NAMESPACE });
      } catch (err) {
        if (grpcCode(err) !== GRPC_NOT_FOUND) throw err;
        try {
          await conn.workflowService.registerNamespace({
            namespace: DEFAULT_NAMESPACE,
            description: 'Firebreak deploys',
            workflowExecutionRetentionPeriod: msToTs('7 days'),
          });
        } catch (e) {
          if (grpcCode(e) !== GRPC_ALREADY_EXISTS) throw e;
        }
      }
    });
    await retry('adding the Firebreak search attributes', async () => {
      const { customAttributes } = await conn.operatorService.listSearchAttributes({ namespace: DEFAULT_NAMESPACE });
      const missing = SEARCH_ATTRIBUTES.filter((k) => customAttributes?.[k.name] === undefined);
      if (!missing.length) return;
      try {
        await conn.operatorService.addSearchAttributes({
          namespace: DEFAULT_NAMESPACE,
          // 2 = INDEXED_VALUE_TYPE_KEYWORD
          searchAttributes: Object.fromEntries(missing.map((k) => [k.name, 2])),
        });
      } catch (e) {
        if (grpcCode(e) !== GRPC_ALREADY_EXISTS) throw e;
      }
      // Retried until listed: another start may have added some of them at the same time.
      throw new Error(`added ${missing.map((k) => k.name).join(', ')}; not listed yet`);
    });
    // The frontend's namespace cache refreshes every few seconds: a fresh namespace answers
    // describe at once but visibility only after that.
    await retry('waiting for the default namespace to serve visibility', async () => {
      await conn.workflowService.listWorkflowExecutions({ namespace: DEFAULT_NAMESPACE, pageSize: 1, query: 'FirebreakService = "x"' });
    });
  } finally {
    await conn.close().catch(() => undefined);
  }
}

export async function startPostgresTemporal(opts: PostgresTemporalOptions): Promise<PostgresTemporal> {
  const log = opts.log ?? (() => {});
  const readyTimeoutMs = opts.readyTimeoutMs ?? 120_000;
  const timings: StartTimings = { toolsMs: 0, initdbMs: 0, postgresMs: 0, schemaMs: 0, serverMs: 0, namespaceMs: 0 };
  let t = Date.now();
  const lap = () => {
    const now = Date.now();
    const ms = now - t;
    t = now;
    return ms;
  };

  // 1. Everything that can refuse does so before anything is written.
  // Membership ports must fit a smallint (see freeInternalPorts): fixed ones only around a low gRPC port.
  const fixed = opts.internalPorts !== 'free' && opts.port + 10 < 32_768;
  let internal = fixed ? fixedInternalPorts(opts.port) : await freeInternalPorts();
  const ports: [string, number | undefined][] = [
    ['Temporal gRPC', opts.port],
    ['Web UI', opts.uiPort],
    ...(!fixed ? [] : (Object.entries(internal) as [string, number][]).map(([k, p]): [string, number] => [`Temporal ${k}`, p])),
  ];
  for (const [what, p] of ports) {
    if (p !== undefined && (await isPortOpen(p, HOST))) {
      throw new Error(`cannot start the Temporal server: port ${p} (${what}) on ${HOST} is already in use; nothing was started`);
    }
  }
  const state = inspectState(opts.stateDir);
  const tools = opts.tools ?? (await ensureServerTools(log));
  timings.toolsMs = lap();

  const pgDir = join(opts.stateDir, 'postgres');
  let markerWritten = state === 'ready';
  const stops: (() => Promise<unknown>)[] = [];
  const stopAll = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => {});
  };
  try {
    // 2. PostgreSQL: initdb the first time, then start it on a free loopback port.
    const pgPort = await freePort(HOST);
    const pgOpts = { dir: pgDir, port: pgPort, user: DB_USER, password: DB_PASSWORD };
    if (state === 'fresh') {
      mkdirSync(pgDir, { recursive: true });
      log(`creating the PostgreSQL cluster in ${pgDir}`);
      try {
        initCluster(pgOpts);
      } catch (err) {
        // Nothing usable was made: leave no half-initialised state behind.
        rmSync(join(pgDir, 'data'), { recursive: true, force: true });
        throw err;
      }
      timings.initdbMs = lap();
    }
    const cluster: PostgresCluster = await startCluster(pgOpts);
    stops.push(() => cluster.stop());
    timings.postgresMs = lap();
    log(`PostgreSQL on ${HOST}:${pgPort} (data in ${join(pgDir, 'data')})`);

    // 3. The schema, once: databases, setup-schema -v 0.0, update-schema to the module's newest.
    if (state === 'fresh') {
      log(`setting up the Temporal ${TEMPORAL_SERVER_VERSION} schema (temporal, temporal_visibility)`);
      setupSchema(tools, pgPort);
      const marker: SchemaMarker = { temporalServer: TEMPORAL_SERVER_VERSION, databases: DATABASES, completedAt: new Date().toISOString() };
      writeFileSync(join(pgDir, 'temporal-schema.json'), `${JSON.stringify(marker, null, 2)}\n`);
      markerWritten = true;
      timings.schemaMs = lap();
      log(`schema set up in ${timings.schemaMs} ms`);
    } else {
      const marker = JSON.parse(readFileSync(join(pgDir, 'temporal-schema.json'), 'utf8')) as SchemaMarker;
      log(`reusing the Temporal schema set up ${marker.completedAt} (server ${marker.temporalServer})`);
    }

    // 4. The Temporal server with deploy/temporal/development-postgres.yaml.
    const address = `${HOST}:${opts.port}`;
    const serverLog = createWriteStream(join(opts.stateDir, 'temporal-server.log'), { flags: 'a' });
    stops.push(() => new Promise<void>((resolve) => serverLog.end(resolve)));
    let env = serverEnv({ port: opts.port, pgPort, internal, logLevel: 'warn', tls: opts.tls });
    const args = ['--root', '/', '--config', TEMPORAL_CONFIG_DIR, '--env', TEMPORAL_CONFIG_ENV, '--allow-no-auth', 'start'];
    let server: ReturnType<typeof spawnLogged> | undefined;
    const startServer = async () => {
      const s = spawnLogged(tools.server, args, env, serverLog);
      server = s;
      try {
        await waitForFrontend(address, s.exited, readyTimeoutMs, opts.tls);
      } catch (err) {
        await s.proc.stop();
        throw new Error(
          `the Temporal server (${tools.server}) did not start on ${address}: ${(err as Error).message}\n` +
            `--- server output (last ${s.tail.length} lines; all of it in ${join(opts.stateDir, 'temporal-server.log')}) ---\n${s.tail.join('\n')}`,
          { cause: err },
        );
      }
    };
    log(`starting the Temporal server ${TEMPORAL_SERVER_VERSION} on ${address} (config ${join(TEMPORAL_CONFIG_DIR, `${TEMPORAL_CONFIG_ENV}.yaml`)})`);
    stops.push(() => server?.proc.stop() ?? Promise.resolve());
    for (let attempt = 1; ; attempt++) {
      try {
        await startServer();
        break;
      } catch (err) {
        // Free internal ports are chosen before the server binds them, and any process's
        // outgoing connection may take one in between: choose again, twice at most.
        if (fixed || attempt >= 3 || !/failed listening|address already in use/i.test((err as Error).message)) throw err;
        internal = await freeInternalPorts();
        env = serverEnv({ port: opts.port, pgPort, internal, logLevel: 'warn', tls: opts.tls });
        log('an internal port was taken before the Temporal server could bind it; starting it again on other ports');
      }
    }
    timings.serverMs = lap();
    await ensureNamespace(address, readyTimeoutMs, opts.tls);
    timings.namespaceMs = lap();
    log(`Temporal server ready in ${timings.serverMs} ms; namespace ${DEFAULT_NAMESPACE} and search attributes in ${timings.namespaceMs} ms`);

    // 5. The Web UI (ui-server), or headless when it could not be built.
    let uiUrl: string | undefined;
    if (opts.uiPort !== undefined && opts.tls) {
      log('TLS: running without a Web UI (the ui-server would need its own client certificate)');
    } else if (opts.uiPort !== undefined) {
      if (!tools.uiServer) {
        log('no ui-server binary: running without a Web UI (node scripts/setup.mjs --postgres-stack builds it)');
      } else {
        const uiDir = join(opts.stateDir, 'ui-server');
        mkdirSync(join(uiDir, 'config'), { recursive: true });
        writeFileSync(
          join(uiDir, 'config', 'development.yaml'),
          [
            '# Written by `firebreak dev --persistence postgres` at each start.',
            `temporalGrpcAddress: ${address}`,
            `host: ${HOST}`,
            `port: ${opts.uiPort}`,
            'enableUi: true',
            `defaultNamespace: ${DEFAULT_NAMESPACE}`,
            'refreshInterval: 1m',
            'notifyOnNewVersion: false',
            'cors:',
            '  cookieInsecure: true',
            '',
          ].join('\n'),
        );
        const uiLog = createWriteStream(join(opts.stateDir, 'ui-server.log'), { flags: 'a' });
        const ui = spawnLogged(tools.uiServer, ['--root', uiDir, '--config', 'config', '--env', 'development', 'start'], process.env, uiLog);
        stops.push(async () => {
          await ui.proc.stop();
          await new Promise<void>((resolve) => uiLog.end(resolve));
        });
        uiUrl = `http://${HOST}:${opts.uiPort}`;
        await waitForHttp(uiUrl, ui.exited, 30_000).catch((err: Error) => {
          throw new Error(`the Web UI (${tools.uiServer}) did not start on ${uiUrl}: ${err.message}\n${ui.tail.join('\n')}`);
        });
        log(`Web UI on ${uiUrl}`);
      }
    }

    const restartServer = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<number> => {
      const old = server!;
      if (signal === 'SIGKILL') old.child.kill('SIGKILL');
      else old.child.kill(signal);
      await old.exited;
      await old.proc.stop();
      const started = Date.now();
      // The old process's ports can linger for a moment after it exits.
      const deadline = Date.now() + 15_000;
      while ((await isPortOpen(opts.port, HOST)) && Date.now() < deadline) await sleep(100);
      await startServer();
      return Date.now() - started;
    };

    return {
      address,
      uiUrl,
      postgresPort: pgPort,
      internalPorts: internal,
      timings,
      serverProcess: () => server!.child,
      restartServer,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    // A first start that failed before the schema was complete leaves nothing behind, so the
    // next start begins afresh instead of finding a half-initialised state dir.
    if (!markerWritten) rmSync(join(pgDir, 'data'), { recursive: true, force: true });
    throw err;
  }
}

async function waitForHttp(url: string, exited: Promise<unknown>, timeoutMs: number): Promise<void> {
  let dead = false;
  void exited.then(() => (dead = true));
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (dead) throw new Error('the process exited');
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err;
    }
    await sleep(200);
  }
  throw new Error(`no answer within ${timeoutMs} ms (last: ${(last as Error)?.message ?? last})`);
}

