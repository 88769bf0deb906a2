/**
 * Shared by the optimizers: reading and writing their serializable state
 * ({@linkcode OptimizerState}) with validation before anything changes.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { RngState } from "../random.ts";
import type { OptimizerState } from "./binary_optimizer.ts";

/**
 * Reads `s[key]` as a Float32Array of `size` elements.
 * @throws {RangeError} If it is missing or has another length.
 *
 * @example Usage
 * ```ts
 * import { stateArray } from "./_state.ts";
 * const a = stateArray({ x: new Float32Array(2) }, "x", 2);
 * if (a.length !== 2) throw new Error("bad");
 * ```
 */
export function stateArray(s: OptimizerState, key: string, size: number): Float32Array {
  const a = s[key];
  if (!(a instanceof Float32Array) || a.length !== size) {
    throw new RangeError(
      `Cannot set optimizer state as ${key} must be a Float32Array of length ${size}: current value is ${
        a instanceof Float32Array ? `length ${a.length}` : String(a)
      }`,
    );
  }
  return a;
}

/**
 * Assigns arrays to variables of the same sizes.
 *
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { assignArrays } from "./_state.ts";
 * const v = tf.variable(tf.zeros([2]));
 * assignArrays([v], [new Float32Array([1, 2])]);
 * if (v.dataSync()[1] !== 2) throw new Error("bad");
 * v.dispose();
 * ```
 */
export function assignArrays(vars: tf.Variable[], arrays: Float32Array[]): void {
  tf.tidy(() => vars.forEach((v, i) => v.assign(tf.tensor(arrays[i], v.shape))));
}

/**
 * Reads `rng.0`..`rng.3` from an optimizer state.
 *
 * @example Usage
 * ```ts
 * import { readRngState } from "./_state.ts";
 * const st = readRngState({ "rng.0": 1, "rng.1": 2, "rng.2": 3, "rng.3": 4 });
 * if (st[3] !== 4) throw new Error("bad");
 * ```
 */
export function readRngState(s: OptimizerState): RngState {
  const words = [0, 1, 2, 3].map((k) => s[`rng.${k}`]);
  if (!words.every((w) => typeof w === "number" && Number.isInteger(w) && w >= 0 && w < 2 ** 32)) {
    throw new RangeError(
      `Cannot set optimizer state as rng.0..rng.3 must be unsigned 32-bit integers: current value is ${
        JSON.stringify(words.map((w) => (w instanceof Float32Array ? "Float32Array" : w)))
      }`,
    );
  }
  return words as RngState;
}
