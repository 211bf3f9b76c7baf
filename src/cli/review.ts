// `firebreak review [--since 90d]`: the quarterly deploy-pattern review, from the audit trails
// of finished deploys (their results: no worker needed).
import type { DeployStatus } from '../../workflows/messages.js';
import { review, reviewMarkdown } from '../review/report.js';
import { client, printJson } from './common.js';
import { deployHandle } from '../deploy/workflow.js';
import { listQuery, parseSince } from './list.js';

export interface ReviewOptions {
  since: string;
  service?: string;
  owner?: string;
  json?: boolean;
}

export async function reviewCommand(opts: ReviewOptions): Promise<void> {
  const since = parseSince(opts.since);
  const query = `${listQuery({ service: opts.service, owner: opts.owner, since: opts.since })} AND ExecutionStatus != "Running"`;
  const c = await client();
  const statuses: DeployStatus[] = [];
  for await (const wf of c.workflow.list({ query })) {
    try {
      statuses.push(await deployHandle(c, wf.workflowId, wf.runId).result());
    } catch {
      // Terminated or failed runs have no final status to learn from.
    }
  }
  const report = review(statuses);
  if (opts.json) printJson(report);
  else process.stdout.write(reviewMarkdown(report, since.toISOString().slice(0, 10)));
}
