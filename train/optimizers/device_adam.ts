/**
 * {@linkcode Adam} with its moments in tfjs variables on the active backend, for the device
 * optimizers (./device_ste.ts, ./device_bayes_binn.ts): the equations (1)–(6) of ./adam.ts, one
 * tfjs op per operation in the order written, each rounded to float32 by the backend's kernel.
 * The two fused multiply-adds of (2) and (3) are a multiply then an add here (two roundings),
 * and the GPU's `sqrt` and `/` may differ from the correctly rounded ones by an ulp or two, so
 * results match the CPU kernel within a few float32 ulps per step, not bit for bit. Scalars are
 * the CPU kernel's, rounded to float32 once. The state has the keys of {@linkcode Adam}'s.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { AdamOptions, AdamParam } from "./adam.ts";
import type { OptimizerState } from "./binary_optimizer.ts";
import { type DeviceState, variablesOf } from "./_device_state.ts";
import { assignArrays, stateArray } from "./_state.ts";

const f = Math.fround;

/**
 * Adam over tfjs variables.
 *
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { DeviceAdam } from "./device_adam.ts";
 * const p = tf.variable(tf.tensor1d([1, -1]));
 * const adam = new DeviceAdam([{ size: 2 }], [[2]]);
 * adam.apply([p], [tf.tensor1d([1, -1])], 0.1);
 * // the first step moves every element by about lr against its gradient's sign
 * if (Math.abs((await p.data())[0] - 0.9) > 1e-6) throw new Error();
 * adam.dispose();
 * p.dispose();
 * ```
 */
export class DeviceAdam {
  /** Steps taken so far (t of the last update). */
  step = 0;
  readonly params: readonly AdamParam[];
  readonly opts: AdamOptions;
  readonly #m: tf.Variable[];
  readonly #v: tf.Variable[];

  /**
   * @param params Sizes and clamps of the parameters, in the order of `apply`.
   * @param shapes Their shapes.
   */
  constructor(params: AdamParam[], shapes: readonly number[][], opts: AdamOptions = {}) {
    this.params = params;
    this.opts = opts;
    this.#m = variablesOf(params.map((p) => new Float32Array(p.size)), shapes);
    this.#v = variablesOf(params.map((p) => new Float32Array(p.size)), shapes);
  }

  /**
   * One step t ← t + 1: assigns each `values[i]` its update with `grads[i]` (same shapes; the
   * gradients stay the caller's).
   * @throws {RangeError} On a wrong number of tensors.
   */
  apply(values: tf.Variable[], grads: tf.Tensor[], lr: number): void {
    const n = this.params.length;
    if (values.length !== n || grads.length !== n) {
      throw new RangeError(
        `Cannot apply Adam as values and grads must have ${n} tensors: current lengths are ${values.length} and ${grads.length}`,
      );
    }
    this.step++;
    const b1 = this.opts.beta1 ?? 0.9, b2 = this.opts.beta2 ?? 0.999;
    const k = {
      b1: f(b1),
      omb1: f(1 - b1),
      b2: f(b2),
      omb2: f(1 - b2),
      eps: f(this.opts.epsilon ?? 1e-8),
      stepSize: f(lr / (1 - b1 ** this.step)),
      bc2: f(Math.sqrt(1 - b2 ** this.step)),
    };
    tf.tidy(() =>
      this.params.forEach((p, i) => {
        const gc = f(p.gradClip ?? 0), wc = f(p.weightClip ?? 0);
        const g = gc > 0 ? tf.clipByValue(grads[i], -gc, gc) : grads[i]; // (1)
        const m = tf.add(tf.mul(this.#m[i], k.b1), tf.mul(k.omb1, g)); // (2)
        const v = tf.add(tf.mul(this.#v[i], k.b2), tf.mul(tf.mul(k.omb2, g), g)); // (3)
        const denom = tf.add(tf.div(tf.sqrt(v), k.bc2), k.eps); // (4)
        const w = tf.sub(values[i], tf.div(tf.mul(k.stepSize, m), denom)); // (5)
        this.#m[i].assign(m);
        this.#v[i].assign(v);
        values[i].assign(wc > 0 ? tf.clipByValue(w, -wc, wc) : w); // (6)
      })
    );
  }

  /** Moments and step count as tensors, keyed as {@linkcode Adam.getState}'s. */
  stateTensors(prefix: string): DeviceState {
    return {
      numbers: { [`${prefix}step`]: this.step },
      tensors: [
        ...this.#m.map((m, i): [string, tf.Tensor] => [`${prefix}m.${i}`, m]),
        ...this.#v.map((v, i): [string, tf.Tensor] => [`${prefix}v.${i}`, v]),
      ],
    };
  }

  /** Restores {@linkcode Adam.getState}'s keys (validated before anything changes). */
  setState(s: OptimizerState, prefix: string): void {
    const step = s[`${prefix}step`];
    if (typeof step !== "number" || !Number.isInteger(step) || step < 0) {
      throw new RangeError(
        `Cannot set Adam state as ${prefix}step must be a non-negative integer: current value is ${step}`,
      );
    }
    const m = this.params.map((p, i) => stateArray(s, `${prefix}m.${i}`, p.size));
    const v = this.params.map((p, i) => stateArray(s, `${prefix}v.${i}`, p.size));
    this.step = step;
    assignArrays(this.#m, m);
    assignArrays(this.#v, v);
  }

  /** Frees the moments. */
  dispose(): void {
    tf.dispose([...this.#m, ...this.#v]);
  }
}
