/**
 * The straight-through estimator baseline (reference.md §STE, reference-sources.md §2).
 *
 * Latent real weights w_r, initialised as PyTorch's Linear/Conv default
 * U(−1/√fan_in, 1/√fan_in) (fan_in = product of all kernel dims but the last),
 * drawn in row-major order from the optimizer's Rng. Each step:
 *
 *     w_b = +1 where w_r ≥ 0, else −1            (sign with sign(0) = +1)
 *     g   = ∂L/∂w_b                               (identity backward: applied to w_r)
 *     g   ← clamp(g, −grad_clip_value, grad_clip_value)   (when set; also on BN γ/β)
 *     w_r ← Adam(w_r, g)                           (β₁ 0.9, β₂ 0.999, ε 1e-8; see ./adam.ts)
 *     w_r ← clamp(w_r, −weight_clip_value, weight_clip_value)   (when set)
 *
 * Real BN γ/β (when `batch_affine`) take the same Adam steps, never clamped.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../random.ts";
import { Adam } from "./adam.ts";
import { assignArrays, readRngState, stateArray } from "./_state.ts";
import { lossAndGrads } from "./_loss_grads.ts";
import type { BinaryOptimizer, LossFn, OptimizerState, StepResult } from "./optimizer.ts";

/**
 * Options of {@linkcode STE}.
 *
 * @example Usage
 * ```ts
 * import type { STEOptions } from "./ste.ts";
 * const paper: STEOptions = { learningRate: 1e-2, gradClipValue: 1, weightClipValue: 1 };
 * if (paper.weightClipValue !== 1) throw new Error();
 * ```
 */
export interface STEOptions {
  /** Adam's learning rate (the paper: 1e-2, cosine to 1e-16). */
  learningRate: number;
  /** Element-wise gradient clamp, or null for none. */
  gradClipValue?: number | null;
  /** Latent-weight clamp, or null for none (the paper: 1). */
  weightClipValue?: number | null;
  /** Real parameters (BN γ/β) trained by the same Adam. */
  realParams?: tf.Variable[];
}

/**
 * sign(x) with sign(0) = +1: `1 − 2·step(−x)` (step(y) = 1 if y > 0 else 0).
 *
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { signZeroPositive } from "./ste.ts";
 * const s = signZeroPositive(tf.tensor1d([-2, 0, 3]));
 * if (s.dataSync().join() !== "-1,1,1") throw new Error("bad sign");
 * ```
 */
export function signZeroPositive(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.sub(1, tf.mul(tf.step(tf.neg(x)), 2)));
}

/**
 * PyTorch's default kernel init U(−1/√fan_in, 1/√fan_in), row-major from `rng`.
 *
 * @example Usage
 * ```ts
 * import { latentInit } from "./ste.ts";
 * import { Rng } from "../random.ts";
 * const w = latentInit([4, 3], new Rng(1, "init"));
 * if (!w.every((x) => Math.abs(x) <= 0.5)) throw new Error("1/√4 bound");
 * ```
 */
export function latentInit(shape: number[], rng: Rng): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const bound = 1 / Math.sqrt(fanIn);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = (2 * rng.uniform() - 1) * bound;
  return out;
}

function checkClip(name: string, v: number | null | undefined): number | null {
  if (v === null || v === undefined) return null;
  if (!(typeof v === "number" && v > 0 && Number.isFinite(v))) {
    throw new RangeError(
      `Cannot create STE as ${name} must be a finite number > 0 or null: current value is ${v}`,
    );
  }
  return v;
}

/**
 * STE with Adam on latent weights.
 *
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { STE } from "./ste.ts";
 * import { Rng } from "../random.ts";
 * const ste = new STE([[2, 1]], new Rng(1, "ste"), { learningRate: 0.1, weightClipValue: 1 });
 * const x = tf.tensor2d([[1, -1]]);
 * const r = ste.step((w) => {
 *   const logits = tf.matMul(x, w[0]) as tf.Tensor2D;
 *   return { loss: tf.sum(logits), logits };
 * });
 * r.logits.dispose();
 * const [wb] = ste.modeWeights();
 * if (!wb.dataSync().every((v) => v === 1 || v === -1)) throw new Error("±1");
 * tf.dispose([wb, x]);
 * ste.dispose();
 * ```
 */
export class STE implements BinaryOptimizer {
  readonly kind = "ste" as const;
  learningRate: number;
  readonly gradClipValue: number | null;
  readonly weightClipValue: number | null;
  /** The latent real weights, one per binary layer. */
  readonly latent: tf.Variable[];
  readonly realParams: tf.Variable[];
  #adam: Adam;
  #rng: Rng;

  /**
   * @param shapes One kernel shape per binary layer.
   * @param rng Draws the latent initialisation; its state is saved with the optimizer.
   * @throws {RangeError} On an invalid option.
   */
  constructor(shapes: number[][], rng: Rng, opts: STEOptions) {
    if (!(opts.learningRate >= 0 && Number.isFinite(opts.learningRate))) {
      throw new RangeError(
        `Cannot create STE as learningRate must be a finite number >= 0: current value is ${opts.learningRate}`,
      );
    }
    this.learningRate = opts.learningRate;
    this.gradClipValue = checkClip("gradClipValue", opts.gradClipValue);
    this.weightClipValue = checkClip("weightClipValue", opts.weightClipValue);
    this.realParams = opts.realParams ?? [];
    this.#rng = rng;
    this.latent = shapes.map((s) =>
      tf.tidy(() => tf.variable(tf.tensor(latentInit(s, rng), s), true))
    );
    this.#adam = new Adam([...this.latent, ...this.realParams]);
  }

  /** {@inheritDoc BinaryOptimizer.step} */
  step(lossFn: LossFn): StepResult {
    const wb = this.latent.map(signZeroPositive);
    const r = lossAndGrads(lossFn, wb, this.realParams, true);
    tf.dispose(wb);
    const clip = this.gradClipValue;
    const grads = clip === null
      ? r.grads
      : r.grads.map((g) => tf.tidy(() => tf.clipByValue(g, -clip, clip)));
    this.#adam.apply(grads, this.learningRate);
    tf.dispose(r.grads);
    if (clip !== null) tf.dispose(grads);
    const wc = this.weightClipValue;
    if (wc !== null) {
      tf.tidy(() => this.latent.forEach((w) => w.assign(tf.clipByValue(w, -wc, wc))));
    }
    return { loss: r.loss, logits: r.logits! };
  }

  /** sign(w_r), 0 → +1. */
  modeWeights(): tf.Tensor[] {
    return this.latent.map(signZeroPositive);
  }

  /** STE is deterministic: the mode (`rng` is not used). */
  sampleWeights(_rng: Rng): tf.Tensor[] {
    return this.modeWeights();
  }

  /** Latent weights `latent.<i>`, Adam state `adam.*`, the Rng `rng.0`..`rng.3`. */
  getState(): OptimizerState {
    const s: OptimizerState = this.#adam.getState("adam.");
    this.latent.forEach((w, i) => s[`latent.${i}`] = (w.dataSync() as Float32Array).slice());
    this.#rng.state().forEach((x, k) => s[`rng.${k}`] = x);
    return s;
  }

  /** Restores {@linkcode STE.getState}. */
  setState(s: OptimizerState): void {
    const latent = this.latent.map((w, i) => stateArray(s, `latent.${i}`, w.size));
    const rng = readRngState(s);
    this.#adam.setState(s, "adam.");
    assignArrays(this.latent, latent);
    this.#rng = Rng.fromState(rng);
  }

  /** Frees the latent weights and Adam state (not the real params, owned by the network). */
  dispose(): void {
    this.#adam.dispose();
    tf.dispose(this.latent);
  }
}
