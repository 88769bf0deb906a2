/**
 * Adam's fused kernel: one pass over Float32Arrays (which may be zero-copy views of wasm
 * tensors) computing one step of the equations (1)–(6) of {@linkcode ./adam.ts} for every
 * element, clamps included.
 *
 * Two implementations ({@linkcode ../backend/optim_native.ts}): bnn's native C
 * (`bnn_adam_update` in `train/backend/native/bnn_kernels.c`, vectorized, with true fused
 * multiply-adds where PyTorch has them) when the library loads, else the JS loop below. The JS
 * loop forms each fused multiply-add in float64, where the float32 product is exact, then
 * rounds once to float32: equal to a true fma unless the float64 sum lands on a float32
 * rounding tie, about 1 case in 2²⁹. Adam has no transcendental functions, so both give the
 * same bits in practice. Why native: STE's step runs this over all 10 M latent weights of the
 * paper's MNIST MLP.
 * @module
 */
import { checkLength, optimNative } from "../backend/optim_native.ts";

const f = Math.fround;

/**
 * The arguments of {@linkcode adamUpdate}.
 *
 * @example Usage
 * ```ts
 * import type { AdamUpdateArgs } from "./adam_kernel.ts";
 * const one = () => new Float32Array(1);
 * const args: AdamUpdateArgs = { w: one(), m: one(), v: one(), grad: one(), lr: 0.01, step: 1 };
 * if (args.beta1 !== undefined) throw new Error("PyTorch's β₁ by default");
 * ```
 */
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
  /** β₁; PyTorch's 0.9 when omitted. */
  beta1?: number;
  /** β₂; PyTorch's 0.999 when omitted. */
  beta2?: number;
  /** ε; PyTorch's 1e-8 when omitted. */
  eps?: number;
  /** Step t ≥ 1. */
  step: number;
  /** Clamp the gradient to ±gradClip first (omit or ≤ 0: none). */
  gradClip?: number;
  /** Clamp the weights to ±weightClip after the step (omit or ≤ 0: none). */
  weightClip?: number;
}

/**
 * One Adam step, equations (1)–(6) of {@linkcode ./adam.ts}, in one pass.
 *
 * @throws {RangeError} On length mismatches or a step < 1.
 *
 * @example Usage
 * ```ts
 * import { adamUpdate } from "./adam_kernel.ts";
 * const w = new Float32Array([1]), m = new Float32Array(1), v = new Float32Array(1);
 * adamUpdate({ w, m, v, grad: new Float32Array([4]), lr: 0.1, step: 1 });
 * // the first Adam step moves every weight by about lr against its gradient's sign
 * if (Math.abs(w[0] - 0.9) > 1e-6) throw new Error(String(w[0]));
 * ```
 */
export function adamUpdate(a: AdamUpdateArgs): void {
  const len = a.w.length;
  for (const k of ["m", "v", "grad"] as const) checkLength(k, a[k], len);
  if (!(Number.isInteger(a.step) && a.step >= 1)) {
    throw new RangeError(
      `Cannot run adamUpdate as step must be an integer >= 1: current value is ${a.step}`,
    );
  }
  const b1 = a.beta1 ?? 0.9, b2 = a.beta2 ?? 0.999;
  const stepSize = f(a.lr / (1 - b1 ** a.step));
  const bc2 = f(Math.sqrt(1 - b2 ** a.step));
  const eps = f(a.eps ?? 1e-8), gc = f(a.gradClip ?? 0), wc = f(a.weightClip ?? 0);
  const native = optimNative();
  if (native) {
    return native.bnn_adam_update(
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
    if (gc > 0) g = g > gc ? gc : (g < -gc ? -gc : g); // (1)
    // fused multiply-adds: the float32 product is exact in float64, one rounding to float32
    const mm = f(f(m[i] * fb1) + fomb1 * g); // (2)
    const vv = f(f(v[i] * fb2) + f(fomb2 * g) * g); // (3)
    m[i] = mm;
    v[i] = vv;
    const denom = f(f(f(Math.sqrt(vv)) / bc2) + eps); // (4)
    let ww = f(w[i] - f(f(stepSize * mm) / denom)); // (5)
    if (wc > 0) ww = ww > wc ? wc : (ww < -wc ? -wc : ww); // (6)
    w[i] = ww;
  }
}
