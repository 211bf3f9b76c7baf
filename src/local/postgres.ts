// A private PostgreSQL cluster kept under the state dir, for the Temporal server of
// `firebreak dev --persistence postgres`: initdb the first time, then `postgres` on a loopback
// port (no Unix socket, so the state dir's path length does not matter). PostgreSQL refuses to
// run as root, and these machines run as root: then the cluster runs as the `postgres` user
// (Debian's package creates it) or `nobody`, through `runuser`, and owns its directory.
// The same approach as test/helpers/postgres.ts, but the data outlives the process.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { findPostgresBin } from './tools.js';

export interface PostgresCluster {
  port: number;
  user: string;
  password: string;
  /** postgres://user:password@127.0.0.1:port/<db> */
  urlOf(db: string): string;
  /** The postmaster's pid. */
  pid: number;
  /** Fast shutdown (SIGINT), SIGQUIT after 10 s; idempotent. */
  stop(): Promise<void>;
}

export interface PostgresClusterOptions {
  /** Directory holding the cluster: <dir>/data (PGDATA), <dir>/postgres.log. */
  dir: string;
  port: number;
  /** Role created by initdb as the superuser, and its password. */
  user: string;
  password: string;
}

/**
 * As root the cluster runs as another user, who must be able to reach <dir>: the state dir
 * that holds it (often made by mkdtemp, mode 0700) gets search permission for others.
 */
function letServerUserIn(dir: string): void {
  const parent = dirname(dir);
  const mode = statSync(parent).mode;
  if ((mode & 0o001) === 0) chmodSync(parent, (mode & 0o777) | 0o011);
}

/**
 * The directories above the state dir are the user's, not ours to open up: when one of them
 * shuts the server's user out, say which and how to fix it, before anything is created.
 */
function checkServerUserCanReach(dir: string, user: string): void {
  const stateDir = dirname(resolve(dir));
  for (let d = dirname(stateDir); ; d = dirname(d)) {
    if (existsSync(d) && (statSync(d).mode & 0o001) === 0) {
      throw new Error(
        `PostgreSQL runs as user ${user} and cannot reach ${dir}: ${d} is closed to other users ` +
          `(mode ${(statSync(d).mode & 0o777).toString(8).padStart(4, '0')}); run chmod o+x ${d}, or choose a state dir outside it; no cluster was created or started`,
      );
    }
    if (d === dirname(d)) return;
  }
}

/** As root, the user PostgreSQL runs as (it refuses root): postgres, else nobody. */
export function serverUser(): { user?: string; uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  for (const user of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
      return { user, uid, gid };
    } catch {
      // no such user; try the next
    }
  }
  throw new Error('running as root and neither the postgres nor the nobody user exists to run PostgreSQL');
}

/** True when <dir>/data holds an initialised cluster (initdb writes PG_VERSION last but one). */
export function clusterExists(dir: string): boolean {
  return existsSync(join(dir, 'data', 'PG_VERSION')) && existsSync(join(dir, 'data', 'global', 'pg_control'));
}

/** True when <dir>/data exists and is not empty. */
export function dataDirUsed(dir: string): boolean {
  const data = join(dir, 'data');
  return existsSync(data) && readdirSync(data).length > 0;
}

/** initdb into <dir>/data (which must not exist or be empty). */
export function initCluster(opts: PostgresClusterOptions): void {
  const bin = findPostgresBin();
  if (!bin) throw new Error("PostgreSQL server binaries not found: run `npm run setup` (it installs Debian's postgresql)");
  const { user, uid, gid } = serverUser();
  if (user) checkServerUserCanReach(opts.dir, user);
  const data = join(opts.dir, 'data');
  mkdirSync(data, { recursive: true });
  const pwfile = join(opts.dir, '.pwfile');
  writeFileSync(pwfile, `${opts.password}\n`, { mode: 0o600 });
  if (uid !== undefined && gid !== undefined) {
    execFileSync('chown', ['-R', `${uid}:${gid}`, opts.dir]);
    letServerUserIn(opts.dir);
  }
  const args = [
    '-D', data, '-U', opts.user, `--pwfile=${pwfile}`,
    '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-instructions',
  ];
  try {
    const [cmd, argv] = user ? ['runuser', ['-u', user, '--', join(bin, 'initdb'), ...args]] : [join(bin, 'initdb'), args];
    execFileSync(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`initdb failed in ${data}: ${stderr.trim() || (err as Error).message}`);
  } finally {
    rmSync(pwfile, { force: true });
  }
}

/** Starts the cluster in <dir>/data on 127.0.0.1:port and waits until it accepts connections. */
export async function startCluster(opts: PostgresClusterOptions): Promise<PostgresCluster> {
  const bin = findPostgresBin();
  if (!bin) throw new Error("PostgreSQL server binaries not found: run `npm run setup` (it installs Debian's postgresql)");
  const { user, uid, gid } = serverUser();
  if (user) checkServerUserCanReach(opts.dir, user);
  const data = join(opts.dir, 'data');
  if (uid !== undefined && gid !== undefined) {
    execFileSync('chown', ['-R', `${uid}:${gid}`, opts.dir]);
    letServerUserIn(opts.dir);
  }
  const args = [
    '-D', data, '-p', String(opts.port),
    '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=',
    '-c', 'max_connections=100', '-c', 'shared_buffers=64MB', '-c', 'logging_collector=off',
    // A dev stack: durable across a clean stop and a killed server, not across a power cut.
    '-c', 'synchronous_commit=off',
  ];
  const [cmd, argv] = user ? ['runuser', ['-u', user, '--', join(bin, 'postgres'), ...args]] : [join(bin, 'postgres'), args];
  const logFile = createWriteStream(join(opts.dir, 'postgres.log'), { flags: 'a' });
  const child: ChildProcess = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const onData = (b: Buffer) => {
    logFile.write(b);
    tail = (tail + b.toString()).slice(-4000);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  let pgPid: number | undefined;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(pgPid ?? child.pid!, sig);
    } catch {
      // already gone
    }
  };
  // Never leave a cluster running behind a crashed parent: immediate shutdown.
  const onExit = () => signal('SIGQUIT');
  process.once('exit', onExit);

  const urlOf = (db: string) => `postgres://${encodeURIComponent(opts.user)}:${encodeURIComponent(opts.password)}@127.0.0.1:${opts.port}/${db}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      process.removeListener('exit', onExit);
      logFile.end();
      throw new Error(`PostgreSQL exited (code ${child.exitCode}) before it was ready:\n${tail.trim()}`);
    }
    const c = new pg.Client({ connectionString: urlOf('postgres') });
    try {
      await c.connect();
      await c.end();
      break;
    } catch {
      await c.end().catch(() => undefined);
      if (Date.now() > deadline) {
        signal('SIGQUIT');
        child.kill('SIGKILL');
        process.removeListener('exit', onExit);
        logFile.end();
        throw new Error(`PostgreSQL not ready on 127.0.0.1:${opts.port} after 60 s:\n${tail.trim()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    pgPid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]) || undefined;
  } catch {
    pgPid = undefined;
  }

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      process.removeListener('exit', onExit);
      if (child.exitCode === null && child.signalCode === null) {
        signal('SIGINT'); // fast shutdown: ends sessions, checkpoints, exits
        const timer = setTimeout(() => {
          signal('SIGQUIT');
          child.kill('SIGKILL');
        }, 10_000);
        await exited;
        clearTimeout(timer);
      }
      await new Promise<void>((resolve) => logFile.end(resolve));
    })());
  return { port: opts.port, user: opts.user, password: opts.password, urlOf, pid: pgPid ?? child.pid!, stop };
}
