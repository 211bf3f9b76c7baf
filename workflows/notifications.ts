// Notifications (the pipeline's `notify:`): never block or fail the deploy. Each webhook's delivery is
// its own activity, retried by Temporal, started in the background; the deploy waits for them
// only before it ends.
import { ActivityFailure, RetryState } from '@temporalio/common';
import { CancellationScope, patched } from '@temporalio/workflow';
import type { NotifyInput } from '../activities/types.js';
import type { Plan } from '../src/domain/pipeline/plan.js';
import { NOTIFY_ATTEMPTS } from '../src/domain/notify-limits.js';
import { failureMessage, notify, notifyWebhook } from './activities.js';
import type { DeployState } from './state.js';

/**
 * Marks histories where each webhook is its own activity with Temporal's retry policy. Before
 * it, one `notify` activity posted to every webhook and retried in a loop of its own.
 */
export const NOTIFY_PER_WEBHOOK_PATCH = 'notify-per-webhook';

/** The command a notification tells its reader to run next. */
export const nextCommand = {
  approve: (service: string, region: string) => `firebreak approve ${service} --region ${region}`,
  retry: (service: string, region: string) => `firebreak retry ${service} --region ${region}`,
  resume: (service: string) => `firebreak resume ${service}`,
  status: (service: string) => `firebreak status ${service}`,
};

export class Notifications {
  private readonly deliveries: Promise<void>[] = [];

  constructor(
    private readonly plan: Plan,
    private readonly workflowId: string,
    private readonly state: DeployState,
  ) {}

  /** Sends the event to the webhooks that want it; a failure is recorded, never thrown. */
  send(event: NotifyInput['event'], reason: string, command: string, region?: string): void {
    const { plan } = this;
    if (!plan.notify.some((n) => n.on.includes(event))) return;
    const input: NotifyInput = {
      webhooks: plan.notify,
      event,
      service: plan.service,
      version: plan.version,
      owner: plan.owner,
      runbook: plan.runbook,
      reason,
      command,
      workflowId: this.workflowId,
      ...(region ? { region } : {}),
    };
    if (patched(NOTIFY_PER_WEBHOOK_PATCH)) {
      const { webhooks, ...facts } = input;
      webhooks.forEach((w, i) => {
        if (!w.on.includes(event)) return;
        const which = `webhook ${i + 1} of ${webhooks.length}`;
        // Not cancelled with the rollout: an abort must not cut off the message before it
        // (say, "awaiting approval"); every delivery is bounded and the ending waits for it.
        this.deliveries.push(
          CancellationScope.nonCancellable(() => notifyWebhook(`notify ${event}: ${which}`, { ...facts, webhook: w.webhook })).then(
            () => undefined,
            (err) => this.state.record('notify_failed', `notification "${event}" to ${which} failed${triesOf(err)}: ${failureMessage(err) || 'no reason given'}`),
          ),
        );
      });
      return;
    }
    this.deliveries.push(
      notify(input).then(
        (res) => {
          for (const f of res.failed) {
            this.state.record('notify_failed', `notification "${event}" to ${f.webhook} failed after ${f.attempts} attempts: ${f.error}`);
          }
        },
        (err) => this.state.record('notify_failed', `notification "${event}" failed: ${failureMessage(err)}`),
      ),
    );
  }

  /** Every delivery so far, settled. They are bounded (timeouts, few attempts). */
  delivered(): Promise<void[]> {
    return Promise.all(this.deliveries);
  }
}

/** How the retries ended, in words: the message alone does not say whether it was retried. */
function triesOf(err: unknown): string {
  if (!(err instanceof ActivityFailure)) return '';
  if (err.retryState === RetryState.MAXIMUM_ATTEMPTS_REACHED) return ` after ${NOTIFY_ATTEMPTS} attempts`;
  if (err.retryState === RetryState.NON_RETRYABLE_FAILURE) return ' (not retried)';
  if (err.retryState === RetryState.TIMEOUT) return ' (timed out)';
  return '';
}
