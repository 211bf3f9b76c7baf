// `firebreak status ID|SERVICE [--json] [--watch]`: the status query with the live check values
// of the soaks in flight, rendered as the per-region timeline (colour on a terminal, plain in a
// pipe or CI); --watch follows it (redrawn in place, or one line per change) until it ends.
import { WorkflowNotFoundError } from '@temporalio/client';
import { FirebreakPhase, FirebreakRegion, FirebreakVersion } from '../../workflows/search-attributes.js';
import { client, deployIdOf, notFound } from './common.js';
import { CliError } from './fail.js';
import { grpcCode } from './no-answer.js';
import { LiveStatusReader, plainStatus } from './live.js';
import { deployHandle } from '../client/workflow.js';
import { isInteractive, renderStatus, renderTty, type ViewStatus } from './render.js';
import { follow, isOver } from './wait.js';
import { outputFormat, printDocument, type ConnectFlags, type OutputFlags } from './output.js';

export interface StatusOptions extends OutputFlags, ConnectFlags {
  watch?: boolean;
  /** Seconds the status query may take before the worker is presumed down; default 10. */
  queryTimeout?: number;
}

export async function statusCommand(idOrService: string, opts: StatusOptions): Promise<void> {
  const id = deployIdOf(idOrService);
  const format = outputFormat(opts);
  const c = await client(opts);
  const handle = deployHandle(c, id);
  const reader = new LiveStatusReader(c, handle, (opts.queryTimeout ?? 10) * 1000);
  const out = process.stdout;
  const tty = isInteractive(out);

  if (opts.watch && format === 'text') {
    await handle.describe().catch((err) => notFound(err, id));
    await follow(reader, {
      mode: tty ? 'tty' : 'ci',
      write: (text) => out.write(text),
      until: isOver,
      size: () => ({ columns: out.columns, rows: out.rows }),
    });
    return;
  }

  let status: ViewStatus;
  try {
    status = await reader.read();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) notFound(err, id);
    // No worker answers queries: say what visibility still knows, and how to get the rest.
    throw new CliError(await withoutWorker(id, err));
  }
  if (format !== 'text') printDocument(format, { ...plainStatus(status), ...(status.live ? { live: status.live } : {}) });
  else if (tty) out.write(`${renderTty(status, Date.now(), { columns: out.columns })}\n`);
  else out.write(`${renderStatus(status)}\n`);

  async function withoutWorker(workflowId: string, err: unknown): Promise<string> {
    const raw = (err as Error).message.split('\n')[0];
    const code = grpcCode(err);
    const why = code === 4 || /deadline/i.test(raw) ? `no answer within ${opts.queryTimeout ?? 10}s` : raw; // 4: DEADLINE_EXCEEDED
    try {
      const desc = await handle.describe();
      const sa = desc.typedSearchAttributes;
      return (
        `${workflowId} did not answer the status query (${why}); is a worker running (firebreak worker)?\n` +
        `  from visibility: ${desc.status.name.toLowerCase()}, version ${sa.get(FirebreakVersion) ?? '?'}, ` +
        `phase ${sa.get(FirebreakPhase) ?? '?'}, region ${sa.get(FirebreakRegion) ?? '-'}, started ${desc.startTime.toISOString()}\n` +
        `  operator signals work without a worker, e.g. temporal workflow signal --workflow-id ${workflowId} --name pause --input '{"reason":"...","by":"..."}'`
      );
    } catch {
      return `${workflowId} did not answer the status query: ${why}`;
    }
  }
}
