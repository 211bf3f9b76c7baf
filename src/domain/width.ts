// Display width: the columns a string takes on a terminal. East Asian wide characters (CJK) and
// emoji take two (an emoji of several code points, a flag or a ZWJ family, is still one
// two-column glyph), combining marks and zero-width characters none, ANSI escape codes none.
// Neither `.length` (UTF-16 units) nor a count of code points says this; string-width does.
import stringWidth from 'string-width';

export function displayWidth(s: string): number {
  return stringWidth(s);
}

/** `s` and spaces after it, to `width` columns (never cut). */
export function padEndDisplay(s: string, width: number): string {
  const w = displayWidth(s);
  return w >= width ? s : s + ' '.repeat(width - w);
}

/** Spaces and then `s`, to `width` columns (never cut). */
export function padStartDisplay(s: string, width: number): string {
  const w = displayWidth(s);
  return w >= width ? s : ' '.repeat(width - w) + s;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const ESC = '\x1b[';
// eslint-disable-next-line no-control-regex -- matching escape codes is the point
const ANSI_AT_START = /^\x1b\[[0-9;?]*[A-Za-z]/;

/**
 * `s` cut to at most `cols` columns, ending in "…" when cut. Whole glyphs only (a wide
 * character that would cross the edge goes, and no emoji is split into its code points);
 * escape codes are kept, and a reset follows the cut when there were any.
 */
export function truncateDisplay(s: string, cols: number): string {
  if (displayWidth(s) <= cols) return s;
  const limit = Math.max(0, cols - 1); // the ellipsis takes one column
  let out = '';
  let width = 0;
  let i = 0;
  outer: while (i < s.length && width < limit) {
    const m = s.startsWith(ESC, i) ? ANSI_AT_START.exec(s.slice(i)) : null;
    if (m) {
      out += m[0];
      i += m[0].length;
      continue;
    }
    // The text up to the next escape code, glyph by glyph.
    const next = s.indexOf(ESC, i + 1);
    const text = s.slice(i, next === -1 ? s.length : next);
    for (const { segment } of graphemes.segment(text)) {
      const w = displayWidth(segment);
      if (width + w > limit) break outer;
      out += segment;
      width += w;
    }
    i += text.length;
  }
  return `${out}…${out.includes(ESC) ? `${ESC}0m` : ''}`;
}
