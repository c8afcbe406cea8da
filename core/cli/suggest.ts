/**
 * "Did you mean ...?" for a mistyped flag name or value: the candidate closest to what was typed,
 * when it is close enough to be a typo rather than a different word.
 */

/**
 * Edits between two words: insertions, deletions, substitutions and swaps of two neighbouring
 * letters (the commonest typo), each counting one.
 */
export function editDistance(a: string, b: string): number {
  // Three rows of the dynamic-programming table: the swap looks two rows back.
  let before = new Array<number>(b.length + 1).fill(0);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  let row = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j], before[j - 2] + 1);
      }
    }
    [before, prev, row] = [prev, row, before];
  }
  return prev[b.length];
}

/**
 * The candidate nearest to `typed`, if it is at most two edits away and the edits are under a
 * third of its length ("tritonn" suggests "triton"; "foo" suggests nothing). Ties go to the
 * earlier candidate.
 */
export function closest(typed: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(typed.toLowerCase(), c.toLowerCase());
    if (d < bestDistance && d <= 2 && d * 3 < c.length) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** " Did you mean X?" with the closest candidate quoted as `quote` does, or "" without one. */
export function didYouMean(
  typed: string,
  candidates: readonly string[],
  quote: (c: string) => string = (c) => `"${c}"`,
): string {
  const hit = closest(typed, candidates);
  return hit === undefined ? "" : ` Did you mean ${quote(hit)}?`;
}
