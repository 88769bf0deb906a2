/**
 * Uniform random numbers in bulk, exactly the stream of `Rng.fillUniform`
 * ({@linkcode ../random.ts}: xoshiro128**, ((u >>> 9) + 0.5) / 2²³, exact in float32 and
 * strictly inside (0, 1)), drawn from the generator's four state words, which advance in place.
 * BayesBiNN draws its Gumbel noise this way, so a checkpoint's `rng.*` words resume it bit for
 * bit. Native (`bnn_fill_uniform`) when bnn's library loads, else the JS loop below
 * ({@linkcode ./optim_native.ts}); both give the same numbers.
 * @module
 */
import { checkLength, optimNative } from "./optim_native.ts";

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * Fills `out` with uniform numbers in (0, 1), advancing `state` in place.
 * Use `new Uint32Array(rng.state())` and continue with `Rng.fromState([...state])`.
 *
 * @param state The 4-word generator state (`Rng.state()`), updated in place.
 * @param out The array to fill.
 * @throws {RangeError} If `state` does not have 4 words.
 *
 * @example Usage
 * ```ts
 * import { Rng } from "../random.ts";
 * import { fillUniform } from "./fill_uniform.ts";
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
  checkLength("state", state, 4);
  const native = optimNative();
  if (native) return native.bnn_fill_uniform(state, out, BigInt(out.length));
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
