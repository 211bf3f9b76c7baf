// `deploy --hotfix --reason R` and `deploy --override-freeze --reason R`: checked before
// anything starts. Each needs a reason, recorded in the deploy's audit trail for the review.
import { hotfixLane, type PlanHotfix } from '../domain/pipeline/hotfix.js';
import type { Pipeline } from '../domain/pipeline/schema.js';
import { CliError } from './fail.js';

export interface LaneFlags {
  hotfix?: boolean;
  overrideFreeze?: boolean;
  reason?: string;
  by?: string;
}

export interface Lanes {
  hotfix?: PlanHotfix;
  overrideFreeze?: { reason: string; by?: string };
}

export function lanesOf(pipeline: Pipeline, flags: LaneFlags, by: string): Lanes {
  const reason = flags.reason?.trim();
  if ((flags.hotfix || flags.overrideFreeze) && !reason) {
    throw new CliError(`${flags.hotfix ? '--hotfix' : '--override-freeze'} needs --reason R (recorded in the audit trail); nothing was started`);
  }
  if (reason !== undefined && !flags.hotfix && !flags.overrideFreeze) {
    throw new CliError('--reason goes with --hotfix or --override-freeze; nothing was started');
  }
  if (reason !== undefined && reason.length > 500) throw new CliError('--reason is longer than 500 characters; nothing was started');
  const out: Lanes = {};
  if (flags.hotfix) {
    const lane = hotfixLane(pipeline, reason!);
    if (!lane.ok) throw new CliError(`--hotfix: ${lane.reason}; nothing was started`);
    out.hotfix = lane.lane;
  }
  if (flags.overrideFreeze) out.overrideFreeze = { reason: reason!, by };
  return out;
}
