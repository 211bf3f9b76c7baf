// What an operator can do next with a paused deploy: the exact commands, not a menu.
import type { DeployStatus } from './messages.js';

export function nextSteps(s: DeployStatus): string[] {
  const svc = s.service;
  const regions = s.stages.flatMap((x) => x.regions);
  const out: string[] = [];
  for (const r of regions) {
    if (r.state === 'failed' || r.state === 'rolled_back') {
      out.push(`firebreak retry ${svc} --region ${r.name}        # redeploy ${s.version} to ${r.name} and carry on`);
    } else if (r.state === 'awaiting_approval' && heldByEnvironment(s, r.name)) {
      // The region and its control breached alike: approve is refused; re-soak once the fleet recovers.
      out.push(`firebreak retry ${svc} --region ${r.name}        # soak ${r.name} again once the fleet has recovered (not redeployed)`);
    } else if (r.state === 'awaiting_approval') {
      out.push(`firebreak approve ${svc} --region ${r.name}      # promote ${r.name} on your judgement`);
      if (s.stages.some((x) => x.gate.state === 'inconclusive')) out.push(`firebreak retry ${svc} --region ${r.name}        # soak ${r.name} again`);
    }
  }
  if (s.pausedReason?.includes('paused by ')) out.push(`firebreak resume ${svc}                   # lift the operator pause`);
  out.push(`firebreak abort ${svc} --rollback failed   # end it; roll back what is not promoted (or --rollback all)`);
  return out;
}

/** Is the region's latest hold an `environment` one (peer judgement)? */
function heldByEnvironment(s: DeployStatus, region: string): boolean {
  const last = s.events.filter((e) => e.region === region && ['environment', 'retry', 'inconclusive', 'awaiting_approval'].includes(e.kind)).at(-1);
  return last?.kind === 'environment';
}
