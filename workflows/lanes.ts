// How a deploy was started out of the ordinary, recorded in its audit trail so a review can
// count it: a hotfix (deploy --hotfix, shorter soaks) and a deploy that passes freezes
// (deploy --override-freeze). Status and events only: no command, so no patch.
import { formatDuration } from '../src/domain/pipeline/duration.js';
import type { DeployInput } from './messages.js';
import type { DeployState } from './state.js';

export function announceLanes(state: DeployState, input: DeployInput): void {
  const { hotfix } = input.plan;
  if (hotfix) {
    const gates = hotfix.manualGates ? '; every gate manual' : '';
    state.record('hotfix', `hotfix: soaks scaled by ${hotfix.soakScale}, never below ${formatDuration(hotfix.minSoakMs)}${gates}: ${hotfix.reason}`, {
      by: input.startedBy,
    });
  }
  if (input.overrideFreeze) {
    state.status.overrideFreeze = input.overrideFreeze;
    state.record('freeze_override', `started with --override-freeze: ${input.overrideFreeze.reason}`, { by: input.overrideFreeze.by ?? input.startedBy });
  }
}
