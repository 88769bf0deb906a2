/**
 * BayesBiNN's prediction weights from its state, over Float32Arrays: the mode of the
 * posterior and samples from it (reference.md §BayesBiNN, "Prediction"). Evaluation and export
 * use the mode, or C samples with `evaluate_steps` = C > 0 (`export --samples C`). The training
 * update is in {@linkcode ./bayes_binn.ts}.
 * @module
 */

const f = Math.fround;

/**
 * The mode of the Bernoulli posterior: w = +1 where μ > 0, −1 where μ ≤ 0 (ties,
 * including −0, go to −1).
 *
 * @param mu The (lagged) expectation parameters μ.
 * @param out Where to write w (same length; may alias `mu`).
 *
 * @example Usage
 * ```ts
 * import { modeFromMu } from "./bayes_binn_prediction.ts";
 * const w = modeFromMu(new Float32Array([-0.5, 0, 0.5]), new Float32Array(3));
 * if (w.join() !== "-1,-1,1") throw new Error("ties go to −1");
 * ```
 */
export function modeFromMu(mu: Float32Array, out: Float32Array): Float32Array {
  for (let i = 0; i < mu.length; i++) out[i] = mu[i] > 0 ? 1 : -1;
  return out;
}

/**
 * A posterior sample w ~ 2·Bernoulli(sigmoid(2λ)) − 1 from uniforms u:
 * w = +1 where u < p, else −1, with p = sigmoid(2λ) = 1/(1 + exp(−2λ)) rounded
 * to float32 (2λ is exact in float32).
 *
 * @param lambda Natural parameters λ.
 * @param u Uniforms in (0, 1), same length.
 * @param out Where to write w (may alias `u`).
 *
 * @example Usage
 * ```ts
 * import { bernoulliSample } from "./bayes_binn_prediction.ts";
 * const w = bernoulliSample(new Float32Array([10, -10]), new Float32Array([0.5, 0.5]), new Float32Array(2));
 * if (w.join() !== "1,-1") throw new Error("bad sample");
 * ```
 */
export function bernoulliSample(
  lambda: Float32Array,
  u: Float32Array,
  out: Float32Array,
): Float32Array {
  for (let i = 0; i < lambda.length; i++) {
    out[i] = u[i] < f(1 / (1 + Math.exp(-f(2 * lambda[i])))) ? 1 : -1;
  }
  return out;
}
