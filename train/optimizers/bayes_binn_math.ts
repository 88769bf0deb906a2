/**
 * The element-wise pieces of the BayesBiNN update (reference.md §BayesBiNN), one
 * small function each, in float32 tfjs ops with the order of operations of the
 * authors' `optimizers/BayesBiNN.py` (each op rounds to float32; every scalar
 * argument is rounded to float32 once, as PyTorch does with Python scalars).
 * Fused native kernels can replace any of them one for one.
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/**
 * The relaxed (Gumbel-softmax / concrete) sample:
 *
 *     δ = log(ε / (1 − ε)) / 2,   w = tanh((δ + λ) / τ)
 *
 * @param lambda Natural parameters λ.
 * @param eps Uniform noise ε ∈ (0, 1), same shape.
 * @param temperature τ > 0.
 *
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { relaxedSample } from "./bayes_binn_math.ts";
 * // ε = 0.5 → δ = 0, w = tanh(λ/τ)
 * const w = relaxedSample(tf.tensor1d([0.5]), tf.tensor1d([0.5]), 1);
 * if (Math.abs(w.dataSync()[0] - Math.tanh(0.5)) > 1e-6) throw new Error("bad sample");
 * ```
 */
export function relaxedSample(lambda: tf.Tensor, eps: tf.Tensor, temperature: number): tf.Tensor {
  return tf.tidy(() => {
    const delta = tf.div(tf.log(tf.div(eps, tf.sub(1, eps))), 2);
    return tf.tanh(tf.div(tf.add(delta, lambda), temperature));
  });
}

/**
 * The per-weight scale of the gradient (paper eq. 13, with the code's epsilons):
 *
 *     s = (1 − w² + 1e-10) / τ / (1 − μ² + 1e-10)
 *
 * with μ the lagged expectation parameter tanh(λ) of the previous step. In float32
 * at τ = 1e-10 and saturated w, μ (w² = μ² = 1) this is exactly 1/τ = 1e10.
 *
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { gradScale } from "./bayes_binn_math.ts";
 * const s = gradScale(tf.tensor1d([1]), tf.tensor1d([1]), 1e-10);
 * if (s.dataSync()[0] !== 1e10) throw new Error("saturated scale is 1/τ");
 * ```
 */
export function gradScale(w: tf.Tensor, mu: tf.Tensor, temperature: number): tf.Tensor {
  return tf.tidy(() => {
    const num = tf.add(tf.sub(1, tf.mul(w, w)), 1e-10);
    const den = tf.add(tf.sub(1, tf.mul(mu, mu)), 1e-10);
    return tf.div(tf.div(num, temperature), den);
  });
}

/**
 * The momentum of λ's update, with the KL term to the prior λ₀:
 *
 *     m ← β·m + (1 − β)·(ĝ + κ·(λ − λ₀))
 *
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { momentumUpdate } from "./bayes_binn_math.ts";
 * const m = momentumUpdate(tf.tensor1d([0]), tf.tensor1d([3]), tf.tensor1d([2]), tf.tensor1d([0]), 0, 1);
 * if (m.dataSync()[0] !== 5) throw new Error("ĝ + (λ − λ₀)");
 * ```
 */
export function momentumUpdate(
  m: tf.Tensor,
  gHat: tf.Tensor,
  lambda: tf.Tensor,
  prior: tf.Tensor,
  beta: number,
  klReweight: number,
): tf.Tensor {
  return tf.tidy(() => {
    const kl = tf.mul(tf.sub(lambda, prior), klReweight);
    return tf.add(tf.mul(m, beta), tf.mul(tf.add(gHat, kl), 1 - beta));
  });
}

/**
 * The natural-parameter step with Adam-style bias correction (t counts steps from 1):
 *
 *     λ ← λ − α·m / (1 − βᵗ)        (β = 0 → correction 1)
 *
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { lambdaUpdate } from "./bayes_binn_math.ts";
 * const l = lambdaUpdate(tf.tensor1d([1]), tf.tensor1d([4]), 0.5, 0, 1);
 * if (l.dataSync()[0] !== -1) throw new Error("1 − 0.5·4");
 * ```
 */
export function lambdaUpdate(
  lambda: tf.Tensor,
  m: tf.Tensor,
  lr: number,
  beta: number,
  t: number,
): tf.Tensor {
  return tf.tidy(() => tf.sub(lambda, tf.div(tf.mul(m, lr), 1 - beta ** t)));
}

/**
 * The mode of the Bernoulli posterior: w = +1 where μ > 0, −1 where μ ≤ 0
 * (`2·step(μ) − 1`).
 *
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { modeFromMu } from "./bayes_binn_math.ts";
 * const w = modeFromMu(tf.tensor1d([-0.5, 0, 0.5]));
 * if (w.dataSync().join() !== "-1,-1,1") throw new Error("ties go to −1");
 * ```
 */
export function modeFromMu(mu: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.sub(tf.mul(tf.step(mu), 2), 1));
}

/**
 * A posterior sample w ~ 2·Bernoulli(sigmoid(2λ)) − 1 from uniforms u:
 * w = +1 where u < sigmoid(2λ), else −1 (`2·step(sigmoid(2λ) − u) − 1`).
 *
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { bernoulliSample } from "./bayes_binn_math.ts";
 * const w = bernoulliSample(tf.tensor1d([10, -10]), tf.tensor1d([0.5, 0.5]));
 * if (w.dataSync().join() !== "1,-1") throw new Error("bad sample");
 * ```
 */
export function bernoulliSample(lambda: tf.Tensor, u: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.sub(tf.mul(tf.step(tf.sub(tf.sigmoid(tf.mul(lambda, 2)), u)), 2), 1));
}
