/**
 * The straight-through estimator baseline (reference.md §STE, reference-sources.md §2).
 *
 * Latent real weights w_r, initialised as PyTorch's Linear/Conv default
 * U(−1/√fan_in, 1/√fan_in) (fan_in = product of all kernel dims but the last),
 * drawn in row-major order from the optimizer's Rng. Each step (equation (1) is
 * ./ste_kernel.ts, (3)–(5) are Adam's equations (1), (2)–(5) and (6) in ./adam.ts):
 *
 *     (1) w_b = +1 where w_r ≥ 0, else −1                                        (sign(0) = +1)
 *     (2) g   = ∂L/∂w_b                                     (identity backward: applied to w_r)
 *     (3) g   ← clamp(g, −grad_clip_value, grad_clip_value)              (when set; BN γ/β too)
 *     (4) w_r ← Adam(w_r, g)                                         (β₁ 0.9, β₂ 0.999, ε 1e-8)
 *     (5) w_r ← clamp(w_r, −weight_clip_value, weight_clip_value)                    (when set)
 *
 * Real BN γ/β (when `batch_affine`) take the same Adam steps (gradient clamp included), never
 * weight-clamped.
 *
 * The latent weights and Adam's moments are Float32Arrays; each step writes sign(w_r) straight
 * into one weight tensor per layer (`signInto`; in place on the wasm-based backends, see
 * ./_layer_weights.ts), reads the gradients through zero-copy views and runs (3)–(5) in one
 * fused pass (`adamUpdate`, ./adam_kernel.ts). The clamps and the learning rate are always given
 * (null: no clamp); their defaults live in the config schema, `train/config/keys.ts`.
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { Rng } from "../random.ts";
import { Adam } from "./adam.ts";
import { assignArrays, readRngState, stateArray } from "./_state.ts";
import { LayerWeights, tensorData, toTensors } from "./_layer_weights.ts";
import { lossAndGrads } from "./_loss_grads.ts";
import type { BinaryOptimizer, LossFn, OptimizerState, StepResult } from "./binary_optimizer.ts";
import { signInto } from "./ste_kernel.ts";

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
  /** Element-wise gradient clamp > 0, or null for none (the paper: 1). */
  gradClipValue: number | null;
  /** Latent-weight clamp > 0, or null for none (the paper: 1). */
  weightClipValue: number | null;
  /** Real parameters (BN γ/β) trained by the same Adam. */
  realParams?: tf.Variable[];
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

/**
 * Checks {@linkcode STEOptions} and returns the clamps (null: none).
 * @throws {RangeError} On a learning rate that is not finite and ≥ 0, or a clamp ≤ 0.
 *
 * @example Usage
 * ```ts
 * import { checkSteOptions } from "./ste.ts";
 * const c = checkSteOptions({ learningRate: 0.01, gradClipValue: null, weightClipValue: 1 });
 * if (c.weightClip !== 1 || c.gradClip !== null) throw new Error();
 * ```
 */
export function checkSteOptions(
  opts: STEOptions,
): { gradClip: number | null; weightClip: number | null } {
  if (!(opts.learningRate >= 0 && Number.isFinite(opts.learningRate))) {
    throw new RangeError(
      `Cannot create STE as learningRate must be a finite number >= 0: current value is ${opts.learningRate}`,
    );
  }
  return {
    gradClip: checkClip("gradClipValue", opts.gradClipValue),
    weightClip: checkClip("weightClipValue", opts.weightClipValue),
  };
}

function checkClip(name: string, v: number | null): number | null {
  if (v === null) return null;
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
 * const ste = new STE([[2, 1]], new Rng(1, "ste"), {
 *   learningRate: 0.1, gradClipValue: null, weightClipValue: 1,
 * });
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
  /** The latent real weights, one array per binary layer (live: read, do not modify). */
  readonly latent: readonly Float32Array[];
  readonly realParams: tf.Variable[];
  readonly #shapes: number[][];
  readonly #weights: LayerWeights;
  readonly #adam: Adam;
  /** The optimizer Rng's state after the initialisation (STE draws nothing else; saved). */
  #rng: number[];

  /**
   * @param shapes One kernel shape per binary layer.
   * @param rng Draws the latent initialisation; its state is saved with the optimizer.
   * @throws {RangeError} On an invalid option.
   */
  constructor(shapes: number[][], rng: Rng, opts: STEOptions) {
    const { gradClip, weightClip } = checkSteOptions(opts);
    this.learningRate = opts.learningRate;
    this.gradClipValue = gradClip;
    this.weightClipValue = weightClip;
    this.realParams = opts.realParams ?? [];
    this.#shapes = shapes;
    this.#weights = new LayerWeights(shapes);
    this.latent = shapes.map((s) => latentInit(s, rng));
    this.#rng = rng.state();
    this.#adam = new Adam([
      ...this.latent.map((w) => ({ size: w.length, gradClip, weightClip })),
      ...this.realParams.map((p) => ({ size: p.size, gradClip })),
    ]);
  }

  /** {@inheritDoc BinaryOptimizer.step} */
  step(lossFn: LossFn): StepResult {
    const w = this.#weights.fill((i, out) => signInto(this.latent[i], out));
    const r = lossAndGrads(lossFn, w, this.realParams, true);
    try {
      const nb = this.latent.length;
      const real = this.realParams.map((p) => (p.dataSync() as Float32Array).slice());
      const realGrads = r.grads.slice(nb).map((g) => (g.dataSync() as Float32Array).slice());
      // views last: nothing allocates on the wasm heap between here and the kernel
      const grads = r.grads.slice(0, nb).map(tensorData);
      this.#adam.apply([...this.latent, ...real], [...grads, ...realGrads], this.learningRate);
      if (real.length > 0) assignArrays(this.realParams, real);
    } finally {
      for (const g of r.grads) g.dispose();
      this.#weights.release();
    }
    return { loss: r.loss, logits: r.logits! };
  }

  /** sign(w_r), 0 → +1. */
  modeWeights(): tf.Tensor[] {
    return toTensors(
      this.latent.map((w) => {
        const out = new Float32Array(w.length);
        signInto(w, out);
        return out;
      }),
      this.#shapes,
    );
  }

  /** STE is deterministic: the mode (`rng` is not used). */
  sampleWeights(_rng: Rng): tf.Tensor[] {
    return this.modeWeights();
  }

  /** Latent weights `latent.<i>`, Adam state `adam.*`, the Rng `rng.0`..`rng.3` (copies). */
  getState(): OptimizerState {
    const s: OptimizerState = this.#adam.getState("adam.");
    this.latent.forEach((w, i) => s[`latent.${i}`] = w.slice());
    this.#rng.forEach((x, k) => s[`rng.${k}`] = x);
    return s;
  }

  /** Restores {@linkcode STE.getState} (validated before anything changes). */
  setState(s: OptimizerState): void {
    const latent = this.latent.map((w, i) => stateArray(s, `latent.${i}`, w.length));
    const rng = readRngState(s);
    this.#adam.setState(s, "adam.");
    latent.forEach((a, i) => this.latent[i].set(a));
    this.#rng = [...rng];
  }

  /** Frees the weight tensors (not the real params, owned by the network). */
  dispose(): void {
    this.#weights.dispose();
  }
}
