// The bare Temporal chain the bench holds Firebreak against: per region, the same activity hops
// as a Firebreak region-stage (deploy, then watch) and nothing between them. Firebreak's gate is
// workflow code, not an activity, so the bare gate is a plain `if` on the watch's verdict: a
// gate activity here would add a hop Firebreak does not pay and flatter the ratio.
import { ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Deploy } from '../../domain/pipeline/schema.js';
import type { BareActivities } from './bare-activities.js';

const { bareDeploy, bareWatch } = proxyActivities<BareActivities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '1s', maximumAttempts: 3 },
});

export interface BareChainInput {
  deploy: Deploy;
  service: string;
  version: string;
  regions: string[];
  soakMs: number;
}

/** Returns how many region-stages it went through. */
export async function bareChain(input: BareChainInput): Promise<number> {
  const deployId = workflowInfo().workflowId;
  for (const region of input.regions) {
    const target = { service: input.service, region, version: input.version, deployId };
    await bareDeploy({ deploy: input.deploy, target, key: `${deployId}/${region}/${input.version}` });
    // Like Firebreak's soak, the deadline is fixed by the workflow when the watch is scheduled.
    const verdict = await bareWatch({ deadline: Date.now() + input.soakMs });
    if (verdict !== 'pass') throw ApplicationFailure.nonRetryable(`${region}: ${verdict}`);
  }
  return input.regions.length;
}
