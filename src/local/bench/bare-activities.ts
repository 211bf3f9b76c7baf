// The bare chain's activities. The deploy does the same external work as Firebreak's: the same
// adapter makes the same calls to the simulator (POST, then status polls at the same interval),
// so the rollout's own time is equal on both sides and the ratio measures orchestration. The
// watch only waits out the soak: the soak's length is fixed by design on both sides, while
// Firebreak's check evaluations (requests, tallies, heartbeats) are Firebreak's cost and show
// in its CPU per region-stage.
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { adapterFor } from '../../../activities/deploy/adapter.js';
import type { DeployRegionInput } from '../../../activities/types.js';

export function createBareActivities(env: NodeJS.ProcessEnv) {
  return {
    async bareDeploy({ deploy, target, key }: DeployRegionInput): Promise<void> {
      await adapterFor(deploy, env).deploy(target, key, Context.current().cancellationSignal, () => undefined);
    },
    async bareWatch({ deadline }: { deadline: number }): Promise<'pass'> {
      await sleep(Math.max(0, deadline - Date.now()), undefined, { signal: Context.current().cancellationSignal }).catch(() => undefined);
      return 'pass';
    },
  };
}

export type BareActivities = ReturnType<typeof createBareActivities>;
