/**
 * BayesBiNN's fused kernels: single passes over Float32Arrays (which may be zero-copy views of
 * wasm tensors) that compute the equations of {@linkcode ./bayes_binn.ts}, numbered there:
 *
 * - {@linkcode bayesBinnSample}: (2), the relaxed sample w for given ε;
 * - {@linkcode bayesBinnSampleRng}: (1) and (2), ε drawn on the fly;
 * - {@linkcode bayesBinnAccumulate}: (4), one sample's scaled gradient added to ĝ;
 * - {@linkcode bayesBinnUpdate}: (5)–(7), the step of m, μ and λ.
 *
 * Arithmetic: float32, every operation rounded in the order the equations are written, the
 * `+1e-10` terms included; scalars (τ, N/S, β, 1 − β, κ, α, 1 − βᵗ) are rounded to float32 once.
 *
 * Two implementations of each kernel ({@linkcode ../backend/optim_native.ts}): bnn's native C
 * (`bnn_bayesbinn_*` in `train/backend/native/bnn_kernels.c`: vectorized, the large arrays
 * split over two threads without changing any result) when the library loads, else the JS loops
 * below. Why native: a step of the paper's MNIST MLP touches 10 M weights in each of these
 * passes, and tfjs ops would take one pass (and one tensor) per operation. log and tanh: the JS
 * loops use `Math.log`/`Math.tanh` rounded to float32 (bit-identical to a scalar float32 hand
 * computation); the native ones are Cephes' float32 algorithms (≤ 2 ulp). At the paper's
 * τ = 1e-10 and |λ| = 10 both give the same bits (samples and μ saturate to ±1).
 * @module
 */
import { fillUniform } from "../backend/fill_uniform.ts";
import { checkLength, optimNative } from "../backend/optim_native.ts";

const f = Math.fround;

/**
 * The relaxed sample of equation (2) of {@linkcode ./bayes_binn.ts} for given noise:
 * `out[i]` = w for λ = `lambda[i]` and ε = `uniform[i]`.
 *
 * @param lambda Natural parameters λ.
 * @param uniform Uniform noise ε in (0, 1), same length.
 * @param tau Temperature τ > 0.
 * @param out Where to write w (may alias `uniform`).
 * @throws {RangeError} On a length mismatch.
 *
 * @example Usage
 * ```ts
 * import { bayesBinnSample } from "./bayes_binn_kernels.ts";
 * const w = new Float32Array(2);
 * bayesBinnSample(new Float32Array([10, -10]), new Float32Array([0.5, 0.5]), 1, w);
 * if (!(w[0] > 0.99 && w[1] < -0.99)) throw new Error("wrong sign");
 * ```
 */
export function bayesBinnSample(
  lambda: Float32Array,
  uniform: Float32Array,
  tau: number,
  out: Float32Array,
): void {
  const len = lambda.length;
  checkLength("uniform", uniform, len);
  checkLength("out", out, len);
  const native = optimNative();
  if (native) return native.bnn_bayesbinn_sample(lambda, uniform, tau, out, BigInt(len));
  const t = f(tau);
  for (let i = 0; i < len; i++) {
    const e = uniform[i];
    const delta = f(f(Math.log(f(e / f(1 - e)))) / 2);
    out[i] = Math.tanh(f(f(delta + lambda[i]) / t));
  }
}

/**
 * Equations (1) and (2) of {@linkcode ./bayes_binn.ts}: {@linkcode bayesBinnSample} with ε
 * drawn on the fly from `state` (the stream of `fillUniform`, the same numbers in the same
 * order), so no noise buffer is needed.
 *
 * @param lambda Natural parameters λ.
 * @param state The 4-word generator state, advanced in place.
 * @param tau Temperature τ > 0.
 * @param out Where to write w.
 * @throws {RangeError} On a length mismatch.
 *
 * @example Usage
 * ```ts
 * import { bayesBinnSampleRng } from "./bayes_binn_kernels.ts";
 * const state = new Uint32Array([1, 2, 3, 4]);
 * const w = new Float32Array(4);
 * bayesBinnSampleRng(new Float32Array(4).fill(10), state, 1, w);
 * if (!w.every((x) => x > 0)) throw new Error("wrong sign");
 * ```
 */
export function bayesBinnSampleRng(
  lambda: Float32Array,
  state: Uint32Array,
  tau: number,
  out: Float32Array,
): void {
  checkLength("out", out, lambda.length);
  checkLength("state", state, 4);
  const native = optimNative();
  if (native) {
    return native.bnn_bayesbinn_sample_rng(lambda, state, tau, out, BigInt(lambda.length));
  }
  fillUniform(state, out);
  bayesBinnSample(lambda, out, tau, out);
}

/**
 * Equation (4) of {@linkcode ./bayes_binn.ts}: adds one MC sample's scaled gradient to ĝ.
 *
 * @param ghat ĝ, updated in place.
 * @param grad g = ∇_w loss at the sample.
 * @param w The sample.
 * @param mu The lagged μ.
 * @param tau Temperature τ > 0.
 * @throws {RangeError} On a length mismatch.
 *
 * @example Usage
 * ```ts
 * import { bayesBinnAccumulate } from "./bayes_binn_kernels.ts";
 * const ghat = new Float32Array(1);
 * bayesBinnAccumulate(ghat, new Float32Array([2]), new Float32Array([0]), new Float32Array([0]), 1);
 * if (Math.abs(ghat[0] - 2) > 1e-6) throw new Error(String(ghat[0]));
 * ```
 */
export function bayesBinnAccumulate(
  ghat: Float32Array,
  grad: Float32Array,
  w: Float32Array,
  mu: Float32Array,
  tau: number,
): void {
  const len = ghat.length;
  checkLength("grad", grad, len);
  checkLength("w", w, len);
  checkLength("mu", mu, len);
  const native = optimNative();
  if (native) return native.bnn_bayesbinn_accumulate(ghat, grad, w, mu, tau, BigInt(len));
  const t = f(tau), eps = f(1e-10);
  for (let i = 0; i < len; i++) {
    const wi = w[i], mi = mu[i];
    const scale = f(f(f(f(1 - f(wi * wi)) + eps) / t) / f(f(1 - f(mi * mi)) + eps));
    ghat[i] = f(ghat[i] + f(scale * grad[i]));
  }
}

/**
 * The arguments of {@linkcode bayesBinnUpdate}.
 *
 * @example Usage
 * ```ts
 * import type { BayesBinnUpdateArgs } from "./bayes_binn_kernels.ts";
 * const one = () => new Float32Array(1);
 * const args: BayesBinnUpdateArgs = {
 *   lambda: one(), m: one(), mu: one(), ghat: one(),
 *   gradScale: 1, beta: 0, kappa: 1, lr: 0.1, step: 1,
 * };
 * if (args.lambda0 !== undefined) throw new Error("prior 0 by default");
 * ```
 */
export interface BayesBinnUpdateArgs {
  /** λ, updated in place. */
  lambda: Float32Array;
  /** Momentum m, updated in place. */
  m: Float32Array;
  /** Output: μ of the pre-update λ (equation (6)). */
  mu: Float32Array;
  /** Σ over samples of the scaled gradients (from {@linkcode bayesBinnAccumulate}). */
  ghat: Float32Array;
  /** Prior λ₀ (omit for 0). */
  lambda0?: Float32Array;
  /** N / S: training-set size (× trainset_scale) over the number of MC samples. */
  gradScale: number;
  /** β (`beta`). */
  beta: number;
  /** κ (`kl_reweight`). */
  kappa: number;
  /** Learning rate α. */
  lr: number;
  /** Step t ≥ 1 (for the bias correction 1 − βᵗ). */
  step: number;
}

/**
 * Equations (5)–(7) of {@linkcode ./bayes_binn.ts}: the step of m, μ and λ from ĝ.
 *
 * @throws {RangeError} On length mismatches or a step < 1.
 *
 * @example Usage
 * ```ts
 * import { bayesBinnUpdate } from "./bayes_binn_kernels.ts";
 * const lambda = new Float32Array([1]), m = new Float32Array(1), mu = new Float32Array(1);
 * bayesBinnUpdate({ lambda, m, mu, ghat: new Float32Array([2]), gradScale: 1, beta: 0, kappa: 1, lr: 0.5, step: 1 });
 * // m = 2 + 1·(1 − 0) = 3, λ = 1 − 0.5·3 = −0.5, μ = tanh(1)
 * if (lambda[0] !== -0.5 || m[0] !== 3) throw new Error("wrong");
 * ```
 */
export function bayesBinnUpdate(a: BayesBinnUpdateArgs): void {
  const len = a.lambda.length;
  for (const k of ["m", "mu", "ghat"] as const) checkLength(k, a[k], len);
  if (a.lambda0) checkLength("lambda0", a.lambda0, len);
  if (!(Number.isInteger(a.step) && a.step >= 1)) {
    throw new RangeError(
      `Cannot run bayesBinnUpdate as step must be an integer >= 1: current value is ${a.step}`,
    );
  }
  const bc = f(1 - a.beta ** a.step);
  const beta = f(a.beta),
    omb = f(1 - a.beta),
    kappa = f(a.kappa),
    lr = f(a.lr),
    gs = f(a.gradScale);
  const native = optimNative();
  if (native) {
    return native.bnn_bayesbinn_update(
      a.lambda,
      a.m,
      a.mu,
      a.ghat,
      a.lambda0 ?? null,
      gs,
      beta,
      omb,
      kappa,
      lr,
      bc,
      BigInt(len),
    );
  }
  const { lambda, m, mu, ghat, lambda0 } = a;
  for (let i = 0; i < len; i++) {
    const l = lambda[i];
    const g = f(ghat[i] * gs);
    const prior = lambda0 ? lambda0[i] : 0;
    const mm = f(f(beta * m[i]) + f(omb * f(g + f(kappa * f(l - prior))))); // (5)
    m[i] = mm;
    mu[i] = Math.tanh(l); // (6)
    lambda[i] = f(l - f(f(lr * mm) / bc)); // (7)
  }
}
