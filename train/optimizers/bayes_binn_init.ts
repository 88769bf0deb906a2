/**
 * BayesBiNN's initial natural parameters (reference.md §BayesBiNN, "Init"): λ = ±λ_init with
 * a seeded random sign per weight, as the paper (λ_init = 10), plus, when λ_std > 0, a normal
 * jitter of variance λ_std, as the original's `--lamda-std`.
 * @module
 */
import type { Rng } from "../random.ts";

/** A standard normal draw from two uniforms (Box–Muller). */
function normal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(rng.uniform())) * Math.cos(2 * Math.PI * rng.uniform());
}

/**
 * The initial natural parameters: per weight (row-major), a sign from one uniform
 * (u < 0.5 → +λ_init, else −λ_init), then, when λ_std > 0, + √λ_std·N(0,1).
 *
 * @example Usage
 * ```ts
 * import { initLambda } from "./bayes_binn_init.ts";
 * import { Rng } from "../random.ts";
 * const l = initLambda(100, 10, 0, new Rng(1, "init"));
 * if (!l.every((x) => x === 10 || x === -10)) throw new Error("±10");
 * ```
 */
export function initLambda(
  size: number,
  lambdaInit: number,
  lambdaStd: number,
  rng: Rng,
): Float32Array {
  const out = new Float32Array(size);
  const sd = Math.sqrt(lambdaStd);
  for (let i = 0; i < size; i++) {
    out[i] = rng.uniform() < 0.5 ? lambdaInit : -lambdaInit;
    if (lambdaStd > 0) out[i] += sd * normal(rng);
  }
  return out;
}
