/**
 * The training loss: mean softmax cross-entropy over the minibatch,
 *
 *     L = −(1/b) Σ_i log softmax(z_i)_{y_i}
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/**
 * Mean softmax cross-entropy of logits against integer labels.
 *
 * @param logits `[b, classes]`.
 * @param labels `[b]` int32.
 * @returns The scalar mean over the batch.
 *
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { crossEntropy } from "./cross_entropy.ts";
 * const l = crossEntropy(tf.tensor2d([[0, 0]]), tf.tensor1d([1], "int32"));
 * if (Math.abs(l.dataSync()[0] - Math.log(2)) > 1e-6) throw new Error("wrong loss");
 * ```
 */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const oneHot = tf.oneHot(labels, logits.shape[1]);
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1)));
  });
}
