// Small formatting pieces shared by the TTY and CI renderings: ANSI colour that can be turned off
// (and measured), state colours and marks, soak progress; times, counts and check values come from
// src/domain/format.ts, which the Web UI details use too.
import type { DeployPhase, RegionState } from '../../../workflows/messages.js';
import { span } from '../../domain/format.js';
import { displayWidth, padEndDisplay, truncateDisplay } from '../../domain/width.js';

// --- ANSI ---

const ESC = '\x1b[';
// eslint-disable-next-line no-control-regex -- matching escape codes is the point
const ANSI_RE = /\x1b\[[0-9;?]*[A-Za-z]/g;

export type Colour = 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan' | 'dim' | 'bold';
const CODES: Record<Colour, [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
};

/** A painter: paints when colour is on, returns the text unchanged when it is off. */
export type Paint = (colour: Colour | undefined, text: string) => string;

export function painter(colour: boolean): Paint {
  return (c, text) => (colour && c && text ? `${ESC}${CODES[c][0]}m${text}${ESC}${CODES[c][1]}m` : text);
}

export function stripAnsi(s: string): string {
  return s.replace(ANSI_RE, '');
}

/** Columns a string takes on a terminal: wide (CJK) characters and emoji two, escape codes none. */
export function visibleWidth(s: string): number {
  return displayWidth(s);
}

/** Cut a line to `cols` visible columns, keeping escape codes (and resetting at the cut). */
export function truncateVisible(s: string, cols: number): string {
  return truncateDisplay(s, cols);
}

/** Pad to a visible width (escape codes do not count). */
export function padVisible(s: string, width: number): string {
  return padEndDisplay(s, width);
}

// --- colours of states ---

export const STATE_COLOUR: Record<RegionState, Colour | undefined> = {
  pending: 'dim',
  deploying: 'cyan',
  soaking: 'blue',
  awaiting_approval: 'yellow',
  promoted: 'green',
  failed: 'red',
  rolling_back: 'magenta',
  rolled_back: 'yellow',
};

export const PHASE_COLOUR: Record<DeployPhase, Colour> = {
  running: 'cyan',
  paused: 'yellow',
  succeeded: 'green',
  rolled_back: 'red',
  aborted: 'red',
  failed: 'red',
};

/** One glyph per state, so a state reads at a glance even without colour. */
export const STATE_MARK: Record<RegionState, string> = {
  pending: '·',
  deploying: '↑',
  soaking: '~',
  awaiting_approval: '?',
  promoted: '✓',
  failed: '✗',
  rolling_back: '↓',
  rolled_back: '↺',
};

// --- time, numbers, checks: shared with the Web UI details (src/domain/format.ts) ---

export { checkText, clock, count, dateTime, formatNumber, formatValue, judge, percent, plural, span, type CheckJudgement } from '../../domain/format.js';

export function ago(at: string, now: number): string {
  const t = Date.parse(at);
  if (Number.isNaN(t)) return '';
  return `${span(now - t)} ago`;
}

// --- soak progress ---

export interface SoakProgress {
  /** 0..1 */
  fraction: number;
  elapsedMs: number;
  leftMs: number;
  totalMs: number;
  /** The deadline has passed: the watcher is reaching its verdict. */
  over: boolean;
}

export function soakProgress(startedAt: string | undefined, endsAt: string | undefined, now: number): SoakProgress | undefined {
  const start = startedAt ? Date.parse(startedAt) : NaN;
  const end = endsAt ? Date.parse(endsAt) : NaN;
  if (Number.isNaN(start) || Number.isNaN(end) || end < start) return undefined;
  const totalMs = end - start;
  const elapsedMs = Math.min(Math.max(0, now - start), totalMs);
  return {
    fraction: totalMs === 0 ? 1 : elapsedMs / totalMs,
    elapsedMs,
    leftMs: Math.max(0, end - now),
    totalMs,
    over: now >= end,
  };
}

export function bar(fraction: number, width = 10): string {
  const full = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return '█'.repeat(full) + '░'.repeat(width - full);
}
