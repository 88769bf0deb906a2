/**
 * `Sum` and `Mean` over every axis but the last (BatchNorm's statistics and the gradients of
 * its broadcasts), as a native column sum: out[c] = s·Σ_r x[r, c] with s = 1 or 1/rows.
 * wasm's own kernels transpose the whole input first; other reductions go to them.
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import type { NativeLib } from "../_libs.ts";
import { callOriginal } from "../_registry.ts";
import { f32View, scratch, sizeOf } from "../_wasm_heap.ts";

/** True when `axis` names exactly the axes 0..rank−2. */
export function isLeadingAxes(axis: number | number[], rank: number): boolean {
  const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)).sort((
    a,
    b,
  ) => a - b);
  return rank >= 2 && axes.length === rank - 1 && axes.every((a, i) => a === i);
}

/**
 * Makes the native `Sum` (mean = false) or `Mean` (mean = true) kernel function.
 *
 * @example Usage
 * ```ts ignore
 * import * as tf from "@tensorflow/tfjs";
 * tf.registerKernel({ kernelName: "Sum", backendName: "wasm", kernelFunc: nativeColumnReduce(native, false) });
 * ```
 */
export function nativeColumnReduce(native: NativeLib, mean: boolean): tf.KernelFunc {
  const name = mean ? "Mean" : "Sum";
  return (args) => {
    const backend = args.backend as BackendWasm;
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
    const rank = x.shape.length;
    if (x.dtype !== "float32" || !isLeadingAxes(axis, rank)) {
      return callOriginal(name, "wasm", args);
    }
    const cols = x.shape[rank - 1], rows = sizeOf(x.shape) / Math.max(1, cols);
    const outShape = keepDims ? [...x.shape.slice(0, -1).map(() => 1), cols] : [cols];
    const out = backend.makeOutput(outShape, "float32");
    const scale = mean ? 1 / rows : 1;
    native.bnn_col_sum(
      f32View(backend, x),
      f32View(backend, out),
      BigInt(rows),
      BigInt(cols),
      scale,
      scratch(cols),
    );
    return out;
  };
}
