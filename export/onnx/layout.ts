/**
 * tfjs → ONNX weight layouts. ONNX is NCHW, tfjs NHWC: conv kernels go from tfjs HWIO
 * `[kh, kw, cin, cout]` to ONNX OIHW `[cout, cin, kh, kw]`; dense kernels stay `[in, out]`
 * (MatMul), but tfjs flattens NHWC, index `(h·W + w)·C + c`, and ONNX flattens NCHW, index
 * `(c·H + h)·W + w`, so the rows of the first dense layer after a flatten are permuted,
 * W'[(c·H+h)·W+w] = W[(h·W+w)·C+c] (exact: a permutation; the identity when C = 1 or
 * H·W = 1).
 * @module
 */
import type { ExampleShape } from "../../train/models/shapes.ts";
import type { LayerSpec } from "../../train/models/spec.ts";

/**
 * Converts a conv kernel from tfjs HWIO `[kh, kw, cin, cout]` to ONNX OIHW.
 *
 * @example Usage
 * ```ts
 * import { hwioToOihw } from "./layout.ts";
 * // kh = kw = 1, cin = 2, cout = 3: HWIO [[a0,a1,a2],[b0,b1,b2]] → OIHW [a0,b0,a1,b1,a2,b2]
 * const o = hwioToOihw(new Float32Array([0, 1, 2, 10, 11, 12]), 1, 1, 2, 3);
 * if (o.join() !== "0,10,1,11,2,12") throw new Error(o.join());
 * ```
 */
export function hwioToOihw(
  w: Float32Array,
  kh: number,
  kw: number,
  cin: number,
  cout: number,
): Float32Array {
  const out = new Float32Array(w.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < cin; i++) {
        for (let o = 0; o < cout; o++) {
          out[((o * cin + i) * kh + y) * kw + x] = w[((y * kw + x) * cin + i) * cout + o];
        }
      }
    }
  }
  return out;
}

/**
 * Permutes the rows of a dense kernel `[c·h·w, units]` from tfjs's NHWC flatten order
 * to ONNX's NCHW flatten order: W'[(c·H+h)·W+w] = W[(h·W+w)·C+c].
 *
 * @example Usage
 * ```ts
 * import { nhwcRowsToNchw } from "./layout.ts";
 * // H = 1, W = 2, C = 2, one unit: tfjs rows (h0w0c0, h0w0c1, h0w1c0, h0w1c1)
 * const p = nhwcRowsToNchw(new Float32Array([1, 2, 3, 4]), 2, 1, 2, 1);
 * if (p.join() !== "1,3,2,4") throw new Error(p.join());
 * ```
 */
export function nhwcRowsToNchw(
  w: Float32Array,
  c: number,
  h: number,
  wd: number,
  units: number,
): Float32Array {
  const out = new Float32Array(w.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < wd; x++) {
      for (let k = 0; k < c; k++) {
        const src = ((y * wd + x) * c + k) * units;
        const dst = ((k * h + y) * wd + x) * units;
        out.set(w.subarray(src, src + units), dst);
      }
    }
  }
  return out;
}

type Dense = Extract<LayerSpec, { type: "dense" }>;
type Conv2d = Extract<LayerSpec, { type: "conv2d" }>;

/**
 * The NHWC image whose flatten feeds layer `i`: the input of the last `flatten` of an image
 * before it, with no dense layer in between (so only the first dense layer after a flatten
 * gets its rows permuted).
 *
 * @param inputs Every layer's input shape (`layerInputShapes`).
 * @example Usage
 * ```ts
 * import { flattenedImage } from "./layout.ts";
 * import type { LayerSpec } from "../../train/models/spec.ts";
 * const layers: LayerSpec[] = [
 *   { type: "flatten" },
 *   { type: "relu" },
 *   { type: "dense", inputs: 4, units: 2 },
 * ];
 * const img = flattenedImage(layers, [[1, 2, 2], [4], [4]], 2);
 * if (img?.join() !== "1,2,2") throw new Error(String(img));
 * ```
 */
export function flattenedImage(
  layers: LayerSpec[],
  inputs: ExampleShape[],
  i: number,
): ExampleShape | undefined {
  for (let j = i - 1; j >= 0 && layers[j].type !== "dense"; j--) {
    if (layers[j].type === "flatten" && inputs[j].length === 3) return inputs[j];
  }
  return undefined;
}

/**
 * A binary layer's kernel in ONNX layout: dense `[in, out]`, its rows permuted to NCHW
 * flatten order when its input is a flattened image; conv OIHW `[cout, cin, kh, kw]`.
 *
 * @param w The tfjs kernel (dense `[in, out]`, conv HWIO), row-major.
 * @param image For a dense layer, the NHWC image its input was flattened from, if any
 *   ({@linkcode flattenedImage}).
 * @example Usage
 * ```ts
 * import { onnxKernel } from "./layout.ts";
 * const k = onnxKernel({ type: "conv2d", inChannels: 2, filters: 1, kernelSize: 1, padding: 0 },
 *   new Float32Array([1, -1]));
 * if (k.dims.join() !== "1,2,1,1" || k.w.join() !== "1,-1") throw new Error();
 * ```
 */
export function onnxKernel(
  layer: Dense | Conv2d,
  w: Float32Array,
  image?: ExampleShape,
): { dims: number[]; w: Float32Array } {
  if (layer.type === "conv2d") {
    const { kernelSize: k, inChannels, filters } = layer;
    return { dims: [filters, inChannels, k, k], w: hwioToOihw(w, k, k, inChannels, filters) };
  }
  const dims = [layer.inputs, layer.units];
  if (!image) return { dims, w };
  const [h, wd, c] = image;
  return { dims, w: nhwcRowsToNchw(w, c, h, wd, layer.units) };
}
