// The real Temporal dev server (`temporal server start-dev`: SQLite persistence, Web UI),
// started as a child process for `firebreak dev` and the tests, with Firebreak's search
// attributes registered up front so visibility queries work from the first deploy.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';
import { DEFAULT_NAMESPACE } from '../domain/names.js';
import { freePort, isPortOpen } from './ports.js';
import { stoppable } from './child.js';
import { findTemporalCli } from './tools.js';

export interface DevServerOptions {
  /** gRPC port; a free one when omitted or 0 (`firebreak dev` passes PORTS.temporal). */
  port?: number;
  /** Web UI port; a free one when omitted or 0. Ignored when headless. */
  uiPort?: number;
  /** SQLite file to keep state across restarts; in memory when omitted. */
  dbFile?: string;
  /** No Web UI (tests). */
  headless?: boolean;
  /** File that receives the server's own output (appended); kept in memory only when omitted. */
  log?: string;
  /** Server log level; default warn. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** How long to wait for the frontend to answer; default 60 s (first start migrates SQLite). */
  readyTimeoutMs?: number;
  /** Temporal CLI binary; default findTemporalCli(). */
  executable?: string;
}

export interface DevServer {
  /** host:port of the gRPC frontend, e.g. 127.0.0.1:7233. */
  address: string;
  uiUrl?: string;
  /** The server process (for its pid; use stop() to end it). */
  process: ChildProcess;
  stop(): Promise<void>;
}

const TAIL_LINES = 40;

export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const exe = opts.executable ?? findTemporalCli();
  const host = '127.0.0.1';
  const port = opts.port || (await freePort());
  const uiPort = opts.headless ? undefined : opts.uiPort || (await freePort());

  // A busy port would make the server exit with a less obvious message; say it plainly first.
  for (const p of [port, uiPort]) {
    if (p !== undefined && (await isPortOpen(p, host))) {
      throw new Error(`cannot start the Temporal dev server: port ${p} on ${host} is already in use`);
    }
  }

  const args = ['server', 'start-dev', '--ip', host, '--port', String(port)];
  if (uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(uiPort));
  if (opts.dbFile) {
    mkdirSync(dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  for (const key of SEARCH_ATTRIBUTES) args.push('--search-attribute', `${key.name}=Keyword`);
  args.push('--log-level', opts.logLevel ?? 'warn', '--log-format', 'text');

  // Keep the last lines of output in memory so a failed start can show why.
  const tail: string[] = [];
  const logFile = opts.log ? openLog(opts.log) : undefined;
  const child = spawn(exe, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const onData = (chunk: Buffer) => {
    logFile?.write(chunk);
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim()) tail.push(line);
    }
    if (tail.length > TAIL_LINES) tail.splice(0, tail.length - TAIL_LINES);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: -1, signal: null }));
  });
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  const proc = stoppable(child);

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await proc.stop();
      await new Promise<void>((resolve) => (logFile ? logFile.end(resolve) : resolve()));
    })());

  const address = `${host}:${port}`;
  try {
    await waitForFrontend(address, exited, opts.readyTimeoutMs ?? 60_000);
  } catch (err) {
    await stop();
    const why = spawnError ? `${spawnError.message}` : (err as Error).message;
    const log = tail.length ? `\n--- server output (last ${tail.length} lines) ---\n${tail.join('\n')}` : '';
    throw new Error(`Temporal dev server (${exe}) did not start on ${address}: ${why}${log}`, { cause: err });
  }
  return { address, uiUrl: uiPort === undefined ? undefined : `http://${host}:${uiPort}`, process: child, stop };
}

function openLog(path: string) {
  mkdirSync(dirname(path), { recursive: true });
  return createWriteStream(path, { flags: 'a' });
}

/** Polls until the frontend serves the default namespace, the process dies, or time runs out. */
async function waitForFrontend(
  address: string,
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
  timeoutMs: number,
): Promise<void> {
  let dead: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void exited.then((e) => (dead = e));
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (dead) throw new Error(`the server exited (code ${dead.code}, signal ${dead.signal})`);
    let conn: Connection | undefined;
    try {
      conn = await Connection.connect({ address, connectTimeout: 1_000 });
      await conn.workflowService.getSystemInfo({});
      // The namespace is registered just after the frontend starts listening.
      await conn.workflowService.describeNamespace({ namespace: DEFAULT_NAMESPACE });
      return;
    } catch (err) {
      last = err;
    } finally {
      await conn?.close().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no answer within ${timeoutMs} ms (last error: ${(last as Error)?.message ?? last})`);
}
