// Two kinds of message the SDK fails the workflow task on, on every retry, before any handler
// of ours runs, wedging the deploy for good:
// - a name starting with `__temporal_` (reserved by Temporal) while a default signal or update
//   handler is set, as workflows/commands.ts sets them to record unknown names;
// - a payload that cannot be decoded (`temporal workflow signal --input-meta encoding=...`).
// This interceptor sees each activation before the SDK does and renames such messages, with
// their input dropped, so the default handlers record them as ignored with the reason.
// Deterministic: the same activation is rewritten the same way on replay.
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';

const RESERVED_PREFIX = '__temporal_';
const RESERVED = 'firebreak-reserved:';
const UNDECODABLE = 'firebreak-undecodable:';

export const interceptors: WorkflowInterceptorsFactory = () => ({
  internals: [
    {
      activate(input, next) {
        for (const job of input.activation.jobs ?? []) {
          const signal = job.signalWorkflow;
          if (signal?.signalName) {
            const name = disarm(signal.signalName, signal.input);
            if (name !== signal.signalName) [signal.signalName, signal.input] = [name, []];
          }
          const update = job.doUpdate;
          if (update?.name) {
            const name = disarm(update.name, update.input);
            if (name !== update.name) [update.name, update.input] = [name, []];
          }
        }
        return next(input);
      },
    },
  ],
});

function disarm(name: string, input: Payload[] | null | undefined): string {
  if (name.startsWith(RESERVED_PREFIX)) return RESERVED + name;
  if (!(input ?? []).every(decodes)) return UNDECODABLE + name;
  return name;
}

function decodes(payload: Payload): boolean {
  try {
    defaultPayloadConverter.fromPayload(payload);
    return true;
  } catch {
    return false;
  }
}

/** How the default handlers describe a message: its name as sent, and why it cannot count. */
export function describeMessage(name: string): { name: string; problem: 'unknown' | 'undecodable' } {
  if (name.startsWith(UNDECODABLE)) return { name: name.slice(UNDECODABLE.length), problem: 'undecodable' };
  if (name.startsWith(RESERVED)) return { name: name.slice(RESERVED.length), problem: 'unknown' };
  return { name, problem: 'unknown' };
}
