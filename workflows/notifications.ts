// Notifications (SPEC §1 `notify:`): never block or fail the deploy. Each is one notify
// activity started in the background; the deploy waits for them only before it ends.
import type { NotifyInput } from '../activities/types.js';
import type { Plan } from '../src/pipeline/plan.js';
import { failureMessage, notify } from './activities.js';
import type { DeployState } from './state.js';

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
