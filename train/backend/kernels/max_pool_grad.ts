/**
 * `MaxPoolGrad` (NHWC) in native code: each dy[n,oh,ow,c] is added to dx at the first maximum
 * (strict >, in kh, kw order) of its window of x — tfjs cpu's rule. wasm's own kernel (tfjs
 * 4.22) is slow and WRONG when a window's values are all negative (the gradient is dropped), so
 * both the `blas` and the `wasm` backends replace it: native code when built, else a JS loop.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import type { NativeLib } from "../_libs.ts";
import { callOriginal } from "../_registry.ts";
import { f32View } from "../_wasm_heap.ts";

/**
 * Makes the native `MaxPoolGrad` kernel function.
 *
 * @example Usage
 * ```ts ignore
 * import * as tf from "@tensorflow/tfjs";
 * tf.registerKernel({ kernelName: "MaxPoolGrad", backendName: "wasm", kernelFunc: nativeMaxPoolGrad(native) });
 * ```
 */
export function nativeMaxPoolGrad(native: NativeLib | null): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as BackendWasm;
    const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as {
      filterSize: number | [number, number];
      strides: number | [number, number];
      pad: "valid" | "same" | number;
      dimRoundingMode?: "floor" | "round" | "ceil";
    };
    if (input.dtype !== "float32" || dy.dtype !== "float32" || input.shape.length !== 4) {
      return callOriginal("MaxPoolGrad", "wasm", args);
    }
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      filterSize,
      strides,
      1,
      pad,
      dimRoundingMode,
    );
    const out = backend.makeOutput(input.shape, "float32");
    const pool = native ? native.bnn_max_pool_grad : jsMaxPoolGrad;
    pool(
      f32View(backend, input),
      f32View(backend, dy),
      f32View(backend, out),
      info.batchSize,
      info.inHeight,
      info.inWidth,
      info.inChannels,
      info.filterHeight,
      info.filterWidth,
      info.strideHeight,
      info.strideWidth,
      info.padInfo.top,
      info.padInfo.left,
      info.outHeight,
      info.outWidth,
    );
    return out;
  };
}

/** The JS twin of the native kernel (same arguments, same rule). */
function jsMaxPoolGrad(
  x: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  N: number,
  H: number,
  W: number,
  C: number,
  KH: number,
  KW: number,
  sh: number,
  sw: number,
  pt: number,
  pl: number,
  OH: number,
  OW: number,
): void {
  dx.fill(0);
  for (let n = 0; n < N; n++) {
    const base = n * H * W * C;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const g = ((n * OH + oh) * OW + ow) * C;
        for (let c = 0; c < C; c++) {
          let best = -Infinity, at = -1;
          for (let kh = 0; kh < KH; kh++) {
            const ih = oh * sh - pt + kh;
            if (ih < 0 || ih >= H) continue;
            for (let kw = 0; kw < KW; kw++) {
              const iw = ow * sw - pl + kw;
              if (iw < 0 || iw >= W) continue;
              const idx = base + (ih * W + iw) * C + c;
              if (at < 0 || x[idx] > best) {
                best = x[idx];
                at = idx;
              }
            }
          }
          if (at >= 0) dx[at] += dy[g + c];
        }
      }
    }
  }
}
