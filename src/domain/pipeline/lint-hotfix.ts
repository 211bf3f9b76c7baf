// Lint of the hotfix lane: a lane with no floor (hotfix.minSoak, or one of zero) is refused,
// since a scaled soak could shrink to nothing. Pure.
import { parseDuration } from './duration.js';
import type { Loaded } from './load.js';
import type { LintRule, Pipeline } from './schema.js';

export function hotfixFloor(pipeline: Pipeline, lineOf: Loaded['lineOf']): { rule: LintRule; message: string; line: number }[] {
  const h = pipeline.hotfix;
  if (!h) return [];
  if (h.minSoak !== undefined && (parseDuration(h.minSoak) ?? 0) > 0) return [];
  const message =
    h.minSoak === undefined
      ? 'the hotfix lane has no floor: add hotfix.minSoak (like 5m), so a scaled soak never shrinks to nothing'
      : `the hotfix lane's floor ${h.minSoak} is no floor: make hotfix.minSoak longer than 0`;
  return [{ rule: 'hotfix-floor', message, line: lineOf(h.minSoak === undefined ? ['hotfix'] : ['hotfix', 'minSoak']) }];
}
