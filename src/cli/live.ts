// Live check values during a soak. The status query carries a region's check values only once
// its soak has ended (the watch is one long activity, so history stays bounded); while it runs,
// the values live in the watch activity's heartbeat details (WatchTally). This module reads them
// through DescribeWorkflowExecution's pending activities and merges them into the status, so
// `status` and `deploy --wait` show each check's latest value, sample count and breaches live.
//
// A pending activity does not say which region it watches. In order: the region already learned
// for that activity, the only soaking region when one watch is pending, else the
// activity's ActivityTaskScheduled event in history (its input names the target region), cached
// per activity id so history is read once per soak at most.
import { WorkflowContinuedAsNewError, type Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import type { WatchTally } from '../../activities/types.js';
import { isTally } from '../domain/soak/tally.js';
import { statusQuery, type DeployStatus } from '../../workflows/messages.js';
import type { LiveSoak, ViewStatus } from './render/types.js';
import type { DeployHandle } from '../client/workflow.js';

const WATCH_ACTIVITY = 'watchRegion';

export interface PendingWatch {
  activityId: string;
  region?: string;
  tally?: WatchTally;
  lastHeartbeatAt?: string;
  attempt: number;
}

/** The status with each soaking region's checks replaced by its watch's live tally. Pure. */
export function mergeLive(status: DeployStatus, watches: PendingWatch[], workflowId?: string): ViewStatus {
  const view: ViewStatus = structuredClone(status);
  if (workflowId) view.workflowId = workflowId;
  const live: Record<string, LiveSoak> = {};
  for (const w of watches) {
    if (!w.region) continue;
    const r = view.stages.flatMap((s) => s.regions).find((x) => x.name === w.region);
    if (!r || r.state !== 'soaking') continue;
    if (w.tally && isTally(w.tally)) r.checks = w.tally.checks.map((c) => ({ ...c }));
    live[r.name] = {
      evaluations: w.tally?.evaluations ?? 0,
      attempt: w.attempt,
      ...(w.lastHeartbeatAt ? { lastHeartbeatAt: w.lastHeartbeatAt } : {}),
    };
  }
  if (Object.keys(live).length > 0) view.live = live;
  return view;
}

/** Reads the status query, plus the live soaks when a region is soaking. */
export class LiveStatusReader {
  /** `${runId}/${activityId}` -> region. */
  private readonly regionOf = new Map<string, string>();

  constructor(
    private readonly client: Client,
    private readonly handle: DeployHandle,
    /** How long the status query may take: no worker answering is reported, not waited out. */
    private readonly queryTimeoutMs = 10_000,
  ) {}

  async read(): Promise<ViewStatus> {
    const status = await this.statusOf();
    const soaking = status.stages.flatMap((s) => s.regions).filter((r) => r.state === 'soaking');
    if (soaking.length === 0) return mergeLive(status, [], this.handle.workflowId);
    let watches: PendingWatch[] = [];
    try {
      watches = await this.pendingWatches(soaking.map((r) => r.name));
    } catch {
      // Live values are a nicety: a describe that fails leaves the status as the query gave it.
    }
    return mergeLive(status, watches, this.handle.workflowId);
  }

  /**
   * The status query; for a deploy that has ended, its result is the final status (the same
   * document, audit trail included), read from history without needing a worker.
   */
  private async statusOf(): Promise<DeployStatus> {
    // Checked once up front, and again only if the query fails (the deploy may just have ended).
    this.ended ??= await this.hasEnded();
    if (this.ended) return await this.finalStatus();
    try {
      return await this.query();
    } catch (err) {
      if (!(await this.hasEnded())) throw err;
      this.ended = true;
      return await this.finalStatus();
    }
  }

  private query(): Promise<DeployStatus> {
    return this.client.withDeadline(Date.now() + this.queryTimeoutMs, () => this.handle.query(statusQuery));
  }

  /**
   * A run that continued as the next queued version (train.mode queue) has no result of its
   * own: its final status comes from the query, answered by a worker replaying it.
   */
  private async finalStatus(): Promise<DeployStatus> {
    try {
      return await this.handle.result();
    } catch (err) {
      if (err instanceof WorkflowContinuedAsNewError) return await this.query();
      throw err;
    }
  }

  private hasEnded(): Promise<boolean> {
    return this.handle.describe().then((d) => d.status.name !== 'RUNNING', () => false);
  }

  private ended?: boolean;

  async pendingWatches(soaking: string[]): Promise<PendingWatch[]> {
    const desc = await this.handle.describe();
    const runId = desc.runId;
    const pending = (desc.raw.pendingActivities ?? []).filter((a) => a.activityType?.name === WATCH_ACTIVITY);
    const watches: PendingWatch[] = [];
    for (const a of pending) {
      const tally = await decodeFirst(this.client, a.heartbeatDetails?.payloads);
      const w: PendingWatch = {
        activityId: a.activityId ?? '',
        attempt: a.attempt ?? 1,
        tally: isTally(tally) ? tally : undefined,
        lastHeartbeatAt: timestampIso(a.lastHeartbeatTime),
      };
      w.region = this.regionOf.get(`${runId}/${w.activityId}`);
      watches.push(w);
    }
    const unknown = watches.filter((w) => !w.region);
    if (unknown.length === 1 && watches.length === 1 && soaking.length === 1) {
      unknown[0].region = soaking[0];
    } else if (unknown.length > 0) {
      await this.learnRegionsFromHistory(runId);
      for (const w of unknown) w.region = this.regionOf.get(`${runId}/${w.activityId}`);
    }
    return watches;
  }

  /** ActivityTaskScheduled events of watchRegion: activity id -> input.target.region. */
  private async learnRegionsFromHistory(runId: string): Promise<void> {
    const handle = this.client.workflow.getHandle(this.handle.workflowId, runId);
    const history = await handle.fetchHistory();
    for (const e of history.events ?? []) {
      const attrs = e.activityTaskScheduledEventAttributes;
      if (!attrs || attrs.activityType?.name !== WATCH_ACTIVITY || !attrs.activityId) continue;
      const input = (await decodeFirst(this.client, attrs.input?.payloads)) as { target?: { region?: unknown } } | undefined;
      if (typeof input?.target?.region === 'string') this.regionOf.set(`${runId}/${attrs.activityId}`, input.target.region);
    }
  }
}

/** The first payload decoded with the client's data converter (codecs, then the converter). */
export async function decodeFirst(client: Client, payloads: Payload[] | null | undefined): Promise<unknown> {
  if (!payloads || payloads.length === 0) return undefined;
  const dc = client.options.loadedDataConverter;
  let decoded: Payload[] = payloads;
  for (const codec of [...dc.payloadCodecs].reverse()) decoded = await codec.decode(decoded);
  try {
    return dc.payloadConverter.fromPayload(decoded[0]);
  } catch {
    return undefined;
  }
}

/** A protobuf Timestamp (seconds as a Long) as ISO text. */
function timestampIso(ts: unknown): string | undefined {
  const t = ts as { seconds?: { toNumber?: () => number } | number | string | null; nanos?: number | null } | null | undefined;
  if (!t || t.seconds === undefined || t.seconds === null) return undefined;
  const seconds = typeof t.seconds === 'object' && t.seconds.toNumber ? t.seconds.toNumber() : Number(t.seconds);
  if (!Number.isFinite(seconds) || seconds <= 0) return undefined;
  return new Date(seconds * 1000 + Math.floor((t.nanos ?? 0) / 1e6)).toISOString();
}

/** The status as the query shaped it (for --json): the live tally stays, the view extras go. */
export function plainStatus(view: ViewStatus): DeployStatus {
  const { live: _live, workflowId: _id, ...status } = view;
  return status;
}
