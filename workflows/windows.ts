// Deploy windows: exposure to more customers (a stage's start, a promotion) happens only inside
// a window. Outside one, a durable timer waits until the next opens.
import { sleep } from '@temporalio/workflow';
import { describeWindows, nextOpen } from '../src/domain/pipeline/windows.js';
import type { DeployRun } from './run.js';

export async function waitForWindow(run: DeployRun, what: string): Promise<void> {
  const { plan, status } = run;
  if (plan.windows.length === 0) return;
  const now = run.state.now();
  const opens = nextOpen(plan.windows, now);
  if (opens.getTime() <= now.getTime()) return;
  status.windowOpensAt = opens.toISOString();
  run.state.record('window_wait', `${what} waits for the window (${describeWindows(plan.windows)}) opening at ${status.windowOpensAt}`);
  run.publish();
  await sleep(opens.getTime() - now.getTime());
  delete status.windowOpensAt;
  run.state.record('window_open', `window open: ${what}`);
  run.publish();
}
