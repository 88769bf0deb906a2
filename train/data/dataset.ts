/**
 * The in-memory form of an image classification dataset: raw 8-bit pixels in NHWC order
 * (image, row, column, channel) and one label byte per image. MNIST is 28×28×1, CIFAR
 * 32×32×3. Normalization to float happens per batch (see `batches`), so a whole dataset is
 * never held as float32.
 *
 * @module
 */

/**
 * An image classification dataset with raw pixels.
 *
 * Pixel `(n, y, x, c)` is `images[((n * height + y) * width + x) * channels + c]`.
 *
 * @example Usage
 * ```ts
 * import type { ImageDataset } from "./dataset.ts";
 * const ds: ImageDataset = {
 *   name: "tiny", images: new Uint8Array(2 * 2 * 2 * 1), labels: new Uint8Array([0, 1]),
 *   count: 2, height: 2, width: 2, channels: 1, numClasses: 2,
 * };
 * if (ds.images.length !== ds.count * ds.height * ds.width * ds.channels) throw new Error();
 * ```
 */
export interface ImageDataset {
  /** "mnist", "cifar10", "cifar100" or a custom name. */
  name: string;
  /** `count * height * width * channels` bytes, NHWC, raw 0..255. */
  images: Uint8Array;
  /** `count` labels, each in `[0, numClasses)`. */
  labels: Uint8Array;
  /** The number of images. */
  count: number;
  /** Image height in pixels. */
  height: number;
  /** Image width in pixels. */
  width: number;
  /** Channels per pixel (1 for MNIST, 3 for CIFAR). */
  channels: number;
  /** The number of classes. */
  numClasses: number;
}
