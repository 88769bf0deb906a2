/**
 * Zero-copy `Identity` and same-dtype `Cast` for the wasm backend: the output shares the input's
 * data (reference counted, as wasm's own `Reshape` does) instead of copying it. tfjs tensors are
 * immutable, so sharing is safe; autodiff and `tf.clone` produce these copies on every step
 * (≈10 ms per 6.5 M floats in wasm's own kernels, mostly page faults on the fresh output).
 * Other casts go to the backend's own kernel.
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { callOriginal } from "../_registry.ts";

function share(backend: BackendWasm, x: tf.TensorInfo): tf.TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

/**
 * The zero-copy `Identity` kernel function (strings go to the backend's own kernel).
 *
 * @example Usage
 * ```ts ignore
 * import * as tf from "@tensorflow/tfjs";
 * tf.registerKernel({ kernelName: "Identity", backendName: "wasm", kernelFunc: sharedIdentity });
 * ```
 */
export const sharedIdentity: tf.KernelFunc = (args) => {
  const { x } = args.inputs as { x: tf.TensorInfo };
  if (x.dtype === "string") return callOriginal("Identity", "wasm", args);
  return share(args.backend as BackendWasm, x);
};

/**
 * The `Cast` kernel function: zero-copy when the dtype does not change.
 *
 * @example Usage
 * ```ts ignore
 * import * as tf from "@tensorflow/tfjs";
 * tf.registerKernel({ kernelName: "Cast", backendName: "wasm", kernelFunc: sharedCast });
 * ```
 */
export const sharedCast: tf.KernelFunc = (args) => {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { dtype } = args.attrs as { dtype: tf.DataType };
  if (x.dtype !== dtype || x.dtype === "string") return callOriginal("Cast", "wasm", args);
  return share(args.backend as BackendWasm, x);
};
