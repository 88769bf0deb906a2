/**
 * Seeded, serializable random numbers: every random source in bnn (weight init,
 * shuffling, validation split, dropout, augmentation, Gumbel noise) draws from a
 * {@linkcode Rng} whose whole state is four 32-bit words, so a checkpoint can store
 * it and a resumed run continues with the very same stream.
 *
 * The generator is xoshiro128** (Blackman & Vigna, 2018), seeded through
 * splitmix32 so that nearby seeds give unrelated streams.
 *
 * @example Usage
 * ```ts
 * import { Rng } from "./random.ts";
 * const a = new Rng(1, "shuffle");
 * const b = Rng.fromState(a.state());
 * if (a.uniform() !== b.uniform()) throw new Error("streams differ");
 * ```
 * @module
 */

/** The state of an {@linkcode Rng}: four unsigned 32-bit words. */
export type RngState = [number, number, number, number];

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** FNV-1a hash of a stream name, so each named stream of one seed is distinct. */
function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  }
  return h;
}

/**
 * A seeded xoshiro128** generator, one per named random source.
 *
 * @example Usage
 * ```ts
 * import { Rng } from "./random.ts";
 * const rng = new Rng(42, "dropout");
 * const u = rng.uniform(); // in (0, 1)
 * if (!(u > 0 && u < 1)) throw new Error("out of range");
 * ```
 */
export class Rng {
  #s: Uint32Array;

  /**
   * @param seed A non-negative integer seed.
   * @param stream The name of the random source ("init", "shuffle", ...).
   * @throws {RangeError} If `seed` is not a non-negative safe integer.
   */
  constructor(seed: number, stream = "") {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new RangeError(
        `Cannot create Rng as seed must be a non-negative integer: current value is ${seed}`,
      );
    }
    const mix = splitmix32((seed ^ hashName(stream)) >>> 0 ^ Math.floor(seed / 2 ** 32));
    this.#s = new Uint32Array([mix(), mix(), mix(), mix()]);
    if (this.#s.every((w) => w === 0)) this.#s[0] = 1;
  }

  /** Rebuilds a generator from {@linkcode Rng.state}. */
  static fromState(state: RngState): Rng {
    const rng = new Rng(0);
    rng.#s.set(state);
    return rng;
  }

  /** The generator's state, to store in a checkpoint. */
  state(): RngState {
    return [this.#s[0], this.#s[1], this.#s[2], this.#s[3]];
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /**
   * A uniform number in the open interval (0, 1): (k + ½)/2²³ for a random 23-bit k, so every
   * value, stored in a Float32Array, stays exactly itself and strictly inside (0, 1).
   */
  uniform(): number {
    return ((this.nextUint32() >>> 9) + 0.5) / 8388608;
  }

  /** A uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 2 ** 32) {
      throw new RangeError(
        `Cannot draw Rng.int(n) as n must be an integer in [1, 2^32]: current value is ${n}`,
      );
    }
    // Modulo with rejection of the incomplete top range: unbiased for every n.
    const limit = (2 ** 32) - ((2 ** 32) % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** Fills `out` with uniform numbers in (0, 1) and returns it. */
  fillUniform(out: Float32Array): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = this.uniform();
    return out;
  }

  /** A random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
