// Following a deploy (`deploy --wait`, `status --watch`): poll the status (with live check
// values), draw it — redrawn in place on a terminal, one line per change in CI — until it ends
// or waits for an operator, and map the outcome to an exit code (src/cli/fail.ts).
import { setTimeout as sleep } from 'node:timers/promises';
import type { DeployStatus, DeployPhase } from '../../workflows/messages.js';
import { CliError, EXIT } from './fail.js';
import { isNoAnswerYet, oneLine } from './no-answer.js';
import { renderCiLines, renderTty, Redrawer, type ViewStatus } from './render.js';

export function exitCodeFor(phase: DeployPhase, status?: Pick<DeployStatus, 'frozen' | 'stages'>): number {
  if (phase === 'succeeded') return EXIT.ok;
  if (phase === 'paused' && status && isFrozenOnly(status)) return EXIT.frozen;
  if (phase === 'paused') return EXIT.paused;
  if (phase === 'running') return EXIT.paused;
  return EXIT.rolledBack;
}

/** Held by a freeze and by nothing else (no region failed or waiting for an approval). */
export function isFrozenOnly(s: Pick<DeployStatus, 'frozen' | 'stages'>): boolean {
  return s.frozen !== undefined && !s.stages.some((st) => st.regions.some((r) => r.state === 'awaiting_approval' || r.state === 'failed'));
}

/** An operator must act: paused (a held region, a manual pause) or a gate awaiting approval. */
export function waitsForOperator(s: DeployStatus): boolean {
  return s.phase === 'paused' || s.stages.some((st) => st.regions.some((r) => r.state === 'awaiting_approval'));
}

export const isOver = (s: DeployStatus) => s.phase !== 'running' && s.phase !== 'paused';

export interface FollowOptions {
  /** tty: redraw a frame in place; ci: print one line per change. */
  mode: 'tty' | 'ci';
  write: (text: string) => void;
  /** Stop when this holds; default: the deploy ended or waits for an operator. */
  until?: (s: ViewStatus) => boolean;
  pollMs?: number;
  /** Terminal size (tty mode), read at every frame so a resize is honoured. */
  size?: () => { columns?: number; rows?: number };
  now?: () => number;
  /** Stop following at this time (Date.now() ms): a StoppedWaiting, the deploy goes on. */
  deadline?: number;
}

/** follow() reached its deadline (--wait-timeout). */
export class StoppedWaiting extends Error {
  override name = 'StoppedWaiting';
}

export interface StatusReader {
  read(): Promise<ViewStatus>;
}

export async function follow(reader: StatusReader, opts: FollowOptions): Promise<ViewStatus> {
  const until = opts.until ?? ((s: ViewStatus) => isOver(s) || waitsForOperator(s));
  const now = opts.now ?? Date.now;
  const pollMs = opts.pollMs ?? 1000;
  const redraw = opts.mode === 'tty' ? new Redrawer(opts.write) : undefined;
  let prev: ViewStatus | undefined;
  let warned = '';

  // Ctrl-C stops following, not the deploy: say so, and give the cursor back.
  const onSigint = () => {
    redraw?.done();
    opts.write(`\nstopped following; the deploy goes on${prev ? ` (firebreak status ${prev.service})` : ''}\n`);
    process.exit(130);
  };
  process.once('SIGINT', onSigint);
  try {
    for (;;) {
      let s: ViewStatus;
      try {
        s = await reader.read();
      } catch (err) {
        // Anything but "no answer yet" (unreachable, permission, not found) will not fix itself.
        if (!isNoAnswerYet(err)) throw new CliError(`cannot follow the deploy: ${oneLine(err)}`);
        // No worker yet (or a restart): the deploy is durable, keep waiting.
        const why = `waiting for a worker to answer the status query (${oneLine(err)})`;
        if (redraw) redraw.draw(prev ? `${frame(prev)}\n\n${why}` : why);
        else if (why !== warned) opts.write(`${why}\n`);
        warned = why;
        if (opts.deadline !== undefined && Date.now() + pollMs > opts.deadline) throw new StoppedWaiting();
        await sleep(pollMs);
        continue;
      }
      warned = '';
      if (redraw) redraw.draw(frame(s));
      else for (const line of renderCiLines(prev, s, now())) opts.write(`${line}\n`);
      prev = s;
      if (until(s)) return s;
      if (opts.deadline !== undefined && Date.now() + pollMs > opts.deadline) throw new StoppedWaiting();
      await sleep(pollMs);
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
    redraw?.done();
  }

  function frame(s: ViewStatus): string {
    const size = opts.size?.() ?? {};
    return renderTty(s, now(), { columns: size.columns, rows: size.rows ? Math.max(5, size.rows - 1) : undefined });
  }
}

