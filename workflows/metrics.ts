// The deploy's metrics, emitted through the SDK's workflow metric meter. The meter is not a
// command (no history event, nothing to replay) and it drops what a replay emits, so a
// worker replaying a deploy never counts its promotions twice. DeployRun.publish calls
// `observe` after every change: counters come from the events recorded since the last look,
// gauges are set from the state as it is now. Labels are bounded: service, region, kind,
// outcome; never a version or a deploy id.
import type { MetricCounter, MetricGauge, MetricHistogram } from '@temporalio/common';
import { metricMeter } from '@temporalio/workflow';
import type { DeployEvent } from './messages.js';
import type { DeployState } from './state.js';

/**
 * What holds a deploy for a person: an operator's pause, a held region (state.ts Hold), a
 * manual gate, or a service rollback holding the train until `release` (train-hold.ts).
 */
export const HOLD_KINDS = ['manual', 'failed', 'inconclusive', 'environment', 'approval', 'rollback'] as const;
export type HoldKind = (typeof HOLD_KINDS)[number];

const OUTCOMES = new Set(['succeeded', 'aborted', 'rolled_back', 'failed']);

export class DeployMetrics {
  private seen = 0;
  /** Each hold open now (`kind/region`, or `manual`) and when it began, epoch ms. */
  private readonly open = new Map<string, { kind: HoldKind; since: number }>();
  private pausedSince = 0;
  private readonly started: MetricCounter;
  private readonly ended: MetricCounter;
  private readonly promotions: MetricCounter;
  private readonly rollbacks: MetricCounter;
  private readonly breaches: MetricCounter;
  private readonly inconclusive: MetricCounter;
  private readonly holds: MetricGauge;
  private readonly held: MetricHistogram;
  private readonly paused: MetricGauge;
  private readonly pauseTimeout: MetricGauge;

  constructor(
    private readonly state: DeployState,
    service: string,
    private readonly pauseTimeoutMs: number,
  ) {
    const m = metricMeter.withTags({ service });
    this.started = m.createCounter('firebreak_deploys_started', undefined, 'deploys started');
    this.ended = m.createCounter('firebreak_deploys_ended', undefined, 'deploys ended, by outcome');
    this.promotions = m.createCounter('firebreak_region_promotions', undefined, 'regions promoted');
    this.rollbacks = m.createCounter('firebreak_region_rollbacks', undefined, 'region rollbacks ended, by outcome');
    this.breaches = m.createCounter('firebreak_region_breaches', undefined, 'soaks ended by a breach');
    this.inconclusive = m.createCounter('firebreak_inconclusive_soaks', undefined, 'soaks that ended without enough data');
    this.holds = m.createGauge('firebreak_holds', 'int', undefined, 'holds waiting for a person now, by kind');
    this.held = m.createHistogram('firebreak_hold_duration_seconds', 'float', 's', 'how long each hold lasted, by kind');
    this.paused = m.createGauge('firebreak_deploy_paused_since_timestamp_seconds', 'float', 's', 'when the deploy paused (epoch seconds); 0 when not paused');
    this.pauseTimeout = m.createGauge('firebreak_pause_timeout_seconds', 'float', 's', "the pipeline's pauseTimeout");
  }

  /** Counts the events recorded since the last call and sets the gauges from the state now. */
  observe(): void {
    const { events } = this.state.status;
    for (const e of events.slice(this.seen)) this.count(e);
    this.seen = events.length;
    const now = this.state.now().getTime();
    const current = this.currentHolds();
    for (const [key, hold] of this.open) {
      if (current.get(key) === hold.kind) continue;
      this.held.record(Math.max(0, now - hold.since) / 1000, { kind: hold.kind });
      this.open.delete(key);
    }
    for (const [key, kind] of current) if (!this.open.has(key)) this.open.set(key, { kind, since: now });
    for (const kind of HOLD_KINDS) this.holds.set([...this.open.values()].filter((h) => h.kind === kind).length, { kind });
    const isPaused = this.state.status.phase === 'paused';
    if (isPaused && this.pausedSince === 0) this.pausedSince = now;
    if (!isPaused) this.pausedSince = 0;
    this.paused.set(this.pausedSince / 1000);
    // Set with the others, not once at the start: a worker that replays the start emits nothing.
    this.pauseTimeout.set(this.pauseTimeoutMs / 1000);
  }

  private count(e: DeployEvent): void {
    const region = e.region;
    if (e.kind === 'started') this.started.add(1);
    else if (OUTCOMES.has(e.kind) && !region) this.ended.add(1, { outcome: e.kind });
    else if (!region) return;
    else if (e.kind === 'promoted') this.promotions.add(1, { region });
    else if (e.kind === 'breach') this.breaches.add(1, { region });
    else if (e.kind === 'inconclusive') this.inconclusive.add(1, { region });
    else if (e.kind === 'rolled_back') this.rollbacks.add(1, { region, outcome: 'rolled_back' });
    else if (e.kind === 'rollback_failed') this.rollbacks.add(1, { region, outcome: 'failed' });
    else if (e.kind === 'rollback_skipped') this.rollbacks.add(1, { region, outcome: 'skipped' });
  }

  /** The holds open now; none once the deploy has ended. */
  private currentHolds(): Map<string, HoldKind> {
    const out = new Map<string, HoldKind>();
    if (this.state.isTerminal()) return out;
    if (this.state.manualPause) out.set('manual', 'manual');
    if (this.state.trainHold) out.set('rollback', 'rollback');
    for (const [region, hold] of this.state.holds) out.set(`${hold.kind}/${region}`, hold.kind);
    for (const region of this.state.awaitingApproval()) if (!this.state.holds.has(region)) out.set(`approval/${region}`, 'approval');
    return out;
  }
}
