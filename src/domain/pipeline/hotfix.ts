// The hotfix lane (deploy --hotfix): the same order, checks and rollback, shorter soaks. Each
// soak is scaled by the pipeline's hotfix.soakScale and never falls below hotfix.minSoak (nor
// rises above the soak it shortens); manualGates: true makes every gate wait for an approval.
// Pure.
import { parseDuration } from './duration.js';
import type { Pipeline } from './schema.js';

/** The lane as a plan carries it, with the hotfix's reason. */
export interface PlanHotfix {
  reason: string;
  soakScale: number;
  minSoakMs: number;
  manualGates: boolean;
}

/** A region's hotfix soak: scaled, at least the floor, at most the soak it shortens. */
export function hotfixSoakMs(soakMs: number, soakScale: number, minSoakMs: number): number {
  return Math.min(soakMs, Math.max(minSoakMs, Math.round(soakMs * soakScale)));
}

/** The lane of the pipeline for a hotfix deploy, or why there is none (one line; nothing starts). */
export function hotfixLane(pipeline: Pipeline, reason: string): { ok: true; lane: PlanHotfix } | { ok: false; reason: string } {
  const h = pipeline.hotfix;
  if (!h) return { ok: false, reason: `${pipeline.service}'s pipeline has no hotfix lane: add hotfix: {soakScale: 0.25, minSoak: 5m}` };
  const floor = h.minSoak === undefined ? undefined : parseDuration(h.minSoak);
  if (!floor) return { ok: false, reason: `the hotfix lane has no floor (hotfix.minSoak): a hotfix soak could shrink to nothing` };
  return { ok: true, lane: { reason, soakScale: h.soakScale, minSoakMs: floor, manualGates: h.manualGates } };
}
