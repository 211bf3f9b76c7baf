// The simulator's state on disk (`firebreak sim --state-dir DIR`, and `firebreak dev` under
// .firebreak/sim): one JSON snapshot, rewritten after every change before the HTTP answer goes
// out (temp file, fsync, rename, so a crash leaves the old file or the new one, never half of
// one), and a lock file so two simulators never write the same state. A file that cannot be
// read back is refused with one line naming it and the way out; it is never silently dropped,
// because the region versions in it are what the deploys' checks and rollbacks rely on.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { BUCKETS } from './traffic.js';
import { SNAPSHOT_FORMAT, type SimSnapshot } from './state.js';

export const STATE_FILE = 'state.json';
export const LOCK_FILE = 'lock';

/** A state dir that cannot be used as it is; the message is one line, meant for the operator. */
export class SimStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimStateError';
  }
}

const nonEmpty = z.string().min(1);
const time = z.number().finite().nonnegative();
const count = z.number().finite().nonnegative();

const snapshotSchema = z.object({
  format: z.literal(SNAPSHOT_FORMAT),
  regions: z.array(
    z.object({
      service: nonEmpty,
      region: nonEmpty,
      customers: z.number().finite().positive(),
      version: nonEmpty.nullable(),
      previousVersion: nonEmpty.nullable(),
      state: z.enum(['rolling', 'ready', 'error']),
      down: z.boolean(),
      rollout: z
        .object({ version: nonEmpty, completesAt: time.nullable(), outcome: z.enum(['ready', 'error']) })
        .nullable(),
      counters: z.object({
        ok: count,
        errors: count,
        durationSum: count,
        buckets: z.array(count).length(BUCKETS.length),
      }),
      countedTo: time,
    }),
  ),
  faults: z.array(
    z.object({
      id: nonEmpty,
      service: nonEmpty.optional(),
      region: nonEmpty.optional(),
      version: nonEmpty.optional(),
      errorRate: z.number().min(0).max(1).optional(),
      latencyMs: count.optional(),
      deploy: z.enum(['fail', 'hang']).optional(),
    }),
  ),
  nextFaultId: z.number().int().positive(),
  log: z.array(z.object({ at: nonEmpty, region: nonEmpty, service: nonEmpty, version: nonEmpty, deployId: nonEmpty })),
  seen: z.array(z.tuple([z.string(), z.string()])),
  duplicates: z.number().int().nonnegative(),
});

function refuse(file: string, why: string): SimStateError {
  return new SimStateError(
    `simulator state file ${file} cannot be used (${why}); nothing was started. ` +
      `Move it aside to keep it (mv ${file} ${file}.bad), or delete it to start with no regions, faults or deployment log`,
  );
}

/** The saved snapshot, or undefined when the dir has none yet. Throws SimStateError when unusable. */
export function loadSnapshot(dir: string): SimSnapshot | undefined {
  const file = join(dir, STATE_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw refuse(file, `cannot read it: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const what = text.trim() === '' ? 'it is empty' : `not valid JSON, truncated or corrupt: ${(err as Error).message}`;
    throw refuse(file, what);
  }
  const parsed = snapshotSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue.path.length ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') : '(top level)';
    const more = parsed.error.issues.length > 1 ? ` and ${parsed.error.issues.length - 1} more problem(s)` : '';
    throw refuse(file, `not a ${SNAPSHOT_FORMAT} snapshot: ${at}: ${issue.message}${more}`);
  }
  return parsed.data as SimSnapshot;
}

/** Writes the snapshot atomically: a temp file beside it, flushed to disk, renamed over it. */
export function saveSnapshot(dir: string, snapshot: SimSnapshot): void {
  const file = join(dir, STATE_FILE);
  const tmp = `${file}.tmp-${process.pid}`;
  const text = JSON.stringify({ ...snapshot, savedAt: new Date().toISOString() }, null, 1) + '\n';
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the state dir for this process: creates it, claims its lock file (taking over a stale
 * one whose process is gone, e.g. after a SIGKILL) and removes temp files a crash left behind.
 * Returns the release function. Throws SimStateError when a live process holds the lock.
 */
export function lockStateDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
        throw new SimStateError(`cannot lock simulator state dir ${dir}: ${(err as Error).message}`);
      }
    }
    const holder = Number.parseInt(readFileSync(lock, 'utf8').trim(), 10);
    if (Number.isInteger(holder) && holder > 0 && alive(holder)) {
      const who = holder === process.pid ? 'another simulator in this process' : `process ${holder}`;
      throw new SimStateError(
        `simulator state dir ${dir} is in use by ${who} (lock file ${lock}); stop that simulator first, or delete the lock file if that process is not one`,
      );
    }
    rmSync(lock, { force: true });
  }
  for (const name of readdirSync(dir)) {
    if (name.startsWith(`${STATE_FILE}.tmp-`)) rmSync(join(dir, name), { force: true });
  }
  return () => {
    try {
      if (existsSync(lock) && readFileSync(lock, 'utf8').trim() === String(process.pid)) unlinkSync(lock);
    } catch {
      // best effort: a stale lock is taken over at the next start anyway
    }
  };
}
