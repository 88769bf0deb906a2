/**
 * `Conv2DBackpropInput` (NHWC, float32) for the wasm backend through oneDNN's backward-data
 * convolution: dx[n,h,w,c] = Σ dy[n,oh,ow,co]·W[kh,kw,c,co] over the (oh, ow, kh, kw) with
 * oh·sh − pt + kh = h and ow·sw − pl + kw = w, on the tensors in place (dy and dx NHWC on the wasm
 * heap; W HWIO, reordered in the shim). What oneDNN does not take runs on `fallback`.
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { DnnlLib } from "../_dnnl.ts";
import { type ConvAttrs, convGeometry } from "./_conv_geometry.ts";
import { CONV_BACKWARD_DATA } from "./_dnnl_plans.ts";
import { runDnnlOrFallback } from "./_dnnl_kernel.ts";

/**
 * Makes the oneDNN `Conv2DBackpropInput` kernel function.
 *
 * @param dnnl The loaded oneDNN shim.
 * @param fallback The kernel for what oneDNN does not take.
 * @returns The kernel function.
 * @example Usage
 * ```ts ignore
 * import * as tf from "@tensorflow/tfjs";
 * tf.registerKernel({ kernelName: "Conv2DBackpropInput", backendName: "wasm", kernelFunc: dnnlConv2DBackpropInput(dnnl, fallback) });
 * ```
 */
export function dnnlConv2DBackpropInput(dnnl: DnnlLib, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs & { inputShape: number[] };
    const g = convGeometry(attrs.inputShape, filter.shape, { ...attrs, dilations: 1 });
    return runDnnlOrFallback(dnnl, fallback, args, {
      kind: CONV_BACKWARD_DATA,
      g,
      a: dy,
      b: filter,
      outShape: (g) => [g.N, g.H, g.W, g.C],
    });
  };
}
