// The deploy's record in the records database (docs/operating.md, "Deploy records"): written
// through the recordDeploy activity at every pause and at the end, so a review over a quarter
// sees every deploy, also one paused for a week, after Temporal has dropped its history.
// A write never fails or blocks the deploy for long: each is non-cancellable, retried by
// Temporal's policy (bounded by RECORD_RETRY.totalMs), and only the end waits for them. A
// final write that still failed shows in the status (`record`) and as an event.
import { CancellationScope, patched } from '@temporalio/workflow';
import type { DeployRecord } from '../src/domain/records/record.js';
import { failureMessage, recordDeploy } from './activities.js';
import type { DeployStatus } from './messages.js';
import type { DeployState } from './state.js';

/** Marks histories that write deploy records (a recordDeploy activity at each pause and at the end). */
export const DEPLOY_RECORD_PATCH = 'deploy-record';

export class DeployRecords {
  private revision = 0;
  private lastPhase = '';
  private readonly writes: Promise<unknown>[] = [];

  constructor(
    private readonly ids: { workflowId: string; runId: string },
    private readonly state: DeployState,
    private readonly pipelineHash: string | undefined,
  ) {}

  /** After every publish: a deploy that has just paused writes its record (in the background). */
  observe(): void {
    const phase = this.state.status.phase;
    const paused = phase === 'paused' && this.lastPhase !== 'paused';
    this.lastPhase = phase;
    if (paused && patched(DEPLOY_RECORD_PATCH)) this.writes.push(this.write(false).catch(() => undefined));
  }

  /** The end's record, after every earlier write; its outcome lands in status.record. */
  async final(): Promise<void> {
    if (!patched(DEPLOY_RECORD_PATCH)) return;
    await Promise.all(this.writes);
    const status = this.state.status;
    try {
      const res = await this.write(true);
      status.record = res.written ? { final: 'written' } : { final: 'off', reason: res.reason };
    } catch (err) {
      const error = failureMessage(err) || 'no reason given';
      status.record = { final: 'missing', error };
      this.state.record('record_failed', `the deploy record could not be written: ${error}; \`firebreak records import\` writes it from Temporal while Temporal still keeps this run`);
    }
  }

  private write(final: boolean) {
    const record: DeployRecord<DeployStatus> = {
      ...this.ids,
      revision: ++this.revision,
      final,
      // A copy: the status goes on changing while the write waits to be sent.
      status: JSON.parse(JSON.stringify(this.state.status)) as DeployStatus,
      ...(this.pipelineHash ? { pipelineHash: this.pipelineHash } : {}),
    };
    return CancellationScope.nonCancellable(() => recordDeploy(`record ${final ? 'end' : 'pause'}`, record));
  }
}
