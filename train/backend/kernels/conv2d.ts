/**
 * `Conv2D` (NHWC) for the wasm backend as im2col + OpenBLAS sgemm:
 * out[n,oh,ow,:] = cols[n,oh,ow,:] · W, with W the filter as a [KH·KW·C, CO] matrix and
 * cols[n,oh,ow,(kh·KW+kw)·C+c] = x[n, oh·sh − pt + kh·dh, ow·sw − pl + kw·dw, c] (0 outside).
 * Images are processed in chunks so the column buffer stays small; other data formats go to the
 * backend's own kernel.
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import type { BlasLib, NativeLib } from "../_libs.ts";
import { callOriginal } from "../_registry.ts";
import { f32View } from "../_wasm_heap.ts";
import { NO_TRANS, ROW_MAJOR } from "./_gemm.ts";
import { type ConvAttrs, convGeometry, forEachColumnChunk } from "./_conv_geometry.ts";

/**
 * Makes the BLAS `Conv2D` kernel function.
 *
 * @example Usage
 * ```ts ignore
 * import * as tf from "@tensorflow/tfjs";
 * tf.registerKernel({ kernelName: "Conv2D", backendName: "wasm", kernelFunc: blasConv2D(blas, native) });
 * ```
 */
export function blasConv2D(blas: BlasLib, native: NativeLib): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as BackendWasm;
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const g = convGeometry(x.shape, filter.shape, args.attrs as unknown as ConvAttrs);
    if (!g || x.dtype !== "float32" || filter.dtype !== "float32") {
      return callOriginal("Conv2D", "wasm", args);
    }
    const out = backend.makeOutput([g.N, g.OH, g.OW, g.CO], "float32");
    const X = f32View(backend, x), F = f32View(backend, filter), Y = f32View(backend, out);
    const rowsPerImage = g.OH * g.OW;
    if (Y.length === 0) return out;
    if (g.K === 0) {
      Y.fill(0);
      return out;
    }
    forEachColumnChunk(g, X, native, (cols, n0, count) => {
      const y = Y.subarray(n0 * rowsPerImage * g.CO, (n0 + count) * rowsPerImage * g.CO);
      blas.cblas_sgemm(
        ROW_MAJOR,
        NO_TRANS,
        NO_TRANS,
        count * rowsPerImage,
        g.CO,
        g.K,
        1,
        cols,
        g.K,
        F,
        g.CO,
        0,
        y,
        g.CO,
      );
    });
    return out;
  };
}
