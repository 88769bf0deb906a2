/**
 * BayesBiNN (Meng, Bachmann & Khan, "Training Binary Neural Networks using the
 * Bayesian Learning Rule", ICML 2020): a mean-field Bernoulli posterior over ±1
 * weights, q(w = +1) = sigmoid(2λ), trained with the Bayesian learning rule and
 * the Gumbel-softmax relaxation (reference.md §BayesBiNN, reference-sources.md §1.2).
 *
 * State per binary weight: λ (init ±λ_init with a seeded random sign, plus
 * √λ_std·N(0,1) when λ_std > 0, as the original's `lamda_std`, a variance), m = 0,
 * the prior λ₀ (0, or a previous posterior for continual learning), the lagged
 * μ = tanh(λ_init); a global step t. One step, with S = `mcSteps`:
 *
 *     for s = 1..S:  ε ~ U(0,1) (from the optimizer's Rng, row-major, layer by layer)
 *                    δ = log(ε/(1−ε))/2;  w = tanh((δ + λ)/τ)
 *                    g = ∇_w loss(w)                      (mean minibatch loss)
 *                    ĝ += (1 − w² + 1e-10)/τ/(1 − μ² + 1e-10) ⊙ g
 *     ĝ ← ĝ · (N/S)                                       (N = train size × trainset_scale)
 *     m ← β·m + (1 − β)·(ĝ + κ·(λ − λ₀))
 *     λ ← λ − α·m/(1 − βᵗ)
 *     μ ← tanh(λ_old)                                     (lagged one step, as the original)
 *
 * Arithmetic: float32 tfjs tensors, every op rounded to float32 in the order
 * written (see ./bayes_binn_math.ts), the `+1e-10` terms included; with τ = 1e-10
 * and |λ| ≥ 9.01 the scale is exactly 1/τ. Prediction: the mode (μ ≤ 0 → −1, else
 * +1, lagged μ) or samples w ~ 2·Bernoulli(sigmoid(2λ)) − 1 (current λ). BN γ/β,
 * when affine, are trained by Adam (./adam.ts) on the gradient averaged over the S
 * samples, with the same learning rate (paper footnote 3), never binarised.
 *
 * Checked against the authors' update (their `optimizers/BayesBiNN.py` lines in
 * torch 1.13 float32, fed the same ε; 2,000 weights, S = 2, β = 0.9, κ = 0.5, 3
 * steps): bit-identical at τ = 1e-10, λ_init = 10 on both the cpu and wasm
 * backends; at τ = 0.5, λ_init = 0.7 within 3e-7 relative on cpu and 4e-5 on wasm
 * (tanh/log differ by an ulp or two between implementations).
 *
 * Noise: ε is the Rng's `uniform()`, (k + ½)/2²³, exact in float32 and strictly
 * inside (0, 1), so δ is always finite.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../random.ts";
import { Adam } from "./adam.ts";
import { assignArrays, readRngState, stateArray } from "./_state.ts";
import { lossAndGrads } from "./_loss_grads.ts";
import {
  bernoulliSample,
  gradScale,
  lambdaUpdate,
  modeFromMu,
  momentumUpdate,
  relaxedSample,
} from "./bayes_binn_math.ts";
import type { BinaryOptimizer, LossFn, OptimizerState, StepResult } from "./optimizer.ts";

/**
 * Options of {@linkcode BayesBiNN}.
 *
 * @example Usage
 * ```ts
 * import type { BayesBiNNOptions } from "./bayes_binn.ts";
 * const mnist: BayesBiNNOptions = { learningRate: 1e-4, temperature: 1e-10, mcSteps: 1, trainSetSize: 54000 };
 * if (mnist.mcSteps !== 1) throw new Error();
 * ```
 */
export interface BayesBiNNOptions {
  /** α (paper: 1e-4 MNIST, 3e-4 CIFAR; cosine to 1e-16). */
  learningRate: number;
  /** Gumbel-softmax temperature τ > 0 (paper: 1e-10; 1e-8 CIFAR-100). */
  temperature: number;
  /** MC samples per step S, an integer ≥ 1 (paper: 1). */
  mcSteps: number;
  /** N: training-set size × trainset_scale (> 0). */
  trainSetSize: number;
  /** Momentum β ∈ [0, 1) (paper: 0). */
  beta?: number;
  /** |λ| at initialisation (paper: 10). */
  lambdaInit?: number;
  /** Variance of the normal jitter of the initial λ (original `lamda_std`, default 0). */
  lambdaStd?: number;
  /** κ, weight of the KL/prior term (default 1). */
  klReweight?: number;
  /** Real parameters (BN γ/β) trained by Adam. */
  realParams?: tf.Variable[];
}

function invalid(name: string, rule: string, value: unknown): never {
  throw new RangeError(
    `Cannot create BayesBiNN as ${name} must be ${rule}: current value is ${value}`,
  );
}

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
 * import { initLambda } from "./bayes_binn.ts";
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

/**
 * The BayesBiNN optimizer.
 *
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { BayesBiNN } from "./bayes_binn.ts";
 * import { Rng } from "../random.ts";
 * const opt = new BayesBiNN([[2, 1]], new Rng(1, "bayesbinn"), {
 *   learningRate: 1e-4, temperature: 1e-10, mcSteps: 1, trainSetSize: 100,
 * });
 * const x = tf.tensor2d([[1, -1]]);
 * const r = opt.step((w) => {
 *   const logits = tf.matMul(x, w[0]) as tf.Tensor2D;
 *   return { loss: tf.sum(logits), logits };
 * });
 * r.logits.dispose();
 * const [mode] = opt.modeWeights();
 * if (!mode.dataSync().every((v) => v === 1 || v === -1)) throw new Error("±1");
 * tf.dispose([mode, x]);
 * opt.dispose();
 * ```
 */
export class BayesBiNN implements BinaryOptimizer {
  readonly kind = "bayesbinn" as const;
  learningRate: number;
  readonly temperature: number;
  readonly mcSteps: number;
  readonly trainSetSize: number;
  readonly beta: number;
  readonly klReweight: number;
  readonly realParams: tf.Variable[];
  /** Steps taken (t of the last step). */
  stepCount = 0;
  #lambda: tf.Variable[];
  #m: tf.Variable[];
  #mu: tf.Variable[];
  #prior: tf.Variable[];
  #priorSet = false;
  #noise: Float32Array[];
  #adam: Adam;
  #rng: Rng;

  /**
   * @param shapes One kernel shape per binary layer.
   * @param rng Draws the initial λ, then the Gumbel noise; saved with the state.
   * @throws {RangeError} On an invalid option, e.g.
   *   `Cannot create BayesBiNN as temperature must be > 0: current value is 0`.
   */
  constructor(shapes: number[][], rng: Rng, opts: BayesBiNNOptions) {
    const { learningRate, temperature, mcSteps, trainSetSize } = opts;
    const { beta = 0, lambdaInit = 10, lambdaStd = 0, klReweight = 1 } = opts;
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
    this.learningRate = learningRate;
    this.temperature = temperature;
    this.mcSteps = mcSteps;
    this.trainSetSize = trainSetSize;
    this.beta = beta;
    this.klReweight = klReweight;
    this.realParams = opts.realParams ?? [];
    this.#rng = rng;
    const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
    this.#lambda = shapes.map((s, i) =>
      tf.tidy(() =>
        tf.variable(tf.tensor(initLambda(sizes[i], lambdaInit, lambdaStd, rng), s), false)
      )
    );
    this.#m = this.#lambda.map((l) => tf.tidy(() => tf.variable(tf.zerosLike(l), false)));
    this.#mu = this.#lambda.map((l) => tf.tidy(() => tf.variable(tf.tanh(l), false)));
    this.#prior = this.#lambda.map((l) => tf.tidy(() => tf.variable(tf.zerosLike(l), false)));
    this.#noise = sizes.map((n) => new Float32Array(n));
    this.#adam = new Adam(this.realParams);
  }

  /** The natural parameters λ (the optimizer's own variables: do not dispose). */
  get lambda(): readonly tf.Variable[] {
    return this.#lambda;
  }

  /** The momentum m (do not dispose; left out of {@linkcode BayesBiNN.getState} when β = 0). */
  get momentum(): readonly tf.Variable[] {
    return this.#m;
  }

  /** The prior λ₀ (do not dispose; zeros until a prior is set). */
  get prior(): readonly tf.Variable[] {
    return this.#prior;
  }

  /** Whether a prior λ₀ ≠ 0 was set ({@linkcode BayesBiNN.usePosteriorAsPrior}, `setPrior`). */
  get hasPrior(): boolean {
    return this.#priorSet;
  }

  /** The lagged expectation parameters μ (do not dispose). */
  get mu(): readonly tf.Variable[] {
    return this.#mu;
  }

  /** {@inheritDoc BinaryOptimizer.step} */
  step(lossFn: LossFn): StepResult {
    const S = this.mcSteps;
    this.stepCount++;
    let gHat: tf.Tensor[] = [];
    let realSum: tf.Tensor[] = [];
    let lossSum = 0;
    let logits: tf.Tensor2D | undefined;
    for (let s = 0; s < S; s++) {
      const w = this.#lambda.map((l, i) =>
        tf.tidy(() =>
          relaxedSample(
            l,
            tf.tensor(this.#rng.fillUniform(this.#noise[i]), l.shape),
            this.temperature,
          )
        )
      );
      const r = lossAndGrads(lossFn, w, this.realParams, s === 0);
      lossSum += r.loss;
      if (s === 0) logits = r.logits;
      const nb = w.length;
      const next = tf.tidy(() =>
        w.map((wi, i) => {
          const contrib = tf.mul(gradScale(wi, this.#mu[i], this.temperature), r.grads[i]);
          return s === 0 ? contrib : tf.add(gHat[i], contrib);
        })
      );
      const nextReal = tf.tidy(() =>
        r.grads.slice(nb).map((g, j) => (s === 0 ? tf.clone(g) : tf.add(realSum[j], g)))
      );
      tf.dispose([...w, ...r.grads, ...gHat, ...realSum]);
      gHat = next;
      realSum = nextReal;
    }
    tf.tidy(() => {
      const scaleN = this.trainSetSize / S;
      this.#lambda.forEach((l, i) => {
        const m = momentumUpdate(
          this.#m[i],
          tf.mul(gHat[i], scaleN),
          l,
          this.#prior[i],
          this.beta,
          this.klReweight,
        );
        const lambdaNew = lambdaUpdate(l, m, this.learningRate, this.beta, this.stepCount);
        this.#mu[i].assign(tf.tanh(l));
        this.#m[i].assign(m);
        l.assign(lambdaNew);
      });
    });
    tf.dispose(gHat);
    if (this.realParams.length > 0) {
      const mean = tf.tidy(() => realSum.map((g) => tf.div(g, S)));
      this.#adam.apply(mean, this.learningRate);
      tf.dispose(mean);
    }
    tf.dispose(realSum);
    return { loss: lossSum / S, logits: logits! };
  }

  /** The mode: +1 where the lagged μ > 0, −1 where μ ≤ 0. */
  modeWeights(): tf.Tensor[] {
    return this.#mu.map(modeFromMu);
  }

  /** w ~ 2·Bernoulli(sigmoid(2λ)) − 1, uniforms drawn row-major from `rng`. */
  sampleWeights(rng: Rng): tf.Tensor[] {
    return this.#lambda.map((l, i) =>
      tf.tidy(() => bernoulliSample(l, tf.tensor(rng.fillUniform(this.#noise[i]), l.shape)))
    );
  }

  /** Sets the prior λ₀ to a copy of the current λ (continual learning: before the next task). */
  usePosteriorAsPrior(): void {
    tf.tidy(() => this.#prior.forEach((p, i) => p.assign(tf.clone(this.#lambda[i]))));
    this.#priorSet = true;
  }

  /**
   * Sets the prior λ₀ (one array per binary layer).
   * @throws {RangeError} On a wrong count or size.
   */
  setPrior(prior: Float32Array[]): void {
    if (prior.length !== this.#prior.length) {
      throw new RangeError(
        `Cannot set the BayesBiNN prior as it must have ${this.#prior.length} arrays: current length is ${prior.length}`,
      );
    }
    const arrays = this.#prior.map((p, i) =>
      stateArray({ [`prior.${i}`]: prior[i] }, `prior.${i}`, p.size)
    );
    assignArrays(this.#prior, arrays);
    this.#priorSet = true;
  }

  /**
   * λ and the lagged μ per layer (`lambda.<i>`, `mu.<i>`), m (`momentum.<i>`) only when β > 0,
   * λ₀ (`prior.<i>`) only when a prior was set, the step count `step`, the Rng `rng.0`..`rng.3`
   * and Adam's state `adam.*`.
   *
   * Why m can be left out at β = 0: the next step computes m ← 0·m + 1·(ĝ + κ(λ − λ₀)), and for
   * finite m (checked before every checkpoint) 0·m is ±0, which leaves any non-zero sum
   * unchanged; restoring m = 0 can at most flip the sign of an exactly-zero m (and so of an
   * exactly-zero λ), which no later operation turns into a non-zero value. μ cannot be
   * recomputed from λ (it is tanh of the previous step's λ), so it is kept.
   */
  getState(): OptimizerState {
    const s: OptimizerState = this.#adam.getState("adam.");
    s.step = this.stepCount;
    const groups: [string, tf.Variable[]][] = [["lambda", this.#lambda], ["mu", this.#mu]];
    if (this.beta > 0) groups.push(["momentum", this.#m]);
    if (this.#priorSet) groups.push(["prior", this.#prior]);
    for (const [name, vars] of groups) {
      vars.forEach((v, i) => s[`${name}.${i}`] = (v.dataSync() as Float32Array).slice());
    }
    this.#rng.state().forEach((x, k) => s[`rng.${k}`] = x);
    return s;
  }

  /**
   * Restores {@linkcode BayesBiNN.getState} (validated before anything changes). A missing
   * `momentum.<i>` means m = 0 (allowed only when β = 0); a missing `prior.<i>` means λ₀ = 0.
   */
  setState(s: OptimizerState): void {
    const step = s.step;
    if (typeof step !== "number" || !Number.isInteger(step) || step < 0) {
      throw new RangeError(
        `Cannot set BayesBiNN state as step must be a non-negative integer: current value is ${step}`,
      );
    }
    const read = (name: string, vars: tf.Variable[]) =>
      vars.map((v, i) => stateArray(s, `${name}.${i}`, v.size));
    const lambda = read("lambda", this.#lambda);
    const zeros = (vars: tf.Variable[]) => vars.map((v) => new Float32Array(v.size));
    const m = this.beta > 0 || "momentum.0" in s ? read("momentum", this.#m) : zeros(this.#m);
    const mu = read("mu", this.#mu);
    const hasPrior = "prior.0" in s;
    const prior = hasPrior ? read("prior", this.#prior) : zeros(this.#prior);
    const rng = readRngState(s);
    this.#adam.setState(s, "adam.");
    assignArrays(this.#lambda, lambda);
    assignArrays(this.#m, m);
    assignArrays(this.#mu, mu);
    assignArrays(this.#prior, prior);
    this.#priorSet = hasPrior;
    this.stepCount = step;
    this.#rng = Rng.fromState(rng);
  }

  /** Frees λ, m, μ, λ₀ and Adam's state (not the real params, owned by the network). */
  dispose(): void {
    this.#adam.dispose();
    tf.dispose([...this.#lambda, ...this.#m, ...this.#mu, ...this.#prior]);
  }
}
