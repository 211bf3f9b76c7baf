// A closed workflow's history, read once after its phase, as the events hops.ts measures.
import type { WorkflowHandle } from '@temporalio/client';
import type { HopEvent } from './hops.js';

type Long = { toNumber(): number };
type Timestamp = { seconds?: number | Long | null; nanos?: number | null } | null | undefined;

const msOf = (t: Timestamp): number => {
  const s = t?.seconds ?? 0;
  return (typeof s === 'number' ? s : s.toNumber()) * 1000 + (t?.nanos ?? 0) / 1e6;
};
const num = (x: number | Long | null | undefined): number => (x == null ? NaN : typeof x === 'number' ? x : x.toNumber());

export interface HistoryFigures {
  length: number;
  events: HopEvent[];
}

export async function historyOf(handle: WorkflowHandle): Promise<HistoryFigures> {
  const history = await handle.fetchHistory();
  const events: HopEvent[] = [];
  for (const e of history.events ?? []) {
    const at = msOf(e.eventTime as Timestamp);
    if (e.workflowExecutionStartedEventAttributes) events.push({ kind: 'workflowStarted', at });
    else if (e.activityTaskScheduledEventAttributes) {
      events.push({ kind: 'activityScheduled', at, id: num(e.eventId as number | Long), activity: e.activityTaskScheduledEventAttributes.activityType?.name ?? '' });
    } else if (e.activityTaskStartedEventAttributes) {
      events.push({ kind: 'activityStarted', at, scheduledId: num(e.activityTaskStartedEventAttributes.scheduledEventId as number | Long) });
    } else if (e.activityTaskCompletedEventAttributes) events.push({ kind: 'activityCompleted', at });
  }
  return { length: history.events?.length ?? 0, events };
}
