/**
 * The first images of a dataset, as a view: what `limit_train` / `limit_test` (and eval's
 * `--limit`) mean, so training and evaluation cut a dataset the same way.
 * @module
 */
import type { ImageDataset } from "./dataset.ts";

/**
 * The first `n` images of `ds` (sharing its memory); all of it when `n` is 0 or at least
 * `ds.count`.
 *
 * @param ds The dataset.
 * @param n How many images to keep; 0 = all.
 * @returns A dataset of `min(n, ds.count)` images, or `ds` itself.
 * @throws {RangeError} If `n` is not a non-negative integer.
 * @example Usage
 * ```ts
 * import { takeFirst } from "./take_first.ts";
 * const ds = {
 *   name: "tiny", images: new Uint8Array([1, 2, 3, 4]), labels: new Uint8Array([0, 1, 0, 1]),
 *   count: 4, height: 1, width: 1, channels: 1, numClasses: 2,
 * };
 * const two = takeFirst(ds, 2);
 * if (two.count !== 2 || two.images[1] !== 2 || two.labels.length !== 2) throw new Error();
 * if (takeFirst(ds, 0) !== ds) throw new Error("0 keeps everything");
 * ```
 */
export function takeFirst(ds: ImageDataset, n: number): ImageDataset {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(
      `Cannot take the first n images as n must be a non-negative integer: current value is ${n}`,
    );
  }
  if (n === 0 || n >= ds.count) return ds;
  const px = ds.height * ds.width * ds.channels;
  return {
    ...ds,
    count: n,
    images: ds.images.subarray(0, n * px),
    labels: ds.labels.subarray(0, n),
  };
}
