// `firebreak review [--since 90d]`: the quarterly deploy-pattern review, from the audit trails
// of finished deploys (their results: no worker needed).
import { WorkflowContinuedAsNewError, WorkflowFailedError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { statusQuery, type DeployStatus } from '../../workflows/messages.js';
import { review, reviewMarkdown } from '../client/review.js';
import { client } from './common.js';
import { outputFormat, printDocument, type ConnectFlags, type OutputFlags } from './output.js';
import { deployHandle } from '../client/workflow.js';
import { CliError } from './fail.js';
import { oneLine } from './no-answer.js';
import { listQuery, parseSince } from './list.js';

export interface ReviewOptions extends OutputFlags, ConnectFlags {
  since: string;
  service?: string;
  owner?: string;
}

export async function reviewCommand(opts: ReviewOptions): Promise<void> {
  const format = outputFormat(opts);
  const since = parseSince(opts.since);
  const query = `${listQuery({ service: opts.service, owner: opts.owner, since: opts.since })} AND ExecutionStatus != "Running"`;
  const c = await client(opts);
  // The handle is typed by the workflow function (src/deploy/workflow.ts): result() is the
  // DeployStatus that multiRegionDeploy returns, and so is the status query's answer.
  const statuses: DeployStatus[] = await finalStatuses(c.workflow.list({ query }), async (wf) => {
    const run = deployHandle(c, wf.workflowId, wf.runId);
    try {
      return await run.result();
    } catch (err) {
      // A run that handed over to a queued version (continue-as-new) has no result of its own.
      if (err instanceof WorkflowContinuedAsNewError) return await run.query(statusQuery);
      throw err;
    }
  });
  const report = review(statuses);
  if (format !== 'text') printDocument(format, report);
  else process.stdout.write(reviewMarkdown(report, since.toISOString().slice(0, 10)));
}

interface Run {
  workflowId: string;
  runId: string;
}

/**
 * The final status of every finished run. Terminated, failed, cancelled or timed-out runs
 * (and a run whose history retention removed meanwhile) have none to learn from and are
 * skipped; any other error (the server unreachable, permission denied) fails the review with
 * one line, rather than a report quietly built from part of the quarter.
 */
export async function finalStatuses<T>(runs: AsyncIterable<Run>, resultOf: (run: Run) => Promise<T>): Promise<T[]> {
  const statuses: T[] = [];
  for await (const run of runs) {
    try {
      statuses.push(await resultOf(run));
    } catch (err) {
      if (err instanceof WorkflowFailedError || err instanceof WorkflowNotFoundError) continue;
      throw new CliError(`review: cannot read the result of ${run.workflowId} (run ${run.runId}): ${oneLine(err)}`);
    }
  }
  return statuses;
}
