/**
 * The options of `BayesBiNN` ({@linkcode ./bayes_binn.ts}), named after the symbols of its
 * equations, and their validation. Every value is given: the defaults (the paper's values for
 * the dataset) live in the config schema alone (`train/config/keys.ts`).
 * @module
 */
import type * as tf from "@tensorflow/tfjs";

/**
 * Options of `BayesBiNN`: the symbols of the equations in ./bayes_binn.ts.
 *
 * @example Usage
 * ```ts
 * import type { BayesBiNNOptions } from "./bayes_binn_options.ts";
 * const mnist: BayesBiNNOptions = {
 *   learningRate: 1e-4, temperature: 1e-10, mcSteps: 1, trainSetSize: 54000,
 *   beta: 0, lambdaInit: 10, lambdaStd: 0, klReweight: 1,
 * };
 * if (mnist.mcSteps !== 1) throw new Error();
 * ```
 */
export interface BayesBiNNOptions {
  /** α, ≥ 0 (paper: 1e-4 MNIST, 3e-4 CIFAR; cosine to 1e-16). */
  learningRate: number;
  /** Gumbel-softmax temperature τ > 0 (paper: 1e-10; 1e-8 CIFAR-100). */
  temperature: number;
  /** MC samples per step S, an integer ≥ 1 (paper: 1). */
  mcSteps: number;
  /** N: training-set size × trainset_scale (> 0). */
  trainSetSize: number;
  /** Momentum β ∈ [0, 1) (paper: 0). */
  beta: number;
  /** |λ| at initialisation (paper: 10). */
  lambdaInit: number;
  /** Variance (≥ 0) of the normal jitter of the initial λ (original `lamda_std`; paper: 0). */
  lambdaStd: number;
  /** κ ≥ 0, weight of the KL/prior term (paper: 1). */
  klReweight: number;
  /** Real parameters (BN γ/β) trained by Adam; none when omitted. */
  realParams?: tf.Variable[];
}

function invalid(name: string, rule: string, value: unknown): never {
  throw new RangeError(
    `Cannot create BayesBiNN as ${name} must be ${rule}: current value is ${value}`,
  );
}

/**
 * Checks every option's range before BayesBiNN allocates anything.
 *
 * @throws {RangeError} Naming the option and its value, e.g.
 *   `Cannot create BayesBiNN as temperature must be > 0: current value is 0`.
 *
 * @example Usage
 * ```ts
 * import { checkBayesBiNNOptions } from "./bayes_binn_options.ts";
 * const opts = {
 *   learningRate: 1e-4, temperature: 0, mcSteps: 1, trainSetSize: 100,
 *   beta: 0, lambdaInit: 10, lambdaStd: 0, klReweight: 1,
 * };
 * let message = "";
 * try {
 *   checkBayesBiNNOptions(opts);
 * } catch (e) {
 *   message = (e as RangeError).message;
 * }
 * if (!message.includes("temperature must be > 0")) throw new Error(message);
 * ```
 */
export function checkBayesBiNNOptions(opts: BayesBiNNOptions): void {
  const { learningRate, temperature, mcSteps, trainSetSize } = opts;
  const { beta, lambdaInit, lambdaStd, klReweight } = opts;
  if (!(temperature > 0) || !Number.isFinite(temperature)) {
    invalid("temperature", "> 0", temperature);
  }
  if (!(Number.isInteger(mcSteps) && mcSteps >= 1)) {
    invalid("mcSteps", "an integer >= 1", mcSteps);
  }
  if (!(trainSetSize > 0) || !Number.isFinite(trainSetSize)) {
    invalid("trainSetSize", "> 0", trainSetSize);
  }
  if (!(beta >= 0 && beta < 1)) invalid("beta", "in [0, 1)", beta);
  if (!(learningRate >= 0) || !Number.isFinite(learningRate)) {
    invalid("learningRate", ">= 0", learningRate);
  }
  if (!Number.isFinite(lambdaInit)) invalid("lambdaInit", "a finite number", lambdaInit);
  if (!(lambdaStd >= 0) || !Number.isFinite(lambdaStd)) invalid("lambdaStd", ">= 0", lambdaStd);
  if (!(klReweight >= 0) || !Number.isFinite(klReweight)) {
    invalid("klReweight", ">= 0", klReweight);
  }
}
