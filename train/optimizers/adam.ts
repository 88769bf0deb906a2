/**
 * Adam (Kingma & Ba, 2015) as PyTorch's `torch.optim.Adam` (no weight decay,
 * bias-corrected), in float32 tfjs ops. Used for STE's latent weights and for
 * real-valued BN γ/β under either optimizer (paper footnote 3).
 *
 * For step t ≥ 1, with every operation rounded to float32 in this order:
 *
 *     m ← β₁·m + (1 − β₁)·g
 *     v ← β₂·v + (1 − β₂)·(g·g)
 *     denom = √v / √(1 − β₂ᵗ) + ε
 *     p ← p + ((−lr / (1 − β₁ᵗ))·m) / denom          (PyTorch's addcdiv order)
 *
 * Scalars (β₁, 1 − β₁, √(1 − β₂ᵗ), lr / (1 − β₁ᵗ), ...) are computed in float64
 * and rounded to float32 once, as PyTorch does with Python scalars. PyTorch's CPU
 * kernels fuse `m·β₁ + (1 − β₁)·g` (and v's update) into one fused multiply-add,
 * which tfjs has no op for, so about 1 element of m in 10 per step differs from
 * PyTorch by one float32 ulp, and these differences accumulate (checked against
 * torch 1.13 `torch.optim.Adam` on 2,000 weights: after 6 steps the parameters
 * agree to ≤ 1.5e-8 absolute, 97.6% of them bit-identical).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { OptimizerState } from "./optimizer.ts";
import { assignArrays, stateArray } from "./_state.ts";

/**
 * Adam's constants (PyTorch defaults: β₁ 0.9, β₂ 0.999, ε 1e-8).
 *
 * @example Usage
 * ```ts
 * import type { AdamOptions } from "./adam.ts";
 * const torchDefaults: AdamOptions = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
 * if (torchDefaults.beta1 !== 0.9) throw new Error();
 * ```
 */
export interface AdamOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/**
 * One Adam update of one tensor (pure; returns new tensors).
 *
 * @param t The step number, from 1.
 *
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { adamUpdate } from "./adam.ts";
 * const z = tf.zeros([1]);
 * const { p } = adamUpdate(tf.ones([1]), tf.ones([1]), z, z, 1, 0.1);
 * // first step moves by lr·sign(g) (up to ε): 1 − 0.1
 * if (Math.abs(p.dataSync()[0] - 0.9) > 1e-6) throw new Error("bad step");
 * ```
 */
export function adamUpdate(
  p: tf.Tensor,
  g: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  t: number,
  lr: number,
  opts: AdamOptions = {},
): { p: tf.Tensor; m: tf.Tensor; v: tf.Tensor } {
  const { beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8 } = opts;
  return tf.tidy(() => {
    const m2 = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
    const v2 = tf.add(tf.mul(v, beta2), tf.mul(tf.mul(g, g), 1 - beta2));
    const denom = tf.add(tf.div(tf.sqrt(v2), Math.sqrt(1 - beta2 ** t)), epsilon);
    const p2 = tf.add(p, tf.div(tf.mul(m2, -(lr / (1 - beta1 ** t))), denom));
    return { p: p2, m: m2, v: v2 };
  });
}

/**
 * Adam over a list of variables, updated in place.
 *
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { Adam } from "./adam.ts";
 * const x = tf.variable(tf.tensor1d([1, -1]));
 * const adam = new Adam([x]);
 * adam.apply([tf.tensor1d([1, -1])], 0.1);
 * if (adam.step !== 1) throw new Error("one step");
 * adam.dispose();
 * x.dispose();
 * ```
 */
export class Adam {
  /** Steps taken so far (t of the last update). */
  step = 0;
  readonly params: tf.Variable[];
  readonly opts: AdamOptions;
  #m: tf.Variable[];
  #v: tf.Variable[];

  /** @param params The variables to update (not owned: {@linkcode Adam.dispose} leaves them). */
  constructor(params: tf.Variable[], opts: AdamOptions = {}) {
    this.params = params;
    this.opts = opts;
    this.#m = params.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
    this.#v = params.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
  }

  /** One step with the given gradients (one per parameter, same shapes). */
  apply(grads: tf.Tensor[], lr: number): void {
    if (grads.length !== this.params.length) {
      throw new RangeError(
        `Cannot apply Adam as grads must have ${this.params.length} tensors: current length is ${grads.length}`,
      );
    }
    this.step++;
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const r = adamUpdate(p, grads[i], this.#m[i], this.#v[i], this.step, lr, this.opts);
        p.assign(r.p);
        this.#m[i].assign(r.m);
        this.#v[i].assign(r.v);
      });
    });
  }

  /** Moments and step count, keyed `<prefix>step`, `<prefix>m.<i>`, `<prefix>v.<i>`. */
  getState(prefix: string): OptimizerState {
    const s: OptimizerState = { [`${prefix}step`]: this.step };
    this.#m.forEach((m, i) => s[`${prefix}m.${i}`] = (m.dataSync() as Float32Array).slice());
    this.#v.forEach((v, i) => s[`${prefix}v.${i}`] = (v.dataSync() as Float32Array).slice());
    return s;
  }

  /** Restores {@linkcode Adam.getState}. */
  setState(s: OptimizerState, prefix: string): void {
    const step = s[`${prefix}step`];
    if (typeof step !== "number" || !Number.isInteger(step) || step < 0) {
      throw new RangeError(
        `Cannot set Adam state as ${prefix}step must be a non-negative integer: current value is ${step}`,
      );
    }
    const m = this.#m.map((x, i) => stateArray(s, `${prefix}m.${i}`, x.size));
    const v = this.#v.map((x, i) => stateArray(s, `${prefix}v.${i}`, x.size));
    this.step = step;
    assignArrays(this.#m, m);
    assignArrays(this.#v, v);
  }

  /** Frees the moment estimates. */
  dispose(): void {
    tf.dispose([...this.#m, ...this.#v]);
  }
}
