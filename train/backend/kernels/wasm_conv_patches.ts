/**
 * Convolution gradients built from a backend's own `Conv2D` (XNNPACK on wasm), for when the
 * native kernels are not available:
 *
 * - `Conv2DBackpropFilter` (missing in wasm, 0.01 GFLOP/s on cpu):
 *   dW[kh,kw,c,co] = Σ_{n,oh,ow} x[n, oh·sh − pt + kh, ow·sw − pl + kw, c]·dy[n,oh,ow,co]
 *   is a convolution of xᵀ ([C,H,W,N]) with dyᵀ ([OH,OW,N,CO]) at dilation (sh, sw), stride 1,
 *   transposed back to [KH,KW,C,CO].
 * - `Conv2DBackpropInput` at stride 1 (wasm's own is a plain loop, ~10x slower):
 *   dx = conv(dy, W rotated 180° with in/out channels swapped), padding KH−1−pt on top and
 *   H − OH + pt at the bottom (likewise for the width).
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import { callOriginal, run } from "../_registry.ts";
import { type ConvAttrs, convGeometry } from "./_conv_geometry.ts";

/**
 * `Conv2DBackpropFilter` through the backend's own Conv2D of transposed operands.
 *
 * @example Usage
 * ```ts ignore
 * import * as tf from "@tensorflow/tfjs";
 * tf.registerKernel({ kernelName: "Conv2DBackpropFilter", backendName: "wasm", kernelFunc: transposedConv2DBackpropFilter("wasm") });
 * ```
 */
export function transposedConv2DBackpropFilter(backendName: string): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as tf.KernelBackend;
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs & { filterShape: number[] };
    const g = convGeometry(x.shape, attrs.filterShape, { ...attrs, dilations: 1 });
    if (!g) {
      throw new Error(
        `Conv2DBackpropFilter supports only NHWC: current dataFormat is ${attrs.dataFormat}`,
      );
    }
    const temps: tf.TensorInfo[] = [];
    const k = (name: string, inputs: tf.NamedTensorInfoMap, kattrs: tf.NamedAttrMap) => {
      const out = run(name, backendName, { inputs, backend, attrs: kattrs });
      temps.push(out);
      return out;
    };
    const xT = k("Transpose", { x }, { perm: [3, 1, 2, 0] });
    const dyT = k("Transpose", { x: dy }, { perm: [1, 2, 0, 3] });
    const pb = Math.max(0, g.KH - g.H - g.pt + (g.OH - 1) * g.sh);
    const pr = Math.max(0, g.KW - g.W - g.pl + (g.OW - 1) * g.sw);
    let res = k("Conv2D", { x: xT, filter: dyT }, {
      strides: [1, 1],
      pad: [[0, 0], [g.pt, pb], [g.pl, pr], [0, 0]],
      dataFormat: "NHWC",
      dilations: [g.sh, g.sw],
    } as unknown as tf.NamedAttrMap);
    if (res.shape[1] !== g.KH || res.shape[2] !== g.KW) {
      res = k("Slice", { x: res }, { begin: [0, 0, 0, 0], size: [g.C, g.KH, g.KW, g.CO] });
    }
    const out = run("Transpose", backendName, {
      inputs: { x: res },
      backend,
      attrs: { perm: [1, 2, 0, 3] },
    });
    for (const t of temps) backend.disposeData(t.dataId);
    return out;
  };
}

/**
 * `Conv2DBackpropInput` through the backend's own Conv2D with the rotated filter (stride 1;
 * other strides go to the backend's own kernel).
 *
 * @example Usage
 * ```ts ignore
 * import * as tf from "@tensorflow/tfjs";
 * tf.registerKernel({ kernelName: "Conv2DBackpropInput", backendName: "wasm", kernelFunc: rotatedConv2DBackpropInput("wasm") });
 * ```
 */
export function rotatedConv2DBackpropInput(backendName: string): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as tf.KernelBackend;
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs & { inputShape: number[] };
    const g = convGeometry(attrs.inputShape, filter.shape, { ...attrs, dilations: 1 });
    const top = g ? g.KH - 1 - g.pt : -1, left = g ? g.KW - 1 - g.pl : -1;
    const bottom = g ? g.H - g.OH + g.pt : -1, right = g ? g.W - g.OW + g.pl : -1;
    if (!g || g.sh !== 1 || g.sw !== 1 || Math.min(top, left, bottom, right) < 0) {
      return callOriginal("Conv2DBackpropInput", backendName, args);
    }
    const rev = run("Reverse", backendName, {
      inputs: { x: filter },
      backend,
      attrs: { dims: [0, 1] },
    });
    const rot = run("Transpose", backendName, {
      inputs: { x: rev },
      backend,
      attrs: { perm: [0, 1, 3, 2] },
    });
    const out = run("Conv2D", backendName, {
      inputs: { x: dy, filter: rot },
      backend,
      attrs: {
        strides: [1, 1],
        pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
        dataFormat: "NHWC",
        dilations: [1, 1],
      } as unknown as tf.NamedAttrMap,
    });
    backend.disposeData(rev.dataId);
    backend.disposeData(rot.dataId);
    return out;
  };
}
