// Which client errors mean "no answer yet" and are worth waiting out, and which are real.
// A status query gets no answer while no worker polls the task queue (the query's deadline
// passes: DEADLINE_EXCEEDED) or before the deploy's first workflow task has run (the server's
// "workflow is not ready", FAILED_PRECONDITION). Anything else (the server unreachable,
// permission denied, no such deploy, a query the worker does not know) will not fix itself.
import { ServiceError } from '@temporalio/client';

const DEADLINE_EXCEEDED = 4;
const FAILED_PRECONDITION = 9;

/** The gRPC status code behind a client error, when there is one. */
export function grpcCode(err: unknown): number | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++, e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number') return code;
  }
  return undefined;
}

/** No worker answered (yet): keep waiting, the deploy is durable. */
export function isNoAnswerYet(err: unknown): boolean {
  const code = grpcCode(err);
  if (code === DEADLINE_EXCEEDED) return true;
  const text = messages(err);
  if (code === FAILED_PRECONDITION && /not ready/i.test(text)) return true;
  // A deadline the client enforces itself (withDeadline) may arrive without a code.
  return code === undefined && err instanceof ServiceError && /deadline/i.test(text);
}

/** The error in one line, with its gRPC cause ("Failed to query Workflow: 7 PERMISSION_DENIED: ..."). */
export function oneLine(err: unknown): string {
  return messages(err).split('\n')[0];
}

function messages(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++, e = (e as { cause?: unknown }).cause) {
    const text = e instanceof Error ? e.message : String(e);
    if (text && !parts.some((p) => p.includes(text))) parts.push(text);
    if (!(e instanceof Error)) break;
  }
  return parts.join(': ');
}
