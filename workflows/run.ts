// One run of the deploy workflow: its plan, its ids, its state, and how it tells the world.
// Every part of the workflow (rollout, soak and gate, rollback, operator commands, migrations)
// works on it; nothing else is shared between them.
import { workflowInfo, type CancellationScope } from '@temporalio/workflow';
import type { Target } from '../activities/types.js';
import { deployTimeoutMs } from '../src/domain/pipeline/deploy-timeout.js';
import type { Plan } from '../src/domain/pipeline/plan.js';
import { deployRegion } from './activities.js';
import type { DeployInput, DeployStatus, RegionStatus } from './messages.js';
import { DeployMetrics } from './metrics.js';
import { Notifications } from './notifications.js';
import { Publisher } from './publish.js';
import { DeployState } from './state.js';
import { announceLanes } from './lanes.js';
import { DeployRecords } from './records.js';

/** The workflow's clock, given to DeployState (the one place time is read). */
export const workflowClock = (): Date => new Date();

export class DeployRun {
  readonly plan: Plan;
  /** `<workflowId>/<runId>`: names this run to the deploy API and in the migrations table. */
  readonly deployId: string;
  readonly state: DeployState;
  readonly notifications: Notifications;
  private readonly publisher: Publisher;
  private readonly metrics: DeployMetrics;
  /** The deploy's record in the records database: written at each pause and at the end. */
  readonly records: DeployRecords;
  /** The scope the rollout runs in: an abort, or a failure under rollback.onFailure `all`, cancels it. */
  rollout?: CancellationScope;
  /** Why every region goes back, once a region failed under rollback.onFailure `all`. */
  rollbackAll?: string;
  /** The queued version that starts when this run ends (workflows/train.ts). */
  next?: DeployInput;

  constructor(readonly input: DeployInput) {
    this.plan = input.plan;
    const info = workflowInfo();
    this.deployId = `${info.workflowId}/${info.runId}`;
    this.state = new DeployState(this.plan, workflowClock);
    this.notifications = new Notifications(this.plan, info.workflowId, this.state);
    this.publisher = new Publisher(this.plan, this.state, this.notifications);
    this.metrics = new DeployMetrics(this.state, this.plan.service, this.plan.pauseTimeoutMs);
    this.records = new DeployRecords({ workflowId: info.workflowId, runId: info.runId }, this.state, input.pipelineHash);
  }

  get status(): DeployStatus {
    return this.state.status;
  }

  get service(): string {
    return this.plan.service;
  }

  /** Publishes the current state, and its metrics (workflows/metrics.ts): call after every change. */
  publish(): void {
    this.publisher.publish();
    this.metrics.observe();
    this.records.observe();
  }

  /** The deploy's identity as search attributes, and its first event. */
  announce(): void {
    const { plan } = this;
    this.publisher.publishIdentity();
    const order = plan.stages.map((stage) => stage.regions.map((r) => r.name).join('+')).join(' > ');
    const { queued } = this.input;
    if (queued) this.status.queued = queued;
    if (this.input.commit) this.status.commit = this.input.commit;
    const from = queued
      ? ` (queued ${queued.since} behind ${queued.behind}${queued.superseded.length ? `; superseded ${queued.superseded.map((q) => q.version).join(', ')}` : ''})`
      : '';
    this.state.record('started', `deploy of ${plan.service} ${plan.version} started${from}: ${order}`, { by: this.input.startedBy });
    announceLanes(this.state, this.input);
    this.publish();
  }

  target(region: string, version: string): Target {
    return { service: this.plan.service, region, version, deployId: this.deployId };
  }

  /** Deploys `version` to the region: this deploy's version, or its previous one for a rollback. */
  deployVersion(region: RegionStatus, version: string, step: string, summary: string): Promise<void> {
    return deployRegion(summary, deployTimeoutMs(this.plan.deploy), {
      deploy: this.plan.deploy,
      target: this.target(region.name, version),
      // Idempotency key: the adapter deploys once per key, however often the activity is retried.
      key: `${this.deployId}/${region.name}/${version}/${step}`,
    });
  }
}
