// Plain-text tables for the terminal: columns padded to their widest cell, two spaces apart.
// Widths are display widths (a CJK character or an emoji takes two columns), so the columns
// line up on a terminal whatever the cells hold.
import { displayWidth, padEndDisplay, padStartDisplay } from './width.js';

export interface TableOptions {
  /** Columns whose cells are right-aligned (numbers). */
  rightAligned?: ReadonlySet<number>;
  /** Put before every line. */
  indent?: string;
}

export function table(rows: string[][], opts: TableOptions = {}): string {
  if (rows.length === 0) return '';
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => displayWidth(r[c] ?? ''))));
  const right = opts.rightAligned ?? new Set<number>();
  const line = (r: string[]) => r.map((cell, c) => (right.has(c) ? padStartDisplay(cell, widths[c]) : padEndDisplay(cell, widths[c]))).join('  ').trimEnd();
  return rows.map((r) => `${opts.indent ?? ''}${line(r)}`).join('\n');
}
