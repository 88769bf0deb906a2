/**
 * A seeded split of a training set into training and validation indices, as the paper's
 * code does: shuffle the indices 0…n−1, the first ⌊fraction·n⌋ are the validation set and
 * the rest the training set (MNIST 54 000 / 6 000, CIFAR 45 000 / 5 000 at fraction 0.1).
 * The shuffle is a Fisher–Yates permutation from a bnn {@linkcode Rng}, so it is the same for
 * a given seed but not NumPy's.
 *
 * @module
 */

import type { Rng } from "../random.ts";

/** Training and validation indices into one dataset. */
export interface ValidationSplit {
  /** The training indices, in shuffled order. */
  train: Uint32Array;
  /** The validation indices, in shuffled order. */
  val: Uint32Array;
}

/**
 * Splits `count` examples into training and validation indices by a seeded shuffle.
 *
 * @param count The number of examples (a non-negative integer).
 * @param fraction The validation fraction in [0, 1).
 * @param rng The random stream for the split (e.g. `new Rng(seed, "split")`).
 * @returns `val` = the first ⌊fraction·count⌋ shuffled indices, `train` = the others.
 * @throws {RangeError} If `count` or `fraction` is out of range.
 *
 * @example Usage
 * ```ts
 * import { Rng } from "../random.ts";
 * import { splitValidation } from "./split_validation.ts";
 * const { train, val } = splitValidation(60000, 0.1, new Rng(1, "split"));
 * if (train.length !== 54000 || val.length !== 6000) throw new Error();
 * ```
 */
export function splitValidation(count: number, fraction: number, rng: Rng): ValidationSplit {
  if (!Number.isInteger(count) || count < 0 || count >= 2 ** 32) {
    throw new RangeError(
      `Cannot split as count must be a non-negative integer: current value is ${count}`,
    );
  }
  if (!(fraction >= 0 && fraction < 1)) {
    throw new RangeError(
      `Cannot split as fraction must be in [0, 1): current value is ${fraction}`,
    );
  }
  const order = rng.permutation(count);
  const nVal = Math.floor(fraction * count);
  return { train: order.slice(nVal), val: order.slice(0, nVal) };
}
