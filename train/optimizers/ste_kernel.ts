/**
 * STE's binarization kernel, equation (1) of {@linkcode ./ste.ts}, in one pass over
 * Float32Arrays: writes sign(w_r) straight into the weight tensors handed to the network
 * (zero-copy views on the wasm-based backends) and gives the ±1 mode weights.
 *
 * Two implementations ({@linkcode ../backend/optim_native.ts}): `bnn_sign` of bnn's native
 * library (`train/backend/native/bnn_kernels.c`) when it loads, else the JS loop below; the
 * same bits either way.
 * @module
 */
import { checkLength, optimNative } from "../backend/optim_native.ts";

/**
 * Equation (1) of {@linkcode ./ste.ts}: `out[i]` = w_b for w_r = `x[i]` (NaN gives −1).
 *
 * @throws {RangeError} On a length mismatch.
 *
 * @example Usage
 * ```ts
 * import { signInto } from "./ste_kernel.ts";
 * const out = new Float32Array(3);
 * signInto(new Float32Array([-0.5, 0, 2]), out);
 * if (out.join() !== "-1,1,1") throw new Error(out.join());
 * ```
 */
export function signInto(x: Float32Array, out: Float32Array): void {
  checkLength("out", out, x.length);
  const native = optimNative();
  if (native) return native.bnn_sign(x, out, BigInt(x.length));
  for (let i = 0; i < x.length; i++) out[i] = x[i] >= 0 ? 1 : -1;
}
