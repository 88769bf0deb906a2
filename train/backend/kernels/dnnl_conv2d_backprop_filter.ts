/**
 * `Conv2DBackpropFilter` (NHWC, float32) for the wasm backend through oneDNN's backward-weights
 * convolution: dW[kh,kw,c,co] = Σ_{n,oh,ow} x[n, oh·sh − pt + kh, ow·sw − pl + kw, c]·dy[n,oh,ow,co],
 * on the tensors in place (x and dy NHWC on the wasm heap; dW computed in oneDNN's blocked
 * layout and reordered to HWIO in the shim). What oneDNN does not take runs on `fallback`.
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { DnnlLib } from "../_dnnl.ts";
import { type ConvAttrs, convGeometry } from "./_conv_geometry.ts";
import { CONV_BACKWARD_WEIGHTS } from "./_dnnl_plans.ts";
import { runDnnlOrFallback } from "./_dnnl_kernel.ts";

/**
 * Makes the oneDNN `Conv2DBackpropFilter` kernel function.
 *
 * @param dnnl The loaded oneDNN shim.
 * @param fallback The kernel for what oneDNN does not take.
 * @returns The kernel function.
 * @example Usage
 * ```ts ignore
 * import * as tf from "@tensorflow/tfjs";
 * tf.registerKernel({ kernelName: "Conv2DBackpropFilter", backendName: "wasm", kernelFunc: dnnlConv2DBackpropFilter(dnnl, fallback) });
 * ```
 */
export function dnnlConv2DBackpropFilter(dnnl: DnnlLib, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs & { filterShape: number[] };
    const g = convGeometry(x.shape, attrs.filterShape, { ...attrs, dilations: 1 });
    return runDnnlOrFallback(dnnl, fallback, args, {
      kind: CONV_BACKWARD_WEIGHTS,
      g,
      a: x,
      b: dy,
      outShape: () => attrs.filterShape,
    });
  };
}
