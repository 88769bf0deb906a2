/**
 * Zero-copy access to a tensor of the tfjs `wasm` backend (bnn's `blas` and `wasm`) from
 * TypeScript: a Float32Array over the tensor's bytes on the wasm heap. The optimizers write
 * their weight tensors and read their gradients through it (`../optimizers/_layer_weights.ts`).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { f32View } from "./_wasm_heap.ts";

/**
 * A zero-copy Float32Array view of a float32 tensor on the tfjs `wasm` backend. Writing to it
 * changes the tensor in place: only do that to tensors you own exclusively (not clones, which
 * share data) and have not yet used as a matmul/conv weight (XNNPACK caches packed weights under
 * the tensor's id until it is disposed). The view is invalid after the wasm heap grows: take it
 * right before use.
 *
 * @throws {TypeError} If the tensor is not float32 or does not live on the `wasm` backend.
 *
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { initBackend } from "./init_backend.ts";
 * import { wasmView } from "./wasm_view.ts";
 * await initBackend("wasm");
 * const t = tf.zeros([3]);
 * wasmView(t)[1] = 5;
 * if (t.dataSync()[1] !== 5) throw new Error("not in place");
 * ```
 */
export function wasmView(t: tf.Tensor): Float32Array {
  if (t.dtype !== "float32") {
    throw new TypeError(`Cannot view tensor as float32: dtype is ${t.dtype}`);
  }
  const info = (tf.engine() as unknown as {
    state: { tensorInfo: WeakMap<object, { backend: unknown }> };
  }).state.tensorInfo.get(t.dataId);
  const backend = info?.backend as BackendWasm | undefined;
  if (!backend || typeof backend.wasm !== "object" || !backend.dataIdMap) {
    throw new TypeError("Cannot view tensor: it does not live on the tfjs 'wasm' backend");
  }
  return f32View(backend, t);
}
