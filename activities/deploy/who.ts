// Who started the deploy an activity runs for, to annotate what it changes: the `startedBy` of
// the workflow's input (a service rollback's memo `by`), read from the first event of its
// history. Best effort: a deploy never fails or waits long for want of a name.
import { Context } from '@temporalio/activity';
import { defaultPayloadConverter } from '@temporalio/common';

const READ_TIMEOUT_MS = 5000;

export async function whoStarted(): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const ctx = Context.current();
    const run = ctx.info.workflowExecution;
    if (!run) return undefined;
    const read = ctx.client.workflowService.getWorkflowExecutionHistory({
      namespace: ctx.info.namespace,
      execution: { workflowId: run.workflowId, runId: run.runId },
      maximumPageSize: 1,
    });
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), READ_TIMEOUT_MS);
    });
    const res = await Promise.race([read, timeout]);
    const started = res?.history?.events?.[0]?.workflowExecutionStartedEventAttributes;
    const payload = started?.input?.payloads?.[0];
    const input = payload ? (defaultPayloadConverter.fromPayload(payload) as { startedBy?: unknown } | undefined) : undefined;
    if (typeof input?.startedBy === 'string' && input.startedBy) return input.startedBy;
    const memoBy = started?.memo?.fields?.by;
    const by = memoBy ? defaultPayloadConverter.fromPayload(memoBy) : undefined;
    return typeof by === 'string' && by ? by : undefined;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
