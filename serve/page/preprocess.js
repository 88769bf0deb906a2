// @ts-check
/**
 * The page's preprocessing, pure functions on pixel arrays (no DOM), so the same code runs in
 * the browser and under `deno test`.
 *
 * A drawn digit becomes an MNIST image as MNIST's own were made (LeCun et al.): the ink's
 * bounding box is scaled, keeping its aspect ratio, to fit a 20×20 box (area averaging, so edges
 * turn grey), then placed in the 28×28 field so that its centre of mass — the intensity-weighted
 * mean of the pixel centres — lands on the field's centre (14, 14), shifted by whole pixels.
 *
 * Every image then becomes the model's input as training normalizes it
 * (`train/data/normalization.ts`): x = (v/255 − mean[c]) / std[c], each step rounded to float32,
 * laid out NCHW.
 * @module
 */

/**
 * The bounding box of the pixels with ink > 0 (end-exclusive), or null for an empty image.
 *
 * @param {ArrayLike<number>} ink Intensities, row-major `width × height`.
 * @param {number} width
 * @param {number} height
 * @returns {{ x0: number, y0: number, x1: number, y1: number } | null}
 * @example Usage
 * ```js
 * import { inkBounds } from "./preprocess.js";
 * const b = inkBounds([0, 0, 0, 7, 7, 0], 3, 2); // ink at (0, 1) and (1, 1)
 * if (JSON.stringify(b) !== '{"x0":0,"y0":1,"x1":2,"y1":2}') throw new Error(JSON.stringify(b));
 * ```
 */
export function inkBounds(ink, width, height) {
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x] > 0) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? null : { x0, y0, x1: x1 + 1, y1: y1 + 1 };
}

/**
 * For `to` output pixels covering `from` input pixels: each output pixel's input pixels and
 * the fraction of its area each covers (the weights of one output pixel sum to 1).
 *
 * @param {number} from
 * @param {number} to
 * @returns {[number, number][][]}
 */
function areaWeights(from, to) {
  const scale = from / to;
  const out = [];
  for (let d = 0; d < to; d++) {
    const a = d * scale, b = (d + 1) * scale;
    /** @type {[number, number][]} */
    const ws = [];
    for (let i = Math.floor(a); i < Math.min(from, Math.ceil(b)); i++) {
      const overlap = Math.min(b, i + 1) - Math.max(a, i);
      if (overlap > 0) ws.push([i, overlap / scale]);
    }
    out.push(ws);
  }
  return out;
}

/**
 * Resizes a one-channel image by area averaging (each output pixel is the mean of the input
 * area it covers).
 *
 * @param {ArrayLike<number>} src Row-major `sw × sh`.
 * @param {number} sw
 * @param {number} sh
 * @param {number} dw
 * @param {number} dh
 * @returns {Float64Array} Row-major `dw × dh`.
 * @example Usage
 * ```js
 * import { resizeArea } from "./preprocess.js";
 * const out = resizeArea([0, 255, 255], 3, 1, 2, 1); // [0, 1.5) and [1.5, 3)
 * if (out.join() !== "85,255") throw new Error(out.join());
 * ```
 */
export function resizeArea(src, sw, sh, dw, dh) {
  const wx = areaWeights(sw, dw), wy = areaWeights(sh, dh);
  const rows = new Float64Array(dw * sh);
  for (let y = 0; y < sh; y++) {
    for (let x = 0; x < dw; x++) {
      let s = 0;
      for (const [i, w] of wx[x]) s += src[y * sw + i] * w;
      rows[y * dw + x] = s;
    }
  }
  const out = new Float64Array(dw * dh);
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      let s = 0;
      for (const [i, w] of wy[y]) s += rows[i * dw + x] * w;
      out[y * dw + x] = s;
    }
  }
  return out;
}

/**
 * The centre of mass of an image: the intensity-weighted mean of its pixel centres (pixel
 * (x, y) has its centre at (x + 0.5, y + 0.5)).
 *
 * @param {ArrayLike<number>} img Row-major `width × height`, not all zero.
 * @param {number} width
 * @param {number} height
 * @returns {[number, number]} `[cx, cy]`.
 * @example Usage
 * ```js
 * import { centerOfMass } from "./preprocess.js";
 * const [cx, cy] = centerOfMass([1, 3], 2, 1); // (1·0.5 + 3·1.5) / 4
 * if (cx !== 1.25 || cy !== 0.5) throw new Error(`${cx} ${cy}`);
 * ```
 */
export function centerOfMass(img, width, height) {
  let m = 0, sx = 0, sy = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = img[y * width + x];
      m += v;
      sx += v * (x + 0.5);
      sy += v * (y + 0.5);
    }
  }
  return [sx / m, sy / m];
}

/**
 * A drawing as an MNIST image (see the module doc), or null when nothing is drawn.
 *
 * @param {ArrayLike<number>} ink Ink intensities 0..255, row-major `width × height`.
 * @param {number} width
 * @param {number} height
 * @param {number} [size] The field's side (MNIST: 28).
 * @param {number} [box] The side of the box the digit is fitted in (MNIST: 20).
 * @returns {Uint8Array | null} `size × size` bytes, row-major.
 * @example Usage
 * ```js
 * import { mnistDigit } from "./preprocess.js";
 * const ink = new Uint8Array(100 * 100);
 * for (let y = 10; y < 90; y++) ink.fill(255, y * 100 + 40, y * 100 + 60); // an 80-px "1"
 * const digit = mnistDigit(ink, 100, 100); // 5 × 20 in the middle of 28 × 28
 * if (digit?.reduce((a, v) => a + v, 0) !== 100 * 255) throw new Error();
 * ```
 */
export function mnistDigit(ink, width, height, size = 28, box = 20) {
  const b = inkBounds(ink, width, height);
  if (b === null) return null;
  const bw = b.x1 - b.x0, bh = b.y1 - b.y0;
  const crop = new Float64Array(bw * bh);
  for (let y = 0; y < bh; y++) {
    for (let x = 0; x < bw; x++) crop[y * bw + x] = ink[(b.y0 + y) * width + b.x0 + x];
  }
  const side = Math.max(bw, bh);
  const tw = Math.max(1, Math.round(bw * box / side));
  const th = Math.max(1, Math.round(bh * box / side));
  const small = resizeArea(crop, bw, bh, tw, th);
  const [cx, cy] = centerOfMass(small, tw, th);
  const ox = Math.round(size / 2 - cx), oy = Math.round(size / 2 - cy);
  const out = new Uint8Array(size * size);
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const X = x + ox, Y = y + oy;
      if (X >= 0 && X < size && Y >= 0 && Y < size) {
        out[Y * size + X] = Math.min(255, Math.max(0, Math.round(small[y * tw + x])));
      }
    }
  }
  return out;
}

/**
 * The model's input for one image: HWC bytes → NCHW float32, normalized per channel as in
 * training (each step rounded to float32, as `normalizationTable` does).
 *
 * @param {ArrayLike<number>} pixels `height × width × channels` bytes.
 * @param {number} height
 * @param {number} width
 * @param {{ mean: number[], std: number[] }} norm One mean and std per channel.
 * @returns {Float32Array} `channels × height × width` values.
 * @example Usage
 * ```js
 * import { normalizeImage } from "./preprocess.js";
 * const x = normalizeImage([0, 255], 1, 1, { mean: [0, 0.5], std: [1, 0.5] }); // one RG pixel
 * if (x.join() !== "0,1") throw new Error(x.join());
 * ```
 */
export function normalizeImage(pixels, height, width, norm) {
  const C = norm.mean.length, px = height * width, f = Math.fround;
  const out = new Float32Array(C * px);
  for (let c = 0; c < C; c++) {
    const m = f(norm.mean[c]), s = f(norm.std[c]);
    for (let p = 0; p < px; p++) out[c * px + p] = f(f(f(pixels[p * C + c] / 255) - m) / s);
  }
  return out;
}

/**
 * The centred square of a `width × height` picture, which the page resizes to the model's
 * input (CIFAR images are square; photos are cropped, not squashed).
 *
 * @param {number} width
 * @param {number} height
 * @returns {{ sx: number, sy: number, side: number }}
 * @example Usage
 * ```js
 * import { centreSquare } from "./preprocess.js";
 * if (centreSquare(640, 480).sx !== 80) throw new Error();
 * ```
 */
export function centreSquare(width, height) {
  const side = Math.min(width, height);
  return { sx: Math.floor((width - side) / 2), sy: Math.floor((height - side) / 2), side };
}
