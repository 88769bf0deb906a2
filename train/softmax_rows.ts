/**
 * Row-wise softmax of a row-major `[n, k]` float32 array, in place, with the row maximum
 * subtracted first: p_j = exp(z_j − max z) / Σ_i exp(z_i − max z).
 * @module
 */

/**
 * Replaces each row of `k` values of `v` by its softmax (the sum is accumulated in float64
 * from the float64 exponentials, in column order).
 *
 * @param v Row-major `[n, k]` logits; overwritten with the probabilities.
 * @param k Values per row (classes).
 *
 * @example Usage
 * ```ts
 * import { softmaxRows } from "./softmax_rows.ts";
 * const v = new Float32Array([5, 5, -Infinity, 2]);
 * softmaxRows(v, 2);
 * if (v.join() !== "0.5,0.5,0,1") throw new Error(v.join());
 * ```
 */
export function softmaxRows(v: Float32Array, k: number): void {
  for (let r = 0; r < v.length; r += k) {
    let max = -Infinity;
    for (let j = 0; j < k; j++) max = Math.max(max, v[r + j]!);
    let sum = 0;
    for (let j = 0; j < k; j++) sum += v[r + j] = Math.exp(v[r + j]! - max);
    for (let j = 0; j < k; j++) v[r + j]! /= sum;
  }
}
