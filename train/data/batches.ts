/**
 * Minibatches for training and evaluation: for each batch, the examples named by `order`
 * are (optionally) augmented with {@linkcode randomCropFlip} on their raw bytes, then
 * normalized per channel to float32, NHWC:
 *
 *   x[b, y, x, c] = (v / 255 − mean[c]) / std[c]     (in float32, as torchvision)
 *
 * Memory stays bounded: one `batchSize·H·W·C` float32 buffer and one label buffer are
 * allocated per call and **reused for every batch**, so a consumer must finish with (or copy)
 * a batch before asking for the next. The whole dataset is never converted to float.
 *
 * - `limit`: to use only the first k examples, pass `order.subarray(0, k)`.
 * - `start`: skips the first `start` batches without reading them or drawing random numbers,
 *   to resume mid-epoch. Augmentation draws happen as each batch is produced, so an `augment`
 *   stream whose state was saved after batch k−1 was consumed, resumed with `start: k`, gives
 *   the very same batches as the uninterrupted run.
 *
 * @module
 */

import type { Rng } from "../random.ts";
import type { ImageDataset } from "./dataset.ts";
import { type Normalization, normalizationTable } from "./normalization.ts";
import { randomCropFlip } from "./random_crop_flip.ts";

/** Options for {@linkcode batches}. */
export interface BatchOptions {
  /** Examples per batch (a positive integer). */
  batchSize: number;
  /** Per-channel mean and std (e.g. `NORMALIZATION.cifar10`). */
  normalization: Normalization;
  /** If given, each example gets a random crop (zero padding `padding`) and flip from this stream. */
  augment?: Rng;
  /** The crop's zero padding in pixels (default 4). */
  padding?: number;
  /** Drop a last batch smaller than `batchSize` (default false). */
  dropLast?: boolean;
  /** The index of the first batch to produce (default 0). */
  start?: number;
}

/** One minibatch. `x` and `y` are views of buffers reused by the next batch. */
export interface Batch {
  /** `size·H·W·C` normalized pixels, NHWC. */
  x: Float32Array;
  /** `size` labels. */
  y: Int32Array;
  /** The number of examples in this batch. */
  size: number;
  /** The batch's index in the epoch (0-based, counting skipped batches). */
  index: number;
}

/**
 * The number of batches {@linkcode batches} produces for `n` examples (before `start`).
 *
 * @param n The number of examples.
 * @param batchSize Examples per batch.
 * @param dropLast Whether a partial last batch is dropped.
 * @returns ⌊n / batchSize⌋ if `dropLast`, else ⌈n / batchSize⌉.
 *
 * @example Usage
 * ```ts
 * import { batchCount } from "./batches.ts";
 * if (batchCount(10, 4, false) !== 3 || batchCount(10, 4, true) !== 2) throw new Error();
 * ```
 */
export function batchCount(n: number, batchSize: number, dropLast: boolean): number {
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

/**
 * Produces normalized (and optionally augmented) minibatches of `ds` in the order `order`.
 *
 * @param ds The dataset.
 * @param order Example indices, in the order to use them (e.g. a shuffled training split).
 * @param options Batch size, normalization, augmentation, `dropLast` and `start`.
 * @returns A generator of batches whose buffers are reused.
 * @throws {RangeError} On a bad option, a normalization with the wrong number of channels,
 *   or an index in `order` that is not below `ds.count`.
 *
 * @example Usage
 * ```ts
 * import { batches } from "./batches.ts";
 * const ds = {
 *   name: "tiny", images: new Uint8Array([0, 255, 51]), labels: new Uint8Array([0, 1, 1]),
 *   count: 3, height: 1, width: 1, channels: 1, numClasses: 2,
 * };
 * const out = [];
 * for (const b of batches(ds, new Uint32Array([2, 0, 1]), { batchSize: 2, normalization: { mean: [0], std: [1] } })) {
 *   out.push([...b.x].map((v) => v.toFixed(1)).join() + "|" + b.y.join());
 * }
 * if (out.join(" ") !== "0.2,0.0|1,0 1.0|1") throw new Error(out.join(" "));
 * ```
 */
export function* batches(
  ds: ImageDataset,
  order: Uint32Array,
  options: BatchOptions,
): Generator<Batch, void, undefined> {
  const { batchSize, normalization, augment } = options;
  const dropLast = options.dropLast ?? false;
  const start = options.start ?? 0;
  const padding = options.padding ?? 4;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(
      `Cannot make batches as batchSize must be a positive integer: current value is ${batchSize}`,
    );
  }
  const total = batchCount(order.length, batchSize, dropLast);
  if (!Number.isInteger(start) || start < 0 || start > total) {
    throw new RangeError(
      `Cannot make batches as start must be an integer in [0, ${total}]: current value is ${start}`,
    );
  }
  if (!Number.isInteger(padding) || padding < 0) {
    throw new RangeError(
      `Cannot make batches as padding must be a non-negative integer: current value is ${padding}`,
    );
  }
  if (normalization.mean.length !== ds.channels) {
    throw new RangeError(
      `Cannot make batches of ${ds.name} as normalization must have ${ds.channels} channel(s): current mean has ${normalization.mean.length}`,
    );
  }
  const table = normalizationTable(normalization);
  const { height, width, channels } = ds;
  const shape = [height, width, channels] as const;
  const pixels = height * width * channels;
  const x = new Float32Array(Math.min(batchSize, order.length) * pixels);
  const y = new Int32Array(Math.min(batchSize, order.length));
  const scratch = augment ? new Uint8Array(pixels) : null;

  for (let b = start; b < total; b++) {
    const first = b * batchSize;
    const size = Math.min(batchSize, order.length - first);
    for (let i = 0; i < size; i++) {
      const n = order[first + i];
      if (n >= ds.count) {
        throw new RangeError(
          `Cannot make batches as order[${first + i}] must be < ${ds.count}: current value is ${n}`,
        );
      }
      let img = ds.images.subarray(n * pixels, (n + 1) * pixels);
      if (scratch !== null) img = randomCropFlip(img, shape, augment!, scratch, padding);
      const base = i * pixels;
      for (let p = 0; p < pixels; p += channels) {
        for (let c = 0; c < channels; c++) x[base + p + c] = table[c * 256 + img[p + c]];
      }
      y[i] = ds.labels[n];
    }
    yield { x: x.subarray(0, size * pixels), y: y.subarray(0, size), size, index: b };
  }
}
