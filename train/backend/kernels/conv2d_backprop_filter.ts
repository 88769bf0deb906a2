/**
 * `Conv2DBackpropFilter` (NHWC) for the wasm backend (which has none) as im2col + sgemm:
 * dW = Σ_chunks colsᵀ · dy ([KH·KW·C, rows] · [rows, CO]), accumulated in place (beta = 1 after
 * the first chunk).
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import type { BlasLib, NativeLib } from "../_libs.ts";
import { f32View } from "../_wasm_heap.ts";
import { NO_TRANS, ROW_MAJOR, TRANS } from "./_gemm.ts";
import { type ConvAttrs, convGeometry, forEachColumnChunk } from "./_conv_geometry.ts";
import { transposedConv2DBackpropFilter } from "./wasm_conv_patches.ts";

/**
 * Makes the BLAS `Conv2DBackpropFilter` kernel function.
 *
 * @example Usage
 * ```ts ignore
 * import * as tf from "@tensorflow/tfjs";
 * tf.registerKernel({ kernelName: "Conv2DBackpropFilter", backendName: "wasm", kernelFunc: blasConv2DBackpropFilter(blas, native) });
 * ```
 */
export function blasConv2DBackpropFilter(blas: BlasLib, native: NativeLib): tf.KernelFunc {
  const fallback = transposedConv2DBackpropFilter("wasm");
  return (args) => {
    const backend = args.backend as BackendWasm;
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs & { filterShape: number[] };
    const g = convGeometry(x.shape, attrs.filterShape, { ...attrs, dilations: 1 });
    if (!g || x.dtype !== "float32" || dy.dtype !== "float32") return fallback(args);
    const out = backend.makeOutput(attrs.filterShape, "float32");
    const X = f32View(backend, x), DY = f32View(backend, dy), DW = f32View(backend, out);
    const rowsPerImage = g.OH * g.OW;
    if (g.N * rowsPerImage === 0) {
      DW.fill(0);
      return out;
    }
    forEachColumnChunk(g, X, native, (cols, n0, count) => {
      const dyc = DY.subarray(n0 * rowsPerImage * g.CO, (n0 + count) * rowsPerImage * g.CO);
      blas.cblas_sgemm(
        ROW_MAJOR,
        TRANS,
        NO_TRANS,
        g.K,
        g.CO,
        count * rowsPerImage,
        1,
        cols,
        g.K,
        dyc,
        g.CO,
        n0 === 0 ? 0 : 1,
        DW,
        g.CO,
      );
    });
    return out;
  };
}
