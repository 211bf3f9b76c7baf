// Text renderings of a deploy's status (`status`, `deploy --wait`): the per-region timeline for a terminal
// (render/tty.ts, redrawn in place), one line per change for CI logs (render/ci.ts), and the
// small table helper `firebreak list` shares. Pure functions of (status, now).
import { renderTty } from './render/tty.js';
import type { ViewStatus } from './render/types.js';

export { renderTty, eventLine, type TtyOptions } from './render/tty.js';
export { renderCiLines, newEvents } from './render/ci.js';
export { nextSteps } from '../../workflows/next-steps.js';
export { Redrawer, redrawSequence } from './render/redraw.js';
export { stripAnsi } from './render/format.js';
export type { LiveSoak, ViewStatus } from './render/types.js';

export { table } from '../domain/table.js';

/** The timeline without colour: `status` into a pipe or file, the end of `deploy --wait` in CI. */
export function renderStatus(s: ViewStatus, now: Date | number = Date.now()): string {
  return renderTty(s, now, { colour: false, events: 10 });
}

/** Colour and redraw only on a terminal, never in CI (CI=true, or any CI=... but false/0). */
export function isInteractive(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI;
  const inCi = ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
  return Boolean(stream.isTTY) && !inCi && env.TERM !== 'dumb';
}
