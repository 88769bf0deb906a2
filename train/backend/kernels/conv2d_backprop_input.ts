/**
 * `Conv2DBackpropInput` (NHWC) for the wasm backend as sgemm + col2im: the column gradient
 * dcols = dy · Wᵀ ([rows, CO] · [CO, KH·KW·C]) is scattered back with col2im,
 * dx[n, oh·sh − pt + kh, ow·sw − pl + kw, c] += dcols[n,oh,ow,(kh·KW+kw)·C+c].
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import type { BlasLib, NativeLib } from "../_libs.ts";
import { callOriginal } from "../_registry.ts";
import { f32View, scratch } from "../_wasm_heap.ts";
import { NO_TRANS, ROW_MAJOR, TRANS } from "./_gemm.ts";
import {
  chunkImages,
  type ConvAttrs,
  convGeometry,
  geometryArgs,
  isPointwise,
} from "./_conv_geometry.ts";

/**
 * Makes the BLAS `Conv2DBackpropInput` kernel function.
 *
 * @example Usage
 * ```ts ignore
 * import * as tf from "@tensorflow/tfjs";
 * tf.registerKernel({ kernelName: "Conv2DBackpropInput", backendName: "wasm", kernelFunc: blasConv2DBackpropInput(blas, native) });
 * ```
 */
export function blasConv2DBackpropInput(blas: BlasLib, native: NativeLib): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as BackendWasm;
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs & { inputShape: number[] };
    const g = convGeometry(attrs.inputShape, filter.shape, { ...attrs, dilations: 1 });
    if (!g || dy.dtype !== "float32" || filter.dtype !== "float32") {
      return callOriginal("Conv2DBackpropInput", "wasm", args);
    }
    const out = backend.makeOutput([g.N, g.H, g.W, g.C], "float32");
    const DY = f32View(backend, dy), F = f32View(backend, filter), DX = f32View(backend, out);
    const rowsPerImage = g.OH * g.OW;
    if (isPointwise(g)) {
      blas.cblas_sgemm(
        ROW_MAJOR,
        NO_TRANS,
        TRANS,
        g.N * rowsPerImage,
        g.C,
        g.CO,
        1,
        DY,
        g.CO,
        F,
        g.CO,
        0,
        DX,
        g.C,
      );
      return out;
    }
    DX.fill(0);
    if (rowsPerImage === 0 || g.CO === 0) return out;
    const chunk = chunkImages(g);
    const dcols = scratch(chunk * rowsPerImage * g.K);
    for (let n0 = 0; n0 < g.N; n0 += chunk) {
      const count = Math.min(chunk, g.N - n0);
      const rows = count * rowsPerImage;
      const dyc = DY.subarray(n0 * rowsPerImage * g.CO, (n0 + count) * rowsPerImage * g.CO);
      blas.cblas_sgemm(
        ROW_MAJOR,
        NO_TRANS,
        TRANS,
        rows,
        g.K,
        g.CO,
        1,
        dyc,
        g.CO,
        F,
        g.CO,
        0,
        dcols,
        g.K,
      );
      native.bnn_col2im(dcols, DX, ...geometryArgs(g, n0, count));
    }
    return out;
  };
}
