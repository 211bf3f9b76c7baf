// Publishing the deploy's state to the world outside the status query: search attributes (only
// when their value changes, so history stays bounded), the Web UI's current details, and the
// `paused` notification when the deploy starts waiting for a person.
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { Plan } from '../src/domain/pipeline/plan.js';
import { detailsMarkdown } from './details.js';
import { nextCommand, type Notifications } from './notifications.js';
import { FirebreakOwner, FirebreakPhase, FirebreakRegion, FirebreakService, FirebreakVersion } from './search-attributes.js';
import type { DeployState } from './state.js';

export class Publisher {
  private published = { phase: '', region: '' };

  constructor(
    private readonly plan: Plan,
    private readonly state: DeployState,
    private readonly notifications: Notifications,
  ) {}

  /** What never changes during the deploy, published once at its start. */
  publishIdentity(): void {
    upsertSearchAttributes([
      { key: FirebreakService, value: this.plan.service },
      { key: FirebreakVersion, value: this.plan.version },
      { key: FirebreakOwner, value: this.plan.owner },
    ]);
  }

  /** Called after every change of state: derives the phase, then publishes what changed. */
  publish(): void {
    const { state } = this;
    const status = state.status;
    state.refreshPhase();
    const inFlight =
      status.stages[status.currentStage]?.regions
        .filter((r) => r.state !== 'pending' && r.state !== 'promoted')
        .map((r) => r.name)
        .join(',') ?? '';
    if (status.phase === 'paused' && this.published.phase !== 'paused') {
      this.notifications.send('paused', status.pausedReason ?? 'paused', this.resumeCommand(), [...state.holds.keys()][0]);
    }
    if (status.phase !== this.published.phase || inFlight !== this.published.region) {
      upsertSearchAttributes([
        { key: FirebreakPhase, value: status.phase },
        { key: FirebreakRegion, value: inFlight || null },
      ]);
      this.published = { phase: status.phase, region: inFlight };
    }
    setCurrentDetails(detailsMarkdown(status));
  }

  /** What gets a paused deploy going again: approve or retry its first held region, or resume. */
  private resumeCommand(): string {
    const service = this.plan.service;
    const held = [...this.state.holds.entries()][0];
    if (!held) return nextCommand.resume(service);
    const [region, hold] = held;
    return hold.kind === 'inconclusive'
      ? `${nextCommand.approve(service, region)}  (or retry, or abort)`
      : `${nextCommand.retry(service, region)}  (or abort)`;
  }
}
