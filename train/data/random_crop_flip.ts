/**
 * CIFAR training augmentation as in the paper's code (torchvision
 * `RandomCrop(32, padding=4)` then `RandomHorizontalFlip()`), on raw uint8 images before
 * normalization, so the padding is a raw 0 (black), exactly as torchvision pads the PIL image.
 *
 * With padding p, the image is padded with p zero pixels on each side, a window of the
 * original size is cut at offset (dy, dx), each uniform in {0, …, 2p}, and then, with
 * probability 0.5, mirrored left to right:
 *
 *   out(y, x, c) = padded(y + dy, x' + dx, c),  x' = flip ? W − 1 − x : x
 *   padded(Y, X, c) = src(Y − p, X − p, c) inside the image, 0 outside
 *
 * The draws come from the given {@linkcode Rng} in the order dy, dx, flip (as torchvision
 * draws i, j, then the flip coin).
 *
 * @module
 */

import type { Rng } from "../random.ts";

/** The random choices of one augmentation. */
export interface CropFlip {
  /** Vertical offset of the crop window in the padded image, in [0, 2·padding]. */
  dy: number;
  /** Horizontal offset of the crop window in the padded image, in [0, 2·padding]. */
  dx: number;
  /** Whether the crop is mirrored left to right. */
  flip: boolean;
}

/**
 * Draws one crop offset and flip coin: `dy = rng.int(2p+1)`, `dx = rng.int(2p+1)`,
 * `flip = rng.uniform() < 0.5`.
 *
 * @param rng The augmentation random stream.
 * @param padding The zero padding p (a non-negative integer).
 * @returns The choices.
 *
 * @example Usage
 * ```ts
 * import { Rng } from "../random.ts";
 * import { drawCropFlip } from "./random_crop_flip.ts";
 * const { dy, dx } = drawCropFlip(new Rng(1, "augment"), 4);
 * if (dy < 0 || dy > 8 || dx < 0 || dx > 8) throw new Error();
 * ```
 */
export function drawCropFlip(rng: Rng, padding: number): CropFlip {
  const dy = rng.int(2 * padding + 1);
  const dx = rng.int(2 * padding + 1);
  const flip = rng.uniform() < 0.5;
  return { dy, dx, flip };
}

/**
 * Applies a given crop and flip to one HWC image.
 *
 * @param src The image, `height * width * channels` bytes, HWC.
 * @param shape `[height, width, channels]`.
 * @param choice The crop offsets and flip.
 * @param padding The zero padding p the offsets refer to.
 * @param out The output image, same size as `src` (must not overlap it).
 * @returns `out`.
 *
 * @example Usage
 * ```ts
 * import { cropFlip } from "./random_crop_flip.ts";
 * // 2×2 image [[1, 2], [3, 4]], padding 1: offset (0, 0) shifts it down-right by one.
 * const out = cropFlip(new Uint8Array([1, 2, 3, 4]), [2, 2, 1], { dy: 0, dx: 0, flip: false }, 1, new Uint8Array(4));
 * if (out.join() !== "0,0,0,1") throw new Error(out.join());
 * ```
 */
export function cropFlip(
  src: Uint8Array,
  shape: readonly [number, number, number],
  choice: CropFlip,
  padding: number,
  out: Uint8Array,
): Uint8Array {
  const [height, width, channels] = shape;
  const { dy, dx, flip } = choice;
  const row = width * channels;
  for (let y = 0; y < height; y++) {
    const sy = y + dy - padding;
    const o = y * row;
    if (sy < 0 || sy >= height) {
      out.fill(0, o, o + row);
      continue;
    }
    for (let x = 0; x < width; x++) {
      const sx = (flip ? width - 1 - x : x) + dx - padding;
      const d = o + x * channels;
      if (sx < 0 || sx >= width) {
        for (let c = 0; c < channels; c++) out[d + c] = 0;
      } else {
        const s = sy * row + sx * channels;
        for (let c = 0; c < channels; c++) out[d + c] = src[s + c];
      }
    }
  }
  return out;
}

/**
 * Draws and applies a random crop with zero padding and a random horizontal flip.
 *
 * @param src The image, HWC bytes.
 * @param shape `[height, width, channels]`.
 * @param rng The augmentation random stream.
 * @param out The output image, same size as `src`.
 * @param padding The zero padding (default 4, as for CIFAR).
 * @returns `out`.
 *
 * @example Usage
 * ```ts
 * import { Rng } from "../random.ts";
 * import { randomCropFlip } from "./random_crop_flip.ts";
 * const img = new Uint8Array(32 * 32 * 3).fill(200);
 * const out = randomCropFlip(img, [32, 32, 3], new Rng(7, "augment"), new Uint8Array(img.length));
 * if (out.some((v) => v !== 0 && v !== 200)) throw new Error("unexpected value");
 * ```
 */
export function randomCropFlip(
  src: Uint8Array,
  shape: readonly [number, number, number],
  rng: Rng,
  out: Uint8Array,
  padding = 4,
): Uint8Array {
  return cropFlip(src, shape, drawCropFlip(rng, padding), padding, out);
}
