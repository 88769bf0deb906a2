/**
 * Native element-wise `Tanh`, `Log`, `Exp`, `Sqrt`, `Sigmoid` and `Rsqrt` for the wasm
 * backend: vectorized C on two threads (Cephes float32 log/exp/tanh, ≤ 2 ulp; sqrt exact).
 * wasm's own run scalar loops — `Tanh` takes ~130 ms per 10 M floats, and BayesBiNN calls it
 * twice per step over every weight. Non-float32 inputs go to the backend's own kernels.
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import type { NativeLib } from "../_libs.ts";
import { callOriginal } from "../_registry.ts";
import { f32View, sizeOf } from "../_wasm_heap.ts";

/** The unary kernels with a native version, and their op codes in bnn_unary. */
export const NATIVE_UNARY: Readonly<Record<string, number>> = {
  Tanh: 0,
  Log: 1,
  Exp: 2,
  Sqrt: 3,
  Sigmoid: 4,
  Rsqrt: 5,
};

/**
 * Makes the native kernel function for one of {@linkcode NATIVE_UNARY}.
 *
 * @example Usage
 * ```ts ignore
 * import * as tf from "@tensorflow/tfjs";
 * tf.registerKernel({ kernelName: "Tanh", backendName: "wasm", kernelFunc: nativeUnary(native, "Tanh") });
 * ```
 */
export function nativeUnary(native: NativeLib, name: string): tf.KernelFunc {
  const op = NATIVE_UNARY[name];
  if (op === undefined) throw new RangeError(`Cannot make a native unary kernel for '${name}'`);
  return (args) => {
    const backend = args.backend as BackendWasm;
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype !== "float32") return callOriginal(name, "wasm", args);
    const out = backend.makeOutput(x.shape, "float32");
    native.bnn_unary(op, f32View(backend, x), f32View(backend, out), BigInt(sizeOf(x.shape)));
    return out;
  };
}
