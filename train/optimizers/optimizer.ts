/**
 * The contract between bnn's binary optimizers and the trainer, and a factory
 * that builds one from config-like options.
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
import { BayesBiNN } from "./bayes_binn.ts";
import { STE } from "./ste.ts";

/**
 * What a loss function returns: the mean minibatch loss and the logits.
 *
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import type { LossOutput } from "./optimizer.ts";
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
 * import type { LossFn } from "./optimizer.ts";
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
 * import type { StepResult } from "./optimizer.ts";
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
 * import type { OptimizerState } from "./optimizer.ts";
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
 * import { createOptimizer } from "./optimizer.ts";
 * import { Rng } from "../random.ts";
 * const opt = createOptimizer("ste", { lr_init: 0.01 }, [[3, 2]], new Rng(1, "optimizer"), []);
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
  readonly kind: "bayesbinn" | "ste";
  /** The step size, set per epoch by the trainer from {@linkcode ./schedule.ts}. */
  learningRate: number;
  /**
   * One step. `lossFn` is given the weights to use (BayesBiNN: relaxed samples;
   * STE: sign of latent) and returns the mean minibatch loss and the logits.
   * Returns the loss (mean over MC samples) and the first sample's logits
   * (caller disposes).
   */
  step(lossFn: LossFn): StepResult;
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

/**
 * Which optimizer {@linkcode createOptimizer} builds.
 *
 * @example Usage
 * ```ts
 * import type { OptimizerKind } from "./optimizer.ts";
 * const kind: OptimizerKind = "bayesbinn";
 * if (kind !== "bayesbinn") throw new Error();
 * ```
 */
export type OptimizerKind = "bayesbinn" | "ste";

/**
 * Config keys (snake_case, as in the reproduction's JSON configs plus bnn's own)
 * that {@linkcode createOptimizer} reads. Unset keys take the paper's defaults.
 *
 * @example Usage
 * ```ts
 * import type { OptimizerOptions } from "./optimizer.ts";
 * const mnist: OptimizerOptions = { lr_init: 1e-4, temperature: 1e-10, mc_steps: 1, train_set_size: 54000 };
 * if (mnist.train_set_size !== 54000) throw new Error();
 * ```
 */
export interface OptimizerOptions {
  /** Initial learning rate (BayesBiNN α, or Adam's lr for STE). */
  lr_init?: number;
  /** BayesBiNN: Gumbel-softmax temperature τ (default 1e-10). */
  temperature?: number;
  /** BayesBiNN: MC samples per step S (default 1). */
  mc_steps?: number;
  /** BayesBiNN: number of training examples (required for BayesBiNN). */
  train_set_size?: number;
  /** BayesBiNN: N = train_set_size × trainset_scale (default 1). */
  trainset_scale?: number;
  /** BayesBiNN: momentum β of λ's update (default 0). */
  beta?: number;
  /** BayesBiNN: |λ| at initialisation (default 10). */
  lambda_init?: number;
  /** BayesBiNN: variance of a normal jitter added to the initial λ (default 0). */
  lambda_std?: number;
  /** BayesBiNN: weight κ of the KL / prior term (default 1). */
  kl_reweight?: number;
  /** STE: element-wise gradient clamp (default none; null or 0 disables). */
  grad_clip_value?: number | null;
  /** STE: latent-weight clamp (default 1; null or 0 disables). */
  weight_clip_value?: number | null;
}

/**
 * Builds a {@linkcode BinaryOptimizer} from config-like options.
 *
 * @param kind `"bayesbinn"` or `"ste"`.
 * @param opts Config keys (see {@linkcode OptimizerOptions}).
 * @param shapes One shape per binary layer (`BinaryNet.binaryShapes`).
 * @param rng The optimizer's own random stream (initialisation, then Gumbel noise).
 * @param realParams Real-valued parameters trained with Adam (BN γ/β), possibly empty.
 * @throws {RangeError} If `kind` or an option is invalid.
 *
 * @example Usage
 * ```ts
 * import { createOptimizer } from "./optimizer.ts";
 * import { Rng } from "../random.ts";
 * const opt = createOptimizer(
 *   "bayesbinn",
 *   { lr_init: 1e-4, temperature: 1e-10, train_set_size: 54000 },
 *   [[784, 10]],
 *   new Rng(1, "optimizer"),
 *   [],
 * );
 * if (opt.kind !== "bayesbinn") throw new Error("wrong kind");
 * opt.dispose();
 * ```
 */
export function createOptimizer(
  kind: OptimizerKind,
  opts: OptimizerOptions,
  shapes: number[][],
  rng: Rng,
  realParams: tf.Variable[],
): BinaryOptimizer {
  switch (kind) {
    case "bayesbinn": {
      if (opts.train_set_size === undefined) {
        throw new RangeError(
          "Cannot create BayesBiNN as train_set_size must be given: current value is undefined",
        );
      }
      return new BayesBiNN(shapes, rng, {
        learningRate: opts.lr_init ?? 1e-4,
        temperature: opts.temperature ?? 1e-10,
        mcSteps: opts.mc_steps ?? 1,
        trainSetSize: opts.train_set_size * (opts.trainset_scale ?? 1),
        beta: opts.beta ?? 0,
        lambdaInit: opts.lambda_init ?? 10,
        lambdaStd: opts.lambda_std ?? 0,
        klReweight: opts.kl_reweight ?? 1,
        realParams,
      });
    }
    case "ste":
      return new STE(shapes, rng, {
        learningRate: opts.lr_init ?? 1e-2,
        gradClipValue: opts.grad_clip_value || null,
        weightClipValue: opts.weight_clip_value === undefined ? 1 : opts.weight_clip_value || null,
        realParams,
      });
    default:
      throw new RangeError(
        `Cannot create an optimizer as kind must be "bayesbinn" or "ste": current value is ${
          JSON.stringify(kind satisfies never)
        }`,
      );
  }
}
