// When each soak really answered, by the server's clock: read from a workflow's history, so a
// test or the chaos campaign can tell a watch that passed before its deadline from one that
// waited it out, whatever the workflow's own status says.
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { WatchInput, WatchResult } from '../../activities/types.js';

export interface WatchAnswer {
  region: string;
  verdict: WatchResult['verdict'];
  /** The soak's deadline the watch was given (epoch ms). */
  deadline: number;
  /** When the server recorded the answer (epoch ms). */
  at: number;
}

const ms = (t: temporal.api.history.v1.IHistoryEvent['eventTime']) => Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);

/** Every completed watchRegion of the history, in order. */
export function watchAnswers(history: temporal.api.history.v1.IHistory): WatchAnswer[] {
  const scheduled = new Map<string, WatchInput>();
  const out: WatchAnswer[] = [];
  for (const e of history.events ?? []) {
    const sch = e.activityTaskScheduledEventAttributes;
    if (sch?.activityType?.name === 'watchRegion' && sch.input?.payloads?.[0]) {
      scheduled.set(String(e.eventId), defaultPayloadConverter.fromPayload<WatchInput>(sch.input.payloads[0]));
    }
    const done = e.activityTaskCompletedEventAttributes;
    const input = done ? scheduled.get(String(done.scheduledEventId)) : undefined;
    if (!done || !input || !done.result?.payloads?.[0]) continue;
    const result = defaultPayloadConverter.fromPayload<WatchResult>(done.result.payloads[0]);
    out.push({ region: input.target.region, verdict: result.verdict, deadline: input.deadline, at: ms(e.eventTime) });
  }
  return out;
}

/** Watches that answered `pass` before their deadline, by the server's clock. */
export function earlyPasses(history: temporal.api.history.v1.IHistory): (WatchAnswer & { earlyMs: number })[] {
  return watchAnswers(history)
    .filter((a) => a.verdict === 'pass' && a.at < a.deadline)
    .map((a) => ({ ...a, earlyMs: a.deadline - a.at }));
}

export interface SoakTimer {
  /** The timer's length (ms). */
  ms: number;
  /** When the server started it and when it fired (epoch ms). */
  startedAt: number;
  firedAt: number;
}

/** The fired timers of the history: a soak's own timer is one whose length is the soak's. */
export function firedTimers(history: temporal.api.history.v1.IHistory): SoakTimer[] {
  const started = new Map<string, { ms: number; at: number }>();
  const out: SoakTimer[] = [];
  for (const e of history.events ?? []) {
    const s = e.timerStartedEventAttributes;
    if (s?.timerId) {
      const d = s.startToFireTimeout;
      started.set(s.timerId, { ms: Number(d?.seconds ?? 0) * 1000 + Math.floor((d?.nanos ?? 0) / 1e6), at: ms(e.eventTime) });
    }
    const f = e.timerFiredEventAttributes;
    const timer = f?.timerId ? started.get(f.timerId) : undefined;
    if (timer) out.push({ ms: timer.ms, startedAt: timer.at, firedAt: ms(e.eventTime) });
  }
  return out;
}

/** When the server scheduled each deployRegion, per region, in order (epoch ms). */
export function deploysScheduled(history: temporal.api.history.v1.IHistory): { region: string; at: number }[] {
  const out: { region: string; at: number }[] = [];
  for (const e of history.events ?? []) {
    const sch = e.activityTaskScheduledEventAttributes;
    if (sch?.activityType?.name !== 'deployRegion' || !sch.input?.payloads?.[0]) continue;
    const input = defaultPayloadConverter.fromPayload<{ target: { region: string } }>(sch.input.payloads[0]);
    out.push({ region: input.target.region, at: ms(e.eventTime) });
  }
  return out;
}
