// `deploy --wait`: follow a deploy until it ends or pauses for an operator, printing each
// decision as it happens, and map the outcome to the exit codes of SPEC §4.
import type { WorkflowHandle } from '@temporalio/client';
import { statusQuery, type DeployStatus, type Phase } from '../../workflows/messages.js';
import { EXIT } from './fail.js';
import { renderEvent } from './render.js';

export function exitCodeFor(phase: Phase): number {
  if (phase === 'succeeded') return EXIT.ok;
  if (phase === 'paused') return EXIT.paused;
  if (phase === 'running') return EXIT.paused;
  return EXIT.rolledBack;
}

export async function waitForOutcome(
  handle: WorkflowHandle,
  opts: { print?: (line: string) => void; pollMs?: number; onStatus?: (s: DeployStatus) => void } = {},
): Promise<DeployStatus> {
  const print = opts.print ?? (() => {});
  let shown = 0;
  let warned = false;
  for (;;) {
    let s: DeployStatus;
    try {
      s = await handle.query(statusQuery);
    } catch (err) {
      // No worker yet (or a restart): the deploy is durable, keep waiting.
      if (!warned) print(`waiting for a worker to answer (${(err as Error).message.split('\n')[0]})`);
      warned = true;
      await sleep(opts.pollMs ?? 1000);
      continue;
    }
    warned = false;
    for (const e of s.events.slice(shown)) print(renderEvent(e));
    shown = s.events.length;
    opts.onStatus?.(s);
    if (s.phase !== 'running') return s;
    await sleep(opts.pollMs ?? 1000);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
