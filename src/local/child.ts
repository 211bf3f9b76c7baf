// A long-running child (the Temporal dev server, Prometheus) stopped the same way everywhere:
// SIGTERM, SIGKILL after a grace period, and never orphaned if this process exits first.
import type { ChildProcess } from 'node:child_process';

export interface Stoppable {
  /** Resolves when the child has exited (or failed to spawn). */
  exited: Promise<void>;
  /** SIGTERM, then SIGKILL after graceMs; idempotent. */
  stop(): Promise<void>;
}

export function stoppable(child: ChildProcess, graceMs = 10_000): Stoppable {
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
    })());
  return { exited, stop };
}
