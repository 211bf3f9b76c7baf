// A throwaway PostgreSQL server for the migration tests: initdb into a temp dir, `postgres` on
// a free loopback port with its socket in that dir, a database created, and a clean stop. The
// server refuses to run as root, and CI runs as root: then the server runs as the `postgres`
// user (Debian's package creates it) or `nobody`, through `runuser`, and owns the temp dir.
// Host connections use scram-sha-256 with a password, so tests see a URL with a secret in it.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { findPostgresBin } from '../../src/local/tools.js';
import { serverUser } from '../../src/local/postgres.js';
import { freePort } from '../../src/local/ports.js';

export interface Postgres {
  /** postgres://postgres:<password>@127.0.0.1:<port>/<db> */
  url: string;
  port: number;
  password: string;
  /** A fresh empty database on the same server; returns its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
  /**
   * `pg_dump --schema-only` of the database (default: the one of `url`), normalized: no
   * comments, no blank lines, no SET lines, no \restrict keys, and without Firebreak's own
   * `firebreak_migrations` table (it stays once created, whatever `down` undoes).
   */
  dump(url?: string): Promise<string>;
}

/** Why these tests cannot run here, or undefined when PostgreSQL is installed. */
export function postgresMissing(): string | undefined {
  return findPostgresBin() ? undefined : 'PostgreSQL server binaries not found (run `npm run setup`, which installs Debian\'s postgresql)';
}

const live = new Set<ChildProcess & { pgPid?: number }>();
process.on('exit', () => {
  // A test that crashed must not leave a server behind: immediate shutdown (SIGQUIT).
  for (const child of live) {
    try {
      process.kill(child.pgPid ?? child.pid!, 'SIGQUIT');
    } catch {
      // already gone
    }
  }
});

function chownTree(dir: string, uid: number, gid: number): void {
  execFileSync('chown', ['-R', `${uid}:${gid}`, dir]);
}

export async function startPostgres(opts: { database?: string } = {}): Promise<Postgres> {
  const bin = findPostgresBin();
  if (!bin) throw new Error(postgresMissing());
  const { user, uid, gid } = serverUser();
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-pg-'));
  const data = join(dir, 'data');
  const password = `pw-${Math.random().toString(36).slice(2, 12)}`;
  writeFileSync(join(dir, 'pwfile'), `${password}\n`);
  if (uid !== undefined && gid !== undefined) chownTree(dir, uid, gid);
  const asUser = (cmd: string, args: string[]): [string, string[]] => (user ? ['runuser', ['-u', user, '--', cmd, ...args]] : [cmd, args]);

  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    const [initCmd, initArgs] = asUser(join(bin, 'initdb'), [
      '-D', data, '-U', 'postgres', `--pwfile=${join(dir, 'pwfile')}`,
      '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions',
    ]);
    execFileSync(initCmd, initArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    cleanup();
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`initdb failed: ${stderr.trim() || (err as Error).message}`);
  }

  const port = await freePort();
  const [cmd, args] = asUser(join(bin, 'postgres'), [
    '-D', data, '-p', String(port), '-k', dir,
    '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
    '-c', 'max_connections=40', '-c', 'shared_buffers=16MB', '-c', 'logging_collector=off',
  ]);
  const child: ChildProcess & { pgPid?: number } = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  live.add(child);
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const adminUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      live.delete(child);
      cleanup();
      throw new Error(`postgres exited with ${child.exitCode} before it was ready:\n${stderr}`);
    }
    const c = new pg.Client({ connectionString: adminUrl });
    try {
      await c.connect();
      await c.end();
      break;
    } catch {
      await c.end().catch(() => undefined);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        live.delete(child);
        cleanup();
        throw new Error(`postgres not ready after 30s:\n${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  // The server itself (runuser stays as its parent): signals go to it directly.
  try {
    child.pgPid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    child.pgPid = undefined;
  }

  const urlOf = (db: string) => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${db}`;
  const createDatabase = async (name: string): Promise<string> => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(`CREATE DATABASE ${c.escapeIdentifier(name)} TEMPLATE template0`);
    } finally {
      await c.end();
    }
    return urlOf(name);
  };
  const database = opts.database ?? 'firebreak_test';
  const url = await createDatabase(database);

  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      if (child.exitCode === null) {
        try {
          process.kill(child.pgPid ?? child.pid!, 'SIGINT'); // fast shutdown
        } catch {
          // already gone
        }
        const timer = setTimeout(() => {
          try {
            process.kill(child.pgPid ?? child.pid!, 'SIGQUIT');
          } catch {
            // already gone
          }
          child.kill('SIGKILL');
        }, 10_000);
        await exited;
        clearTimeout(timer);
      }
      live.delete(child);
      cleanup();
    })());

  const dump = async (target = url): Promise<string> => {
    const out = await new Promise<string>((resolve, reject) => {
      const p = spawn(join(bin, 'pg_dump'), ['--schema-only', '--no-owner', '--no-privileges', '--exclude-table=firebreak_migrations', `--dbname=${target}`], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      let err = '';
      p.stdout.on('data', (b: Buffer) => (text += b.toString()));
      p.stderr.on('data', (b: Buffer) => (err += b.toString()));
      p.once('error', reject);
      p.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`pg_dump exited ${code}: ${err}`))));
    });
    return normalizeDump(out);
  };

  return { url, port, password, createDatabase, stop, dump };
}

/** Drop what differs between two dumps of the same schema: comments, SETs, blank lines. */
export function normalizeDump(text: string): string {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('--') && !l.startsWith('SET ') && !l.startsWith('\\restrict') && !l.startsWith('\\unrestrict'))
    .filter((l) => !l.startsWith('SELECT pg_catalog.set_config'))
    .join('\n');
}
