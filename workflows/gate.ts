// A stage's gate state, derived from its regions' gates. The regions of a wave run in parallel
// and each passes or fails its own gate: a sibling that passes later must not hide a failure.
// Pure: no Temporal APIs.
import type { GateState, RegionStatus, StageStatus } from './messages.js';

/** The states that hold a stage back, the most urgent first. */
const HOLDING: readonly GateState[] = ['failed', 'inconclusive', 'awaiting_approval', 'watching'];

export function stageGate(regions: readonly RegionStatus[]): Pick<StageStatus['gate'], 'state' | 'by'> {
  const states = regions.map((r) => r.gate?.state ?? 'pending');
  const approvers = [...new Set(regions.flatMap((r) => (r.gate?.state === 'approved' && r.gate.by ? [r.gate.by] : [])))];
  const by = approvers.length > 0 ? { by: approvers.join(', ') } : {};
  const holding = HOLDING.find((state) => states.includes(state));
  if (holding) return { state: holding, ...by };
  if (states.every((state) => state === 'pending')) return { state: 'pending' };
  if (states.every((state) => state === 'passed' || state === 'approved')) {
    return { state: states.includes('approved') ? 'approved' : 'passed', ...by };
  }
  // Some regions are through their gate, the others not yet at it.
  return { state: 'watching', ...by };
}
