/**
 * "Did you mean …?" suggestions for config keys, flags and values.
 * @module
 */

/** Levenshtein edit distance (insertions, deletions, substitutions each cost 1). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, substitution));
    }
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/**
 * The candidate nearest to `word` (case-insensitive; `-` and `_` are the same), or
 * `undefined` when none is within max(2, ⌊length/3⌋) edits.
 *
 * @param word What the user typed.
 * @param candidates The known names.
 * @returns The closest known name, if it is close enough to be a likely typo.
 *
 * @example Usage
 * ```ts
 * import { closest } from "./closest.ts";
 * if (closest("temprature", ["temperature", "epochs"]) !== "temperature") throw new Error();
 * if (closest("xyz", ["temperature"]) !== undefined) throw new Error();
 * ```
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replaceAll("-", "_");
  const w = norm(word);
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(w.length / 3)) + 1;
  for (const candidate of candidates) {
    // the distance is at least the difference in length: skip the work for a far longer word
    if (Math.abs(w.length - candidate.length) >= bestDistance) continue;
    const d = editDistance(w, norm(candidate));
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}
