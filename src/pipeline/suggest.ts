// "Did you mean" for misspelt keys and names: the closest candidate within a small edit distance,
// or else a candidate that the word abbreviates or spells out in full (monday -> mon).
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
