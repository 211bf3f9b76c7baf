// multiRegionDeploy: the state machine of one deploy (docs/temporal.md). It announces itself, listens for
// operator commands, rolls out (workflows/rollout.ts), undoes what its ending calls for, and ends.
// Deterministic code only: everything that touches the world is an activity.
import type { DeployInput, DeployStatus } from './messages.js';
import { abortWhenPausedTooLong, commandEffects, listenForCommands } from './commands.js';
import { finish, undo } from './ending.js';
import { rollOut } from './rollout.js';
import { DeployRun } from './run.js';
import { listenForQueue, startNext } from './train.js';
import { listenForFreezes } from './freeze-gate.js';
import { waitForRelease } from './train-hold.js';

export async function multiRegionDeploy(input: DeployInput): Promise<DeployStatus> {
  const run = new DeployRun(input);
  run.announce();
  const effects = commandEffects(run);
  listenForCommands(run, effects);
  listenForQueue(run);
  listenForFreezes(run);
  abortWhenPausedTooLong(run, effects);
  // A rollback of the service holds its train: no region is touched until `release`. A deploy
  // aborted while it waits touched nothing, so there is nothing to undo (no rollback, no down).
  const held = await waitForRelease(run);
  const ending = held ?? (await undo(run, await rollOut(run)));
  const status = await finish(run, ending);
  await startNext(run.next); // a queued version (train.mode queue) starts as the next run
  return status;
}
