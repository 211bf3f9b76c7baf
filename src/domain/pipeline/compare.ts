// Peer judgement (docs/judgement.md): a check may compare the deployed region with a control,
// the regions still on the previous version (`peers`) or the region's own recent history
// (`before`). This file holds the `compare:` block's schema and the pure rules around it: the
// direction (which way is worse), the effect size, and which control a stage gets. Pure.
import { z } from 'zod';
import { got } from './suggest.js';

const PERCENT = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/;
const PERCENT_HELP = 'a percentage like 25%';

export const compareSchema = z
  .strictObject({
    against: z
      .enum(['peers', 'before'], { error: (issue) => `must be "peers" (regions still on the previous version) or "before" (this region before its deploy)${got(issue.input)}` })
      .default('peers')
      .describe('peers: the regions still on the previous version, evaluated at the same moments; before: this region before its deploy'),
    maxIncrease: z
      .string({ error: (issue) => (issue.input === undefined ? undefined : `${PERCENT_HELP}${typeof issue.input === 'number' ? ` (write ${issue.input}%)` : ''}${got(issue.input)}`) })
      .regex(PERCENT, { error: (issue) => `${PERCENT_HELP}${got(issue.input)}` })
      .optional()
      .describe('Worse than the control by more than this share (relative), e.g. 25%'),
    maxDelta: z
      .number({ error: (issue) => (issue.input === undefined ? undefined : `a number (the check's own unit)${got(issue.input)}`) })
      .min(0, 'must be 0 or more')
      .optional()
      .describe("Worse than the control by more than this (absolute, in the check's unit)"),
    confidence: z
      .number({ error: (issue) => (issue.input === undefined ? undefined : `a number between 0.5 and 1, like 0.98${got(issue.input)}`) })
      .gt(0.5, 'must be above 0.5, like 0.98')
      .lt(1, 'must be below 1, like 0.98')
      .default(0.98)
      .describe('Required significance of the difference (one-sided Mann-Whitney U)'),
    enforce: z
      .boolean({ error: (issue) => (issue.input === undefined ? undefined : `true or false${got(issue.input)}`) })
      .default(true)
      .describe('false: shadow mode, the judgement is computed, shown and recorded but never fails a region'),
  }, { error: (issue) => (issue.code === 'invalid_type' ? `compare must be a mapping like {against: peers, maxIncrease: 25%}${got(issue.input)}` : undefined) })
  .superRefine((c: unknown, ctx) => {
    if (!c || typeof c !== 'object') return;
    const r = c as Record<string, unknown>;
    // null is reported by the field itself.
    if (r.maxIncrease === undefined && r.maxDelta === undefined) {
      ctx.addIssue({ code: 'custom', message: 'compare needs maxIncrease (like 25%) or maxDelta (a number)' });
    } else if (r.maxIncrease != null && r.maxDelta != null) {
      ctx.addIssue({ code: 'custom', message: 'compare takes maxIncrease or maxDelta, not both' });
    }
  }, { when: () => true });

export type Compare = z.output<typeof compareSchema>;
export type Worse = 'higher' | 'lower';

export const worseSchema = z
  .enum(['higher', 'lower'], { error: (issue) => `must be "higher" or "lower"${got(issue.input)}` })
  .describe('Which way a value is worse, for compare; defaults from max (higher) or min (lower)');

/** What compare needs of its check. */
interface Judged {
  max?: number;
  min?: number;
  worse?: Worse;
  compare?: Compare;
}

/** Which way is worse: explicit, else from max (higher) or min (lower); undefined when it cannot be told. */
export function worseOf(check: Judged): Worse | undefined {
  if (check.worse) return check.worse;
  if (check.max !== undefined && check.min === undefined) return 'higher';
  if (check.min !== undefined && check.max === undefined) return 'lower';
  return undefined;
}

/** The refinement the check schema runs: compare needs a direction. */
export function directionProblem(check: Record<string, unknown>): string | undefined {
  if (check.compare === undefined || check.compare === null || check.worse !== undefined) return undefined;
  const hasMax = typeof check.max === 'number';
  const hasMin = typeof check.min === 'number';
  if (hasMax && hasMin) return 'compare with both max and min needs worse: higher or worse: lower';
  if (!hasMax && !hasMin) return 'compare needs a direction: set worse: higher or worse: lower (or a max or min threshold)';
  return undefined;
}

/** maxIncrease as a fraction ("25%" -> 0.25); undefined when the compare uses maxDelta. */
export function maxIncreaseOf(compare: Compare): number | undefined {
  const m = compare.maxIncrease === undefined ? null : PERCENT.exec(compare.maxIncrease);
  return m ? Number(m[1]) / 100 : undefined;
}

/** How much worse `value` is than `control`, as a fraction of the control (0.49 = 49 % worse). */
export function relativeWorsening(value: number, control: number, worse: Worse): number {
  const diff = worse === 'higher' ? value - control : control - value;
  if (control === 0) return diff > 0 ? Infinity : diff < 0 ? -Infinity : 0;
  return diff / Math.abs(control);
}

/** How much worse `value` is than `control`, in the check's unit. */
export function absoluteWorsening(value: number, control: number, worse: Worse): number {
  return worse === 'higher' ? value - control : control - value;
}

/**
 * The control a region gets: the regions of later stages (still on the previous version) when
 * against is peers and there are any; otherwise its own history (`before`).
 */
export function controlFor(compare: Pick<Compare, 'against'>, laterRegions: readonly string[]): { against: 'peers'; regions: string[] } | { against: 'before' } {
  if (compare.against === 'peers' && laterRegions.length > 0) return { against: 'peers', regions: [...laterRegions] };
  return { against: 'before' };
}
