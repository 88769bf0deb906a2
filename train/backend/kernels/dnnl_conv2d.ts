/**
 * `Conv2D` (NHWC, float32) for the wasm backend through oneDNN:
 * y[n,oh,ow,co] = Σ_{kh,kw,c} x[n, oh·sh − pt + kh·dh, ow·sw − pl + kw·dw, c]·W[kh,kw,c,co]
 * (0 outside the image), computed by oneDNN's best kernel for the CPU on the tensors in place
 * (x and y NHWC on the wasm heap; W HWIO, reordered into oneDNN's blocked layout in the shim's
 * preallocated buffer). What oneDNN does not take runs on `fallback` (OpenBLAS im2col + sgemm).
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import type { DnnlLib } from "../_dnnl.ts";
import { f32View, sizeOf } from "../_wasm_heap.ts";
import { type ConvAttrs, convGeometry } from "./_conv_geometry.ts";
import { CONV_FORWARD, convChunks, countFallback, runChunks } from "./_dnnl_plans.ts";

/**
 * Makes the oneDNN `Conv2D` kernel function.
 *
 * @param dnnl The loaded oneDNN shim.
 * @param fallback The kernel for what oneDNN does not take (other formats, dtypes, empty shapes).
 * @returns The kernel function.
 * @example Usage
 * ```ts ignore
 * import * as tf from "@tensorflow/tfjs";
 * tf.registerKernel({ kernelName: "Conv2D", backendName: "wasm", kernelFunc: dnnlConv2D(dnnl, blasConv2D(blas, native)) });
 * ```
 */
export function dnnlConv2D(dnnl: DnnlLib, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as BackendWasm;
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const g = convGeometry(x.shape, filter.shape, args.attrs as unknown as ConvAttrs);
    const chunks = g && x.dtype === "float32" && filter.dtype === "float32" &&
        sizeOf(x.shape) > 0 && sizeOf(filter.shape) > 0 && g.OH * g.OW > 0
      ? convChunks(dnnl, CONV_FORWARD, g)
      : null;
    if (!g || !chunks) {
      countFallback();
      return fallback(args);
    }
    const out = backend.makeOutput([g.N, g.OH, g.OW, g.CO], "float32");
    runChunks(
      dnnl,
      chunks,
      g,
      f32View(backend, x),
      f32View(backend, filter),
      f32View(backend, out),
    );
    return out;
  };
}
