/**
 * The contract between bnn's binary optimizers and the trainer: what a step is given (a
 * {@linkcode LossFn}), what it returns, and what every optimizer offers
 * ({@linkcode BinaryOptimizer}). {@linkcode ./create_optimizer.ts} builds one from a config.
 *
 * An optimizer owns the binary weights' state (BayesBiNN: natural parameters λ;
 * STE: latent real weights) and hands the network the weights to use: relaxed
 * samples or signs during a step, ±1 for prediction. The network itself
 * ({@linkcode ../models/binary_net.ts}) is a function of those weights, so the
 * optimizer can differentiate the loss with respect to them.
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { Rng } from "../random.ts";
import type { OptimizerKind } from "./optimizer_kind.ts";

/**
 * What a loss function returns: the mean minibatch loss and the logits.
 *
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { LossOutput } from "./binary_optimizer.ts";
 * const logits = tf.tensor2d([[2, 0]]);
 * const out: LossOutput = { loss: tf.losses.softmaxCrossEntropy(tf.tensor2d([[1, 0]]), logits) as tf.Scalar, logits };
 * if (out.loss.rank !== 0) throw new Error("scalar loss");
 * ```
 */
export interface LossOutput {
  loss: tf.Scalar;
  logits: tf.Tensor2D;
}

/**
 * Evaluates the network on the current minibatch with the given binary-layer
 * weights (one tensor per dense/conv layer, in layer order).
 *
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { LossFn } from "./binary_optimizer.ts";
 * const x = tf.tensor2d([[1, -1]]);
 * const lossFn: LossFn = (w) => {
 *   const logits = tf.matMul(x, w[0]) as tf.Tensor2D;
 *   return { loss: tf.sum(logits), logits };
 * };
 * const out = lossFn([tf.tensor2d([[1], [1]])]);
 * if (out.loss.dataSync()[0] !== 0) throw new Error("1 − 1");
 * ```
 */
export type LossFn = (weights: tf.Tensor[]) => LossOutput;

/**
 * What one {@linkcode BinaryOptimizer.step} returns.
 *
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { StepResult } from "./binary_optimizer.ts";
 * const r: StepResult = { loss: 0.5, logits: tf.zeros([1, 10]) as tf.Tensor2D };
 * r.logits.dispose();
 * ```
 */
export interface StepResult {
  /** The loss, averaged over the MC samples of the step. */
  loss: number;
  /** The first sample's logits; the caller disposes them. */
  logits: tf.Tensor2D;
}

/**
 * The serializable state of an optimizer: tensors as Float32Array, counters as numbers.
 *
 * @example Usage
 * ```ts
 * import type { OptimizerState } from "./binary_optimizer.ts";
 * const s: OptimizerState = { step: 3, "lambda.0": new Float32Array([10, -10]) };
 * if (s.step !== 3) throw new Error();
 * ```
 */
export type OptimizerState = Record<string, Float32Array | number>;

/**
 * A binary-weight optimizer (BayesBiNN or STE).
 *
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { BinaryOptimizer } from "./binary_optimizer.ts";
 * import { STE } from "./ste.ts";
 * import { Rng } from "../random.ts";
 * const opt: BinaryOptimizer = new STE([[3, 2]], new Rng(1, "optimizer"), {
 *   learningRate: 0.01, gradClipValue: null, weightClipValue: 1,
 * });
 * const x = tf.tensor2d([[1, 2, 3]]);
 * const { loss, logits } = opt.step((w) => {
 *   const logits = tf.matMul(x, w[0]) as tf.Tensor2D;
 *   return { loss: tf.sum(logits), logits };
 * });
 * logits.dispose();
 * if (!Number.isFinite(loss)) throw new Error("bad loss");
 * opt.dispose();
 * x.dispose();
 * ```
 */
export interface BinaryOptimizer {
  readonly kind: OptimizerKind;
  /**
   * The step size α. Its owner is the learning-rate schedule: `Model.fit` sets it to
   * `cosineLr(epoch, …)` ({@linkcode ./schedule.ts}) before every epoch.
   */
  learningRate: number;
  /**
   * One step. `lossFn` is given the weights to use (BayesBiNN: relaxed samples;
   * STE: sign of latent) and returns the mean minibatch loss and the logits.
   * Returns the loss (mean over MC samples) and the first sample's logits
   * (caller disposes).
   */
  step(lossFn: LossFn): StepResult;
  /**
   * {@linkcode BinaryOptimizer.step} reading its loss with `await`: what the GPU optimizers
   * (`webgpu`, whose values cannot be read synchronously) implement; `Model.fit` prefers it.
   */
  stepAsync?(lossFn: LossFn): Promise<StepResult>;
  /** ±1 weights: BayesBiNN mode (μ ≤ 0 → −1, lagged μ); STE sign (w ≥ 0 → +1). Caller disposes. */
  modeWeights(): tf.Tensor[];
  /** BayesBiNN: w ~ 2·Bernoulli(sigmoid(2λ)) − 1; STE: the mode. Caller disposes. */
  sampleWeights(rng: Rng): tf.Tensor[];
  /** Everything needed to continue bit-identically (copies). */
  getState(): OptimizerState;
  /** Restores {@linkcode BinaryOptimizer.getState}; throws on missing keys or wrong sizes. */
  setState(s: OptimizerState): void;
  /** Frees the optimizer's tensors. */
  dispose(): void;
}
