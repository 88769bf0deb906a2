/**
 * Fused, single-pass element-wise kernels for the optimizers, over Float32Arrays (which may be
 * zero-copy views of wasm tensors, see {@linkcode wasmView}). They run in bnn's native library
 * (vectorized C, single-threaded, deterministic) when it is built, else in plain JS with the
 * same float32 formulas (`Math.fround` after every operation). Native log/tanh are Cephes'
 * float32 algorithms (≤ 2 ulp); the JS path uses `Math.log`/`Math.tanh` rounded to float32, so
 * the two paths can differ in the last bits (each is deterministic on its own).
 *
 * BayesBiNN (Meng et al. 2020; reference.md §BayesBiNN), per weight, in float32:
 *   δ = log(ε / (1 − ε)) / 2,  w = tanh((λ + δ) / τ)                       (bayesBinnSample)
 *   ĝ += (1 − w·w + 1e-10) / τ / (1 − μ·μ + 1e-10) · g                      (bayesBinnAccumulate)
 *   g = ĝ·N/S;  m = β·m + (1 − β)·(g + κ·(λ − λ₀));  μ = tanh(λ);  λ = λ − α·m / (1 − βᵗ)
 *                                                                           (bayesBinnUpdate)
 * (μ is computed from the pre-update λ: the original's lagged μ.)
 *
 * STE's Adam (PyTorch's form, reference.md §STE), bit for bit as torch 1.13's CPU
 * `torch.optim.Adam` (checked on 200,000 elements): PyTorch's vectorized `add_(g, alpha)` and
 * `addcmul_` are fused multiply-adds, and `addcdiv_(m, denom, value=−s)` is p + (−s·m)/denom:
 *   g = clamp(g, ±gradClip);  m = fma(g, 1 − β₁, β₁·m);  v = fma((1 − β₂)·g, g, β₂·v);
 *   w = w − ((α / (1 − β₁ᵗ))·m) / (√v / √(1 − β₂ᵗ) + ε);  w = clamp(w, ±weightClip)
 * (the JS path forms the fused multiply-add in float64, where the float32 product is exact, then
 * rounds once to float32: equal to a true fma unless the float64 sum lands on a float32 rounding
 * tie, about 1 case in 2²⁹.)
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { loadNative, type NativeLib } from "./_libs.ts";
import { f32View } from "./_wasm_heap.ts";

const f = Math.fround;
let native: NativeLib | null | undefined;

function lib(): NativeLib | null {
  if (native === undefined) native = loadNative().lib;
  return native;
}

/**
 * Chooses the native kernels (when they load) or the JS ones; returns whether native is used.
 *
 * @example Usage
 * ```ts
 * import { useNativeOptimKernels } from "./optim_kernels.ts";
 * useNativeOptimKernels(false); // force the JS path
 * useNativeOptimKernels(true);
 * ```
 */
export function useNativeOptimKernels(on: boolean): boolean {
  native = on ? loadNative().lib : null;
  return native !== null;
}

function sameLength(name: string, a: ArrayLike<number>, n: number): void {
  if (a.length !== n) {
    throw new RangeError(
      `Cannot run the optimizer kernel as '${name}' must have ${n} elements: current length is ${a.length}`,
    );
  }
}

/**
 * A zero-copy Float32Array view of a float32 tensor on the tfjs `wasm` backend. Writing to it
 * changes the tensor in place: only do that to tensors you own exclusively (not clones, which
 * share data) and have not yet used as a matmul/conv weight (XNNPACK caches packed weights under
 * the tensor's id until it is disposed). The view is invalid after the wasm heap grows: take it
 * right before use.
 *
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { initBackend } from "./init_backend.ts";
 * import { wasmView } from "./optim_kernels.ts";
 * await initBackend("wasm");
 * const t = tf.zeros([3]);
 * wasmView(t)[1] = 5;
 * if (t.dataSync()[1] !== 5) throw new Error("not in place");
 * ```
 */
export function wasmView(t: tf.Tensor): Float32Array {
  if (t.dtype !== "float32") {
    throw new TypeError(`Cannot view tensor as float32: dtype is ${t.dtype}`);
  }
  const info = (tf.engine() as unknown as {
    state: { tensorInfo: WeakMap<object, { backend: unknown }> };
  }).state.tensorInfo.get(t.dataId);
  const backend = info?.backend as BackendWasm | undefined;
  if (!backend || typeof backend.wasm !== "object" || !backend.dataIdMap) {
    throw new TypeError("Cannot view tensor: it does not live on the tfjs 'wasm' backend");
  }
  return f32View(backend, t);
}

/**
 * Fills `out` with uniform numbers in (0, 1), exactly the stream of `Rng.fillUniform`
 * (xoshiro128**, ((u >>> 9) + 0.5) / 2²³, exact in float32), advancing `state` in place.
 * Use `new Uint32Array(rng.state())` and continue with `Rng.fromState([...state])`.
 *
 * @param state The 4-word generator state (`Rng.state()`), updated in place.
 * @param out The array to fill.
 * @example Usage
 * ```ts
 * import { Rng } from "../random.ts";
 * import { fillUniform } from "./optim_kernels.ts";
 * const rng = new Rng(1, "noise");
 * const state = new Uint32Array(rng.state());
 * const u = new Float32Array(8);
 * fillUniform(state, u);
 * const next = Rng.fromState([state[0], state[1], state[2], state[3]]);
 * if (u[0] !== new Rng(1, "noise").fillUniform(new Float32Array(1))[0]) throw new Error("stream");
 * next.uniform();
 * ```
 */
export function fillUniform(state: Uint32Array, out: Float32Array): void {
  sameLength("state", state, 4);
  const n = lib();
  if (n) return n.bnn_fill_uniform(state, out, BigInt(out.length));
  let s0 = state[0], s1 = state[1], s2 = state[2], s3 = state[3];
  for (let i = 0; i < out.length; i++) {
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    s2 = (s2 ^ s0) >>> 0;
    s3 = (s3 ^ s1) >>> 0;
    s1 = (s1 ^ s2) >>> 0;
    s0 = (s0 ^ s3) >>> 0;
    s2 = (s2 ^ t) >>> 0;
    s3 = rotl(s3, 11);
    out[i] = ((result >>> 9) + 0.5) / 8388608;
  }
  state[0] = s0;
  state[1] = s1;
  state[2] = s2;
  state[3] = s3;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * BayesBiNN's relaxed sample: out = tanh((λ + log(ε / (1 − ε)) / 2) / τ), float32.
 *
 * @param lambda Natural parameters λ.
 * @param uniform Uniform noise ε in (0, 1), same length.
 * @param tau Temperature τ > 0.
 * @param out Where to write w (may alias `uniform`).
 * @example Usage
 * ```ts
 * import { bayesBinnSample } from "./optim_kernels.ts";
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
  sameLength("uniform", uniform, len);
  sameLength("out", out, len);
  const n = lib();
  if (n) return n.bnn_bayesbinn_sample(lambda, uniform, tau, out, BigInt(len));
  const t = f(tau);
  for (let i = 0; i < len; i++) {
    const e = uniform[i];
    const delta = f(f(Math.log(f(e / f(1 - e)))) / 2);
    out[i] = Math.tanh(f(f(delta + lambda[i]) / t));
  }
}

/**
 * {@linkcode bayesBinnSample} with ε drawn on the fly from `state` (the stream of
 * {@linkcode fillUniform}, same numbers in the same order), so no noise buffer is needed.
 *
 * @example Usage
 * ```ts
 * import { bayesBinnSampleRng } from "./optim_kernels.ts";
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
  sameLength("out", out, lambda.length);
  sameLength("state", state, 4);
  const n = lib();
  if (n) {
    return n.bnn_bayesbinn_sample_rng(lambda, state, tau, out, BigInt(lambda.length));
  }
  fillUniform(state, out);
  bayesBinnSample(lambda, out, tau, out);
}

/**
 * Accumulates one MC sample's scaled gradient: ĝ += (1 − w·w + 1e-10) / τ / (1 − μ·μ + 1e-10) · g.
 *
 * @example Usage
 * ```ts
 * import { bayesBinnAccumulate } from "./optim_kernels.ts";
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
  sameLength("grad", grad, len);
  sameLength("w", w, len);
  sameLength("mu", mu, len);
  const n = lib();
  if (n) return n.bnn_bayesbinn_accumulate(ghat, grad, w, mu, tau, BigInt(len));
  const t = f(tau), eps = f(1e-10);
  for (let i = 0; i < len; i++) {
    const wi = w[i], mi = mu[i];
    const scale = f(f(f(f(1 - f(wi * wi)) + eps) / t) / f(f(1 - f(mi * mi)) + eps));
    ghat[i] = f(ghat[i] + f(scale * grad[i]));
  }
}

/** The arguments of {@linkcode bayesBinnUpdate}. */
export interface BayesBinnUpdateArgs {
  /** λ, updated in place. */
  lambda: Float32Array;
  /** Momentum m, updated in place. */
  m: Float32Array;
  /** Output: μ = tanh(λ) of the pre-update λ. */
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
 * BayesBiNN's natural-parameter step: g = ĝ·N/S; m = β·m + (1 − β)·(g + κ·(λ − λ₀));
 * μ = tanh(λ); λ = λ − α·m / (1 − βᵗ). All float32, in this order.
 *
 * @throws {RangeError} On length mismatches or a step < 1.
 * @example Usage
 * ```ts
 * import { bayesBinnUpdate } from "./optim_kernels.ts";
 * const lambda = new Float32Array([1]), m = new Float32Array(1), mu = new Float32Array(1);
 * bayesBinnUpdate({ lambda, m, mu, ghat: new Float32Array([2]), gradScale: 1, beta: 0, kappa: 1, lr: 0.5, step: 1 });
 * // m = 2 + 1·(1 − 0) = 3, λ = 1 − 0.5·3 = −0.5, μ = tanh(1)
 * if (lambda[0] !== -0.5 || m[0] !== 3) throw new Error("wrong");
 * ```
 */
export function bayesBinnUpdate(a: BayesBinnUpdateArgs): void {
  const len = a.lambda.length;
  for (const k of ["m", "mu", "ghat"] as const) sameLength(k, a[k], len);
  if (a.lambda0) sameLength("lambda0", a.lambda0, len);
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
  const n = lib();
  if (n) {
    return n.bnn_bayesbinn_update(
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
    const mm = f(f(beta * m[i]) + f(omb * f(g + f(kappa * f(l - prior)))));
    m[i] = mm;
    mu[i] = Math.tanh(l);
    lambda[i] = f(l - f(f(lr * mm) / bc));
  }
}

/** The arguments of {@linkcode adamUpdate}. */
export interface AdamUpdateArgs {
  /** Latent weights, updated in place. */
  w: Float32Array;
  /** First moment, updated in place. */
  m: Float32Array;
  /** Second moment, updated in place. */
  v: Float32Array;
  /** The gradient. */
  grad: Float32Array;
  lr: number;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-8. */
  eps?: number;
  /** Step t ≥ 1. */
  step: number;
  /** Clamp the gradient to ±gradClip first (omit or ≤ 0: none). */
  gradClip?: number;
  /** Clamp the weights to ±weightClip after the step (omit or ≤ 0: none). */
  weightClip?: number;
}

/**
 * One Adam step (PyTorch's formulation and rounding) with STE's clamps, fused in one pass:
 * g = clamp(g, ±gradClip); m = fma(g, 1 − β₁, β₁m); v = fma((1 − β₂)g, g, β₂v);
 * w = w − ((α / (1 − β₁ᵗ))·m) / (√v / √(1 − β₂ᵗ) + ε); w = clamp(w, ±weightClip).
 *
 * @throws {RangeError} On length mismatches or a step < 1.
 * @example Usage
 * ```ts
 * import { adamUpdate } from "./optim_kernels.ts";
 * const w = new Float32Array([1]), m = new Float32Array(1), v = new Float32Array(1);
 * adamUpdate({ w, m, v, grad: new Float32Array([4]), lr: 0.1, step: 1 });
 * // the first Adam step moves every weight by about lr against its gradient's sign
 * if (Math.abs(w[0] - 0.9) > 1e-6) throw new Error(String(w[0]));
 * ```
 */
export function adamUpdate(a: AdamUpdateArgs): void {
  const len = a.w.length;
  for (const k of ["m", "v", "grad"] as const) sameLength(k, a[k], len);
  if (!(Number.isInteger(a.step) && a.step >= 1)) {
    throw new RangeError(
      `Cannot run adamUpdate as step must be an integer >= 1: current value is ${a.step}`,
    );
  }
  const b1 = a.beta1 ?? 0.9, b2 = a.beta2 ?? 0.999;
  const stepSize = f(a.lr / (1 - b1 ** a.step));
  const bc2 = f(Math.sqrt(1 - b2 ** a.step));
  const eps = f(a.eps ?? 1e-8), gc = f(a.gradClip ?? 0), wc = f(a.weightClip ?? 0);
  const n = lib();
  if (n) {
    return n.bnn_adam_update(
      a.w,
      a.m,
      a.v,
      a.grad,
      f(b1),
      f(1 - b1),
      f(b2),
      f(1 - b2),
      eps,
      stepSize,
      bc2,
      gc,
      wc,
      BigInt(len),
    );
  }
  const fb1 = f(b1), fomb1 = f(1 - b1), fb2 = f(b2), fomb2 = f(1 - b2);
  const { w, m, v, grad } = a;
  for (let i = 0; i < len; i++) {
    let g = grad[i];
    if (gc > 0) g = g > gc ? gc : (g < -gc ? -gc : g);
    // fused multiply-adds: the float32 product is exact in float64, one rounding to float32
    const mm = f(f(m[i] * fb1) + fomb1 * g);
    const vv = f(f(v[i] * fb2) + f(fomb2 * g) * g);
    m[i] = mm;
    v[i] = vv;
    const denom = f(f(f(Math.sqrt(vv)) / bc2) + eps);
    let ww = f(w[i] - f(f(stepSize * mm) / denom));
    if (wc > 0) ww = ww > wc ? wc : (ww < -wc ? -wc : ww);
    w[i] = ww;
  }
}

/**
 * STE's binarization: out = +1 where x ≥ 0, else −1 (NaN → −1).
 *
 * @example Usage
 * ```ts
 * import { signInto } from "./optim_kernels.ts";
 * const out = new Float32Array(3);
 * signInto(new Float32Array([-0.5, 0, 2]), out);
 * if (out.join() !== "-1,1,1") throw new Error(out.join());
 * ```
 */
export function signInto(x: Float32Array, out: Float32Array): void {
  sameLength("out", out, x.length);
  const n = lib();
  if (n) return n.bnn_sign(x, out, BigInt(x.length));
  for (let i = 0; i < x.length; i++) out[i] = x[i] >= 0 ? 1 : -1;
}
