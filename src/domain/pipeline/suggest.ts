// "Did you mean" for misspelt keys and names: the closest candidate within a small edit distance,
// or else a candidate that the word abbreviates or spells out in full (monday -> mon). And how
// a message quotes what the file wrote: `; got "tues" (did you mean "tue"?)`.
const MAX_MISSPELT = 100;

export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

export function suggest(word: string, candidates: readonly string[]): string | undefined {
  // Nobody misspells a word by a hundred characters; a huge value gets no hint (and no quadratic cost).
  if (word.length > MAX_MISSPELT) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  if (best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3))) return best;
  return byPrefix(word.toLowerCase(), candidates);
}

/** A candidate of 3+ characters that begins the word, or that the word (3+ characters) begins. */
function byPrefix(word: string, candidates: readonly string[]): string | undefined {
  if (word.length < 3) return undefined;
  const hits = candidates.filter((c) => {
    const lc = c.toLowerCase();
    return (lc.length >= 3 && word.startsWith(lc)) || lc.startsWith(word);
  });
  return hits.length === 1 ? hits[0] : undefined;
}

/** Longest stretch of a value shown in a message, in characters; longer ones are cut with an ellipsis. */
export const SHOWN_CHARS = 60;

/**
 * A value as the file wrote it, for an error message: strings JSON-quoted (so blanks, quotes and
 * control characters are visible and the message stays on one line), numbers, true/false and null
 * as written, a list or a mapping by name. A long string is cut to about SHOWN_CHARS characters
 * and its length given, so a huge value never floods the terminal.
 */
export function showValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value !== 'string') return String(value);
  const chars = [...value];
  if (chars.length <= SHOWN_CHARS) return JSON.stringify(value);
  // Cut between characters, never inside an escape (\n, \u001b) or a surrogate pair.
  let shown = '';
  let width = 0;
  for (const ch of chars) {
    const escaped = JSON.stringify(ch).slice(1, -1);
    width += escaped === ch ? 1 : escaped.length;
    if (width > SHOWN_CHARS - 1) break;
    shown += escaped;
  }
  return `"${shown}…" (${chars.length} characters)`;
}

/**
 * The tail of every message about a bad value: what the file wrote, then the closest allowed
 * value if there is one, as in `must be one of "mon", ...; got "tues" (did you mean "tue"?)`.
 */
export function got(value: unknown, hint?: string): string {
  return `; got ${showValue(value)}${hint === undefined ? '' : ` (did you mean ${JSON.stringify(hint)}?)`}`;
}
