/**
 * `Conv2D` (NHWC, float32) for the wasm backend through oneDNN:
 * y[n,oh,ow,co] = Σ_{kh,kw,c} x[n, oh·sh − pt + kh·dh, ow·sw − pl + kw·dw, c]·W[kh,kw,c,co]
 * (0 outside the image), computed by oneDNN's best kernel for the CPU on the tensors in place
 * (x and y NHWC on the wasm heap; W HWIO, reordered into oneDNN's blocked layout in the shim's
 * preallocated buffer). What oneDNN does not take runs on `fallback` (OpenBLAS im2col + sgemm).
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { DnnlLib } from "../_dnnl.ts";
import { type ConvAttrs, convGeometry } from "./_conv_geometry.ts";
import { CONV_FORWARD } from "./_dnnl_plans.ts";
import { runDnnlOrFallback } from "./_dnnl_kernel.ts";

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
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const g = convGeometry(x.shape, filter.shape, args.attrs as unknown as ConvAttrs);
    return runDnnlOrFallback(dnnl, fallback, args, {
      kind: CONV_FORWARD,
      g,
      a: x,
      b: filter,
      outShape: (g) => [g.N, g.OH, g.OW, g.CO],
    });
  };
}
