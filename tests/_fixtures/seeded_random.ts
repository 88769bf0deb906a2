/**
 * The tests' own seeded random numbers, independent of bnn's `Rng` (so a fixture or a fuzz case
 * does not change when bnn's generator does).
 * @module
 */

/**
 * mulberry32: a tiny seeded generator of floats in [0, 1).
 *
 * @example Usage
 * ```ts
 * import { generator } from "./seeded_random.ts";
 * const a = generator(7), b = generator(7);
 * if (a() !== b()) throw new Error("not reproducible");
 * ```
 */
export function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
