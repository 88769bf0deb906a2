/**
 * Shared by the device optimizers (./device_bayes_binn.ts, ./device_ste.ts, ./device_adam.ts),
 * whose state lives in tfjs variables on the active backend: reading that state out as the
 * {@linkcode OptimizerState} checkpoints store (synchronously where the backend allows it,
 * `await`ed on `webgpu`, whose reads are asynchronous only) and writing it back.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { OptimizerState } from "./binary_optimizer.ts";

/**
 * A state being read: its counters, and its arrays still as tensors on the device.
 *
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { DeviceState } from "./_device_state.ts";
 * const s: DeviceState = { numbers: { step: 1 }, tensors: [["lambda.0", tf.ones([2])]] };
 * s.tensors[0][1].dispose();
 * ```
 */
export interface DeviceState {
  numbers: Record<string, number>;
  tensors: [string, tf.Tensor][];
}

/**
 * The {@linkcode OptimizerState} of `s`, read synchronously (not on `webgpu`); copies.
 *
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { readState } from "./_device_state.ts";
 * const s = readState({ numbers: { step: 2 }, tensors: [["x.0", tf.tensor1d([1, 2])]] });
 * if (s.step !== 2 || (s["x.0"] as Float32Array)[1] !== 2) throw new Error();
 * ```
 */
export function readState(s: DeviceState): OptimizerState {
  const out: OptimizerState = { ...s.numbers };
  for (const [k, t] of s.tensors) out[k] = (t.dataSync() as Float32Array).slice();
  return out;
}

/**
 * The {@linkcode OptimizerState} of `s`, read asynchronously (any backend); copies.
 *
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { readStateAsync } from "./_device_state.ts";
 * const s = await readStateAsync({ numbers: {}, tensors: [["x.0", tf.tensor1d([3])]] });
 * if ((s["x.0"] as Float32Array)[0] !== 3) throw new Error();
 * ```
 */
export async function readStateAsync(s: DeviceState): Promise<OptimizerState> {
  const out: OptimizerState = { ...s.numbers };
  const arrays = await Promise.all(s.tensors.map(([_, t]) => t.data()));
  s.tensors.forEach(([k], i) => out[k] = (arrays[i] as Float32Array).slice());
  return out;
}

/**
 * New variables holding `arrays` with the given shapes (the caller disposes).
 *
 * @example Usage
 * ```ts
 * import { variablesOf } from "./_device_state.ts";
 * const [v] = variablesOf([new Float32Array([1, 2])], [[2, 1]]);
 * if (v.shape[0] !== 2) throw new Error();
 * v.dispose();
 * ```
 */
export function variablesOf(arrays: Float32Array[], shapes: readonly number[][]): tf.Variable[] {
  return arrays.map((a, i) => {
    const t = tf.tensor(a, shapes[i]);
    const v = tf.variable(t, false);
    t.dispose(); // the variable holds its own reference to the data
    return v;
  });
}
