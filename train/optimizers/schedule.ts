/**
 * The per-epoch cosine learning-rate schedule of the paper (PyTorch's
 * `CosineAnnealingLR` with `T_max` = the configured number of epochs). It owns the
 * optimizers' learning rate during training: `Model.fit` sets `optimizer.learningRate` to
 * {@linkcode cosineLr} of the epoch, from the config's `lr_init` and `lr_final`, before every
 * epoch (and before a resumed one).
 * @module
 */

/**
 * The learning rate for 0-based epoch `epoch` of `epochs`:
 *
 *     lr(e) = lr_final + (lr_init − lr_final) · (1 + cos(π·e/E)) / 2
 *
 * so epoch 0 trains with `lrInit` and the rate falls towards `lrFinal` (reached at
 * e = E, one past the last epoch, as the reproduction's scheduler stepped after
 * each epoch).
 *
 * @param epoch 0-based epoch, an integer in [0, epochs].
 * @param epochs Total number of epochs E (≥ 1).
 * @param lrInit Initial learning rate (≥ 0).
 * @param lrFinal Final learning rate (≥ 0).
 * @throws {RangeError} If an argument is out of range.
 *
 * @example Usage
 * ```ts
 * import { cosineLr } from "./schedule.ts";
 * if (cosineLr(0, 10, 1e-4, 1e-16) !== 1e-4) throw new Error("epoch 0 uses lr_init");
 * if (Math.abs(cosineLr(5, 10, 1, 0) - 0.5) > 1e-15) throw new Error("midpoint is the mean");
 * ```
 */
export function cosineLr(epoch: number, epochs: number, lrInit: number, lrFinal: number): number {
  if (!Number.isInteger(epochs) || epochs < 1) {
    throw new RangeError(
      `Cannot compute cosineLr as epochs must be an integer >= 1: current value is ${epochs}`,
    );
  }
  if (!Number.isInteger(epoch) || epoch < 0 || epoch > epochs) {
    throw new RangeError(
      `Cannot compute cosineLr as epoch must be an integer in [0, ${epochs}]: current value is ${epoch}`,
    );
  }
  if (!(lrInit >= 0) || !Number.isFinite(lrInit)) {
    throw new RangeError(
      `Cannot compute cosineLr as lrInit must be a finite number >= 0: current value is ${lrInit}`,
    );
  }
  if (!(lrFinal >= 0) || !Number.isFinite(lrFinal)) {
    throw new RangeError(
      `Cannot compute cosineLr as lrFinal must be a finite number >= 0: current value is ${lrFinal}`,
    );
  }
  return lrFinal + (lrInit - lrFinal) * (1 + Math.cos(Math.PI * epoch / epochs)) / 2;
}
