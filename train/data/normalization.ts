/**
 * Per-channel normalization constants, as the paper's code uses them (torchvision
 * `ToTensor()` then `Normalize(mean, std)`): a raw pixel v in 0..255 becomes
 *
 *   x = (v / 255 − mean[c]) / std[c]
 *
 * The constants are those of reference.md §Data.
 *
 * @module
 */

/** Per-channel mean and standard deviation, on the [0, 1] pixel scale. */
export interface Normalization {
  /** One mean per channel. */
  readonly mean: readonly number[];
  /** One standard deviation per channel. */
  readonly std: readonly number[];
}

/**
 * The normalization constants of the three datasets.
 *
 * @example Usage
 * ```ts
 * import { NORMALIZATION } from "./normalization.ts";
 * if (NORMALIZATION.cifar10.mean.length !== 3) throw new Error("3 channels");
 * ```
 */
export const NORMALIZATION = {
  mnist: { mean: [0.1307], std: [0.3081] },
  cifar10: { mean: [0.4914, 0.4822, 0.4465], std: [0.2023, 0.1994, 0.2010] },
  cifar100: { mean: [0.507, 0.487, 0.441], std: [0.267, 0.256, 0.276] },
} as const satisfies Record<string, Normalization>;

/**
 * A lookup table of the normalized value of every byte for every channel, computed in
 * float32 step by step as PyTorch does (`v / 255`, then `− mean`, then `/ std`, each rounded
 * to float32), so the values match torchvision bit for bit.
 *
 * @param norm The constants; `mean` and `std` must have the same length, each std > 0.
 * @returns `table[c * 256 + v]` = the normalized value of byte `v` in channel `c`.
 * @throws {RangeError} If the lengths differ or a std is not positive.
 *
 * @example Usage
 * ```ts
 * import { normalizationTable } from "./normalization.ts";
 * const t = normalizationTable({ mean: [0.5], std: [0.5] });
 * if (t[0] !== -1 || t[255] !== 1) throw new Error(`${t[0]} ${t[255]}`);
 * ```
 */
export function normalizationTable(norm: Normalization): Float32Array {
  const { mean, std } = norm;
  if (mean.length === 0 || mean.length !== std.length) {
    throw new RangeError(
      `Cannot normalize as mean and std must have the same non-zero length: current lengths are ${mean.length} and ${std.length}`,
    );
  }
  const f = Math.fround;
  const table = new Float32Array(mean.length * 256);
  for (let c = 0; c < mean.length; c++) {
    if (!(std[c] > 0)) {
      throw new RangeError(`Cannot normalize as std[${c}] must be > 0: current value is ${std[c]}`);
    }
    const m = f(mean[c]);
    const s = f(std[c]);
    for (let v = 0; v < 256; v++) table[c * 256 + v] = f(f(f(v / 255) - m) / s);
  }
  return table;
}
