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

/**
 * Per-channel mean and standard deviation of a dataset's pixels on the [0, 1] scale
 * (v / 255), over every pixel of every image, in float64; the standard deviation is the
 * population one (divided by the pixel count). This is how the normalization of a custom
 * dataset is computed from its training split. A channel that is constant everywhere gets
 * std 1 (its values are only shifted).
 *
 * @param ds The images, NHWC bytes (`images`, `channels`).
 * @returns One mean and one std per channel.
 *
 * @example Usage
 * ```ts
 * import { computeNormalization } from "./normalization.ts";
 * const n = computeNormalization({ images: new Uint8Array([0, 255, 0, 255]), channels: 2 });
 * if (n.mean.join() !== "0,1" || n.std.join() !== "1,1") throw new Error(JSON.stringify(n));
 * const g = computeNormalization({ images: new Uint8Array([0, 255]), channels: 1 });
 * if (g.mean[0] !== 0.5 || g.std[0] !== 0.5) throw new Error(JSON.stringify(g));
 * ```
 */
export function computeNormalization(
  ds: { images: Uint8Array; channels: number },
): Normalization {
  const C = ds.channels;
  // exact integer sums per channel of v and v², via a histogram per channel
  const hist = new Float64Array(C * 256);
  for (let i = 0; i < ds.images.length; i++) hist[(i % C) * 256 + ds.images[i]]++;
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < C; c++) {
    let n = 0, s = 0, s2 = 0;
    for (let v = 0; v < 256; v++) {
      const k = hist[c * 256 + v];
      n += k, s += k * v, s2 += k * v * v;
    }
    const m = s / n;
    const variance = Math.max(0, s2 / n - m * m);
    mean.push(m / 255);
    std.push(variance > 0 ? Math.sqrt(variance) / 255 : 1);
  }
  return { mean, std };
}
