/**
 * Adam (Kingma & Ba, 2015) as PyTorch's `torch.optim.Adam` (no weight decay,
 * bias-corrected), over Float32Arrays updated in place. Used for STE's latent
 * weights and for real-valued BN γ/β under either optimizer (paper footnote 3).
 *
 * For step t ≥ 1, every operation rounded to float32, as torch 1.13's CPU kernels
 * (bit for bit, checked on 200,000 elements; their `add_`/`addcmul_` are fused
 * multiply-adds, their `addcdiv_(m, denom, value=−s)` is p + (−s·m)/denom):
 *
 *     (1) g ← clamp(g, −gradClip, gradClip)      (when set)
 *     (2) m ← fma(g, 1 − β₁, β₁·m)
 *     (3) v ← fma((1 − β₂)·g, g, β₂·v)
 *     (4) denom = √v / √(1 − β₂ᵗ) + ε
 *     (5) p ← p − ((lr / (1 − β₁ᵗ))·m) / denom
 *     (6) p ← clamp(p, −weightClip, weightClip)  (when set)
 *
 * Scalars (β₁, 1 − β₁, √(1 − β₂ᵗ), lr / (1 − β₁ᵗ), ...) are computed in float64
 * and rounded to float32 once, as PyTorch does with Python scalars. The step runs in
 * one fused pass per array ({@linkcode adamUpdate}, ./adam_kernel.ts).
 * @module
 */
import { adamUpdate } from "./adam_kernel.ts";
import type { OptimizerState } from "./binary_optimizer.ts";
import { stateArray } from "./_state.ts";

/**
 * One parameter tensor of an {@linkcode Adam}: its size and clamps.
 *
 * @example Usage
 * ```ts
 * import type { AdamParam } from "./adam.ts";
 * const latent: AdamParam = { size: 6, gradClip: 1, weightClip: 1 };
 * if (latent.size !== 6) throw new Error();
 * ```
 */
export interface AdamParam {
  /** Number of elements. */
  size: number;
  /** Clamp each gradient element to ±gradClip first (null/undefined: none). */
  gradClip?: number | null;
  /** Clamp the parameter to ±weightClip after the step (null/undefined: none). */
  weightClip?: number | null;
}

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
 * Adam's moments for a list of parameter arrays, and the step count they share.
 *
 * @example Usage
 * ```ts
 * import { Adam } from "./adam.ts";
 * const p = new Float32Array([1, -1]);
 * const adam = new Adam([{ size: 2 }]);
 * adam.apply([p], [new Float32Array([1, -1])], 0.1);
 * // the first step moves every element by about lr against its gradient's sign
 * if (Math.abs(p[0] - 0.9) > 1e-6 || adam.step !== 1) throw new Error(String(p));
 * ```
 */
export class Adam {
  /** Steps taken so far (t of the last update). */
  step = 0;
  readonly params: readonly AdamParam[];
  readonly opts: AdamOptions;
  /** First moments, one per parameter (updated in place). */
  readonly m: Float32Array[];
  /** Second moments, one per parameter (updated in place). */
  readonly v: Float32Array[];

  /** @param params Sizes and clamps of the parameters, in the order of {@linkcode Adam.apply}. */
  constructor(params: AdamParam[], opts: AdamOptions = {}) {
    this.params = params;
    this.opts = opts;
    this.m = params.map((p) => new Float32Array(p.size));
    this.v = params.map((p) => new Float32Array(p.size));
  }

  /**
   * One step t ← t + 1: updates `values[i]` in place with `grads[i]` (same lengths).
   * @throws {RangeError} On a wrong number of arrays or a wrong length.
   */
  apply(values: Float32Array[], grads: Float32Array[], lr: number): void {
    const n = this.params.length;
    if (values.length !== n || grads.length !== n) {
      throw new RangeError(
        `Cannot apply Adam as values and grads must have ${n} arrays: current lengths are ${values.length} and ${grads.length}`,
      );
    }
    this.step++;
    const { beta1, beta2, epsilon } = this.opts;
    this.params.forEach((p, i) =>
      adamUpdate({
        w: values[i],
        m: this.m[i],
        v: this.v[i],
        grad: grads[i],
        lr,
        beta1,
        beta2,
        eps: epsilon,
        step: this.step,
        gradClip: p.gradClip ?? 0,
        weightClip: p.weightClip ?? 0,
      })
    );
  }

  /** Moments and step count, keyed `<prefix>step`, `<prefix>m.<i>`, `<prefix>v.<i>` (copies). */
  getState(prefix: string): OptimizerState {
    const s: OptimizerState = { [`${prefix}step`]: this.step };
    this.m.forEach((m, i) => s[`${prefix}m.${i}`] = m.slice());
    this.v.forEach((v, i) => s[`${prefix}v.${i}`] = v.slice());
    return s;
  }

  /** Restores {@linkcode Adam.getState} (validated before anything changes). */
  setState(s: OptimizerState, prefix: string): void {
    const step = s[`${prefix}step`];
    if (typeof step !== "number" || !Number.isInteger(step) || step < 0) {
      throw new RangeError(
        `Cannot set Adam state as ${prefix}step must be a non-negative integer: current value is ${step}`,
      );
    }
    const m = this.m.map((x, i) => stateArray(s, `${prefix}m.${i}`, x.length));
    const v = this.v.map((x, i) => stateArray(s, `${prefix}v.${i}`, x.length));
    this.step = step;
    m.forEach((x, i) => this.m[i].set(x));
    v.forEach((x, i) => this.v[i].set(x));
  }
}
