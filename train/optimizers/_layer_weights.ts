/**
 * Shared by the optimizers: the weight tensors handed to the network, one per
 * binary layer, written from Float32Arrays by the optimizers' fused kernels
 * (`bayesBinnSampleRng`, `signInto`), and float32 reads of tensors.
 *
 * On the wasm-based backends (`blas`, `wasm`) each fill allocates one tensor per
 * layer on the wasm heap without initialising it and writes it in place through a
 * zero-copy view ({@linkcode wasmView}): no copy. The tensors are not kept from one
 * step to the next, because tfjs-backend-wasm's XNNPACK matmul and convolution
 * operators cache the packed weights under the tensor's id until it is disposed,
 * so rewriting a live weight tensor would leave them computing with stale weights.
 * On other backends (`cpu`) each fill wraps fresh arrays in new tensors (tfjs
 * keeps the array). {@linkcode LayerWeights.release} frees them either way.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { wasmView } from "../backend/wasm_view.ts";

/** Whether tensors created now live on the tfjs `wasm` backend (bnn's `blas` and `wasm`). */
function onWasm(): boolean {
  return tf.getBackend() === "wasm";
}

/**
 * A float32 tensor's values without a copy where possible: a view of the wasm heap
 * on the wasm backend (valid until the next tfjs allocation: use it at once),
 * else `dataSync()`. Read only.
 *
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { tensorData } from "./_layer_weights.ts";
 * const t = tf.tensor1d([1, 2]);
 * if (tensorData(t)[1] !== 2) throw new Error("bad read");
 * t.dispose();
 * ```
 */
export function tensorData(t: tf.Tensor): Float32Array {
  return onWasm() ? wasmView(t) : (t.dataSync() as Float32Array);
}

/**
 * One weight tensor per binary layer, filled by a writer function.
 *
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { LayerWeights } from "./_layer_weights.ts";
 * const lw = new LayerWeights([[2, 1]]);
 * const [w] = lw.fill((_i, out) => out.set([1, -1]));
 * if (w.dataSync()[1] !== -1) throw new Error("not filled");
 * lw.release();
 * lw.dispose();
 * ```
 */
export class LayerWeights {
  readonly shapes: readonly number[][];
  readonly sizes: readonly number[];
  #tensors: tf.Tensor[] = [];

  /** @param shapes One kernel shape per binary layer. */
  constructor(shapes: number[][]) {
    this.shapes = shapes;
    this.sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
  }

  /**
   * Calls `write(i, out)` for each layer with the array behind its new tensor (every element
   * must be written) and returns the tensors (not the caller's to dispose; valid until the
   * next `fill`, `release` or `dispose`). `write` must not allocate tfjs tensors.
   */
  fill(write: (i: number, out: Float32Array) => void): tf.Tensor[] {
    this.release();
    if (onWasm()) {
      const backend = tf.backend() as unknown as {
        makeOutput(shape: number[], dtype: "float32"): tf.TensorInfo;
      };
      this.#tensors = this.shapes.map((s) =>
        tf.keep(tf.engine().makeTensorFromTensorInfo(backend.makeOutput(s, "float32")))
      );
      // views after every allocation: the heap may have grown
      this.#tensors.forEach((t, i) => write(i, wasmView(t)));
    } else {
      this.#tensors = this.shapes.map((s, i) => {
        const a = new Float32Array(this.sizes[i]);
        write(i, a);
        return tf.keep(tf.tensor(a, s));
      });
    }
    return this.#tensors;
  }

  /** Frees the tensors of the last `fill`. */
  release(): void {
    tf.dispose(this.#tensors);
    this.#tensors = [];
  }

  /** Frees every tensor. */
  dispose(): void {
    this.release();
  }
}

/**
 * Wraps one Float32Array per layer in new tensors of the given shapes (the caller disposes).
 *
 * @example Usage
 * ```ts
 * import { toTensors } from "./_layer_weights.ts";
 * const [t] = toTensors([new Float32Array([1, -1])], [[2]]);
 * if (t.shape[0] !== 2) throw new Error("shape");
 * t.dispose();
 * ```
 */
export function toTensors(arrays: Float32Array[], shapes: readonly number[][]): tf.Tensor[] {
  return arrays.map((a, i) => tf.tensor(a, shapes[i]));
}
