/**
 * Shared by the optimizers: evaluate a {@linkcode LossFn} and its gradient with
 * respect to the weights it was given and the real parameters.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { LossFn } from "./binary_optimizer.ts";

/**
 * The loss value, the kept logits (if asked) and one gradient per input tensor.
 *
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { LossGrads } from "./_loss_grads.ts";
 * const r: LossGrads = { loss: 1, grads: [tf.zeros([2])] };
 * tf.dispose(r.grads);
 * ```
 */
export interface LossGrads {
  loss: number;
  logits?: tf.Tensor2D;
  /** Gradients w.r.t. `weights` then `realParams` (zeros where the loss does not depend on one). */
  grads: tf.Tensor[];
}

/**
 * What {@linkcode lossAndGradTensors} returns: {@linkcode LossGrads} with the loss still a tensor
 * (on the device: reading it is the caller's choice, synchronous or not).
 *
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { LossGradTensors } from "./_loss_grads.ts";
 * const r: LossGradTensors = { loss: tf.scalar(1), grads: [tf.zeros([2])] };
 * tf.dispose([r.loss, ...r.grads]);
 * ```
 */
export interface LossGradTensors {
  loss: tf.Scalar;
  logits?: tf.Tensor2D;
  /** Gradients w.r.t. `weights` then `realParams` (zeros where the loss does not depend on one). */
  grads: tf.Tensor[];
}

/**
 * {@linkcode lossAndGrads} without reading the loss: the caller disposes `loss`, `grads` and
 * `logits`.
 *
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { lossAndGradTensors } from "./_loss_grads.ts";
 * const w = [tf.tensor2d([[2]])];
 * const r = lossAndGradTensors((ws) => {
 *   const logits = tf.matMul(tf.tensor2d([[3]]), ws[0]) as tf.Tensor2D;
 *   return { loss: tf.sum(logits), logits };
 * }, w, [], false);
 * if ((await r.loss.data())[0] !== 6) throw new Error("3·2");
 * tf.dispose([...w, r.loss, ...r.grads]);
 * ```
 */
export function lossAndGradTensors(
  lossFn: LossFn,
  weights: tf.Tensor[],
  realParams: tf.Variable[],
  keepLogits: boolean,
): LossGradTensors {
  let logits: tf.Tensor2D | undefined;
  const xs = [...weights, ...realParams];
  const { value, grads } = tf.engine().gradients(
    () => {
      const out = lossFn(weights);
      if (!(out && out.loss instanceof tf.Tensor) || out.loss.rank !== 0) {
        throw new TypeError(
          `Cannot take an optimizer step as lossFn must return { loss: scalar tensor, logits }: current loss is ${
            out && out.loss instanceof tf.Tensor ? `shape [${out.loss.shape}]` : String(out?.loss)
          }`,
        );
      }
      if (keepLogits) logits = tf.keep(out.logits);
      return out.loss;
    },
    xs,
    undefined,
    true,
  );
  const full = xs.map((x, i) => (grads[i] as tf.Tensor | undefined) ?? tf.zerosLike(x));
  return { loss: value as tf.Scalar, logits, grads: full };
}

/**
 * ∇ of `lossFn(weights)` w.r.t. `[...weights, ...realParams]`. The caller disposes
 * `grads` and `logits`; everything else is freed here.
 *
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { lossAndGrads } from "./_loss_grads.ts";
 * const w = [tf.tensor2d([[2]])];
 * const r = lossAndGrads((ws) => {
 *   const logits = tf.matMul(tf.tensor2d([[3]]), ws[0]) as tf.Tensor2D;
 *   return { loss: tf.sum(logits), logits };
 * }, w, [], false);
 * if (r.grads[0].dataSync()[0] !== 3) throw new Error("d(3w)/dw = 3");
 * tf.dispose([...w, ...r.grads]);
 * ```
 */
export function lossAndGrads(
  lossFn: LossFn,
  weights: tf.Tensor[],
  realParams: tf.Variable[],
  keepLogits: boolean,
): LossGrads {
  const r = lossAndGradTensors(lossFn, weights, realParams, keepLogits);
  const loss = r.loss.dataSync()[0];
  r.loss.dispose();
  return { loss, logits: r.logits, grads: r.grads };
}
