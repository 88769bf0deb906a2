/**
 * BayesBiNN (Meng, Bachmann & Khan, "Training Binary Neural Networks using the
 * Bayesian Learning Rule", ICML 2020): a mean-field Bernoulli posterior over ±1
 * weights, q(w = +1) = sigmoid(2λ), trained with the Bayesian learning rule and
 * the Gumbel-softmax relaxation (reference.md §BayesBiNN, reference-sources.md §1.2).
 *
 * State per binary weight: λ (±λ_init, see ./bayes_binn_init.ts), m = 0, the prior λ₀ (0, or
 * a previous posterior for continual learning), the lagged μ = tanh(λ); a global step t. One
 * step, with S = `mcSteps`, N = `trainSetSize` (training-set size × trainset_scale),
 * α = `learningRate`, τ, β, κ (the equations ./bayes_binn_kernels.ts computes, by number):
 *
 *     ĝ = 0
 *     for s = 1..S:
 *       (1) ε ~ U(0,1)                         (the optimizer's Rng, layer by layer, row-major)
 *       (2) w = tanh((λ + log(ε/(1 − ε))/2) / τ)                           (the relaxed sample)
 *       (3) g = ∇_w loss(w)                                               (mean minibatch loss)
 *       (4) ĝ += (1 − w·w + 1e-10) / τ / (1 − μ·μ + 1e-10) · g
 *     (5) m ← β·m + (1 − β)·(ĝ·(N/S) + κ·(λ − λ₀))
 *     (6) μ ← tanh(λ)                          (λ before (7): μ lags one step, as the original)
 *     (7) λ ← λ − α·m / (1 − βᵗ)
 *
 * In float32, every operation rounded in the order written, the `+1e-10` terms included: with
 * τ = 1e-10 and |λ| ≥ 9.01 the scale of (4) is exactly 1/τ. λ, m, μ, ĝ (and λ₀) are
 * Float32Arrays; the relaxed samples are written straight into one weight tensor per layer (no
 * copy on the wasm-based backends, see ./_layer_weights.ts) and the gradients are read through
 * zero-copy views. Prediction: the mode (μ ≤ 0 → −1, else +1, lagged μ) or samples
 * w ~ 2·Bernoulli(sigmoid(2λ)) − 1 (current λ), see ./bayes_binn_prediction.ts. BN γ/β, when
 * affine, are trained by Adam (./adam.ts) on the gradient averaged over the S samples, with the
 * same learning rate (paper footnote 3), never binarised.
 *
 * Checked against the authors' update (their `optimizers/BayesBiNN.py` lines in torch 1.13
 * float32, fed the same ε; 2,000 weights, S = 2, β = 0.9, κ = 0.5, 3 steps) with the tensor
 * implementation this one replaced, whose cpu arithmetic the JS kernels reproduce bit for bit:
 * bit-identical at τ = 1e-10, λ_init = 10; at τ = 0.5, λ_init = 0.7 within 3e-7 relative.
 *
 * Noise: ε is the optimizer Rng's stream (../backend/fill_uniform.ts), strictly inside (0, 1),
 * so log(ε/(1 − ε)) is always finite; a checkpoint's `rng.*` words resume it bit for bit.
 * Every hyperparameter is given (./bayes_binn_options.ts); the defaults live in the config
 * schema alone and reach the optimizer through {@linkcode ./create_optimizer.ts}.
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { Rng, RngState } from "../random.ts";
import { Adam } from "./adam.ts";
import { assignArrays, readRngState, stateArray } from "./_state.ts";
import { LayerWeights, tensorData, toTensors } from "./_layer_weights.ts";
import { lossAndGrads } from "./_loss_grads.ts";
import { bayesBinnAccumulate, bayesBinnSampleRng, bayesBinnUpdate } from "./bayes_binn_kernels.ts";
import { initLambda } from "./bayes_binn_init.ts";
import { type BayesBiNNOptions, checkBayesBiNNOptions } from "./bayes_binn_options.ts";
import { bernoulliSample, modeFromMu } from "./bayes_binn_prediction.ts";
import type { BinaryOptimizer, LossFn, OptimizerState, StepResult } from "./binary_optimizer.ts";

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
 *   beta: 0, lambdaInit: 10, lambdaStd: 0, klReweight: 1,
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
  readonly #shapes: number[][];
  readonly #lambda: Float32Array[];
  readonly #m: Float32Array[];
  readonly #mu: Float32Array[];
  readonly #gHat: Float32Array[];
  #prior: Float32Array[] | null = null;
  /** The Gumbel-noise stream: the optimizer Rng's four state words, advanced by the kernel. */
  readonly #noise: Uint32Array;
  readonly #weights: LayerWeights;
  readonly #adam: Adam;

  /**
   * @param shapes One kernel shape per binary layer.
   * @param rng Draws the initial λ, then the Gumbel noise (from where the initialisation
   *   left it; the `rng` object itself is not advanced by steps); saved with the state.
   * @throws {RangeError} On an invalid option, e.g.
   *   `Cannot create BayesBiNN as temperature must be > 0: current value is 0`.
   */
  constructor(shapes: number[][], rng: Rng, opts: BayesBiNNOptions) {
    checkBayesBiNNOptions(opts);
    const { learningRate, temperature, mcSteps, trainSetSize } = opts;
    const { beta, lambdaInit, lambdaStd, klReweight } = opts;
    this.learningRate = learningRate;
    this.temperature = temperature;
    this.mcSteps = mcSteps;
    this.trainSetSize = trainSetSize;
    this.beta = beta;
    this.klReweight = klReweight;
    this.realParams = opts.realParams ?? [];
    this.#shapes = shapes;
    this.#weights = new LayerWeights(shapes);
    const sizes = this.#weights.sizes;
    this.#lambda = sizes.map((n) => initLambda(n, lambdaInit, lambdaStd, rng));
    this.#m = sizes.map((n) => new Float32Array(n));
    this.#mu = this.#lambda.map((l) => l.map(Math.tanh));
    this.#gHat = sizes.map((n) => new Float32Array(n));
    this.#noise = new Uint32Array(rng.state());
    this.#adam = new Adam(this.realParams.map((p) => ({ size: p.size })));
  }

  /** The natural parameters λ, one array per layer (live: read, do not modify). */
  get lambda(): readonly Float32Array[] {
    return this.#lambda;
  }

  /** The momentum m (live; left out of {@linkcode BayesBiNN.getState} when β = 0). */
  get momentum(): readonly Float32Array[] {
    return this.#m;
  }

  /** The prior λ₀ (live once set; zeros until a prior is set). */
  get prior(): readonly Float32Array[] {
    return this.#prior ?? this.#lambda.map((l) => new Float32Array(l.length));
  }

  /** Whether a prior λ₀ ≠ 0 was set ({@linkcode BayesBiNN.usePosteriorAsPrior}, `setPrior`). */
  get hasPrior(): boolean {
    return this.#prior !== null;
  }

  /** The lagged expectation parameters μ (live: read, do not modify). */
  get mu(): readonly Float32Array[] {
    return this.#mu;
  }

  /** {@inheritDoc BinaryOptimizer.step} */
  step(lossFn: LossFn): StepResult {
    this.stepCount++;
    const { lossSum, logits, realGradSum } = this.#accumulate(lossFn);
    this.#update(realGradSum);
    return { loss: lossSum / this.mcSteps, logits };
  }

  /**
   * Equations (1)–(4) for the S samples: ĝ, the summed loss, the first sample's logits and
   * the real parameters' gradients summed over the samples.
   */
  #accumulate(
    lossFn: LossFn,
  ): { lossSum: number; logits: tf.Tensor2D; realGradSum: Float32Array[] } {
    const tau = this.temperature;
    for (const g of this.#gHat) g.fill(0);
    const realGradSum: Float32Array[] = [];
    let lossSum = 0;
    let logits: tf.Tensor2D | undefined;
    for (let s = 0; s < this.mcSteps; s++) {
      const w = this.#weights.fill((i, out) =>
        bayesBinnSampleRng(this.#lambda[i], this.#noise, tau, out)
      );
      const r = lossAndGrads(lossFn, w, this.realParams, s === 0);
      try {
        lossSum += r.loss;
        if (s === 0) logits = r.logits;
        const nb = w.length;
        r.grads.slice(nb).forEach((g, j) => {
          const a = g.dataSync() as Float32Array;
          if (s === 0) realGradSum[j] = a.slice();
          else realGradSum[j].forEach((x, k) => realGradSum[j][k] = Math.fround(x + a[k]));
        });
        for (let i = 0; i < nb; i++) {
          bayesBinnAccumulate(
            this.#gHat[i],
            tensorData(r.grads[i]),
            tensorData(w[i]),
            this.#mu[i],
            tau,
          );
        }
      } finally {
        for (const g of r.grads) g.dispose();
        this.#weights.release();
      }
    }
    return { lossSum, logits: logits!, realGradSum };
  }

  /** Equations (5)–(7) from ĝ, then Adam on the real parameters with their mean gradient. */
  #update(realGradSum: Float32Array[]): void {
    const S = this.mcSteps;
    this.#lambda.forEach((lambda, i) =>
      bayesBinnUpdate({
        lambda,
        m: this.#m[i],
        mu: this.#mu[i],
        ghat: this.#gHat[i],
        lambda0: this.#prior?.[i],
        gradScale: this.trainSetSize / S,
        beta: this.beta,
        kappa: this.klReweight,
        lr: this.learningRate,
        step: this.stepCount,
      })
    );
    if (this.realParams.length > 0) {
      const values = this.realParams.map((p) => (p.dataSync() as Float32Array).slice());
      const mean = realGradSum.map((g) => g.map((x) => x / S));
      this.#adam.apply(values, mean, this.learningRate);
      assignArrays(this.realParams, values);
    }
  }

  /** The mode: +1 where the lagged μ > 0, −1 where μ ≤ 0. */
  modeWeights(): tf.Tensor[] {
    return toTensors(
      this.#mu.map((mu) => modeFromMu(mu, new Float32Array(mu.length))),
      this.#shapes,
    );
  }

  /** w ~ 2·Bernoulli(sigmoid(2λ)) − 1, uniforms drawn row-major from `rng`. */
  sampleWeights(rng: Rng): tf.Tensor[] {
    return toTensors(
      this.#lambda.map((l) => {
        const u = rng.fillUniform(new Float32Array(l.length));
        return bernoulliSample(l, u, u);
      }),
      this.#shapes,
    );
  }

  /** Sets the prior λ₀ to a copy of the current λ (continual learning: before the next task). */
  usePosteriorAsPrior(): void {
    this.#prior = this.#lambda.map((l) => l.slice());
  }

  /**
   * Sets the prior λ₀ (one array per binary layer, copied).
   * @throws {RangeError} On a wrong count or size.
   */
  setPrior(prior: Float32Array[]): void {
    if (prior.length !== this.#lambda.length) {
      throw new RangeError(
        `Cannot set the BayesBiNN prior as it must have ${this.#lambda.length} arrays: current length is ${prior.length}`,
      );
    }
    this.#prior = this.#lambda.map((l, i) =>
      stateArray({ [`prior.${i}`]: prior[i] }, `prior.${i}`, l.length).slice()
    );
  }

  /**
   * λ and the lagged μ per layer (`lambda.<i>`, `mu.<i>`), m (`momentum.<i>`) only when β > 0,
   * λ₀ (`prior.<i>`) only when a prior was set, the step count `step`, the Rng `rng.0`..`rng.3`
   * and Adam's state `adam.*` (all copies).
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
    const groups: [string, Float32Array[]][] = [["lambda", this.#lambda], ["mu", this.#mu]];
    if (this.beta > 0) groups.push(["momentum", this.#m]);
    if (this.#prior) groups.push(["prior", this.#prior]);
    for (const [name, arrays] of groups) arrays.forEach((a, i) => s[`${name}.${i}`] = a.slice());
    this.#noise.forEach((x, k) => s[`rng.${k}`] = x);
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
    const read = (name: string) =>
      this.#lambda.map((l, i) => stateArray(s, `${name}.${i}`, l.length));
    const lambda = read("lambda");
    const m = this.beta > 0 || "momentum.0" in s ? read("momentum") : null;
    const mu = read("mu");
    const prior = "prior.0" in s ? read("prior") : null;
    const rng: RngState = readRngState(s);
    this.#adam.setState(s, "adam.");
    lambda.forEach((a, i) => this.#lambda[i].set(a));
    this.#m.forEach((x, i) => m ? x.set(m[i]) : x.fill(0));
    mu.forEach((a, i) => this.#mu[i].set(a));
    this.#prior = prior && prior.map((a) => a.slice());
    this.stepCount = step;
    this.#noise.set(rng);
  }

  /** Frees the weight tensors (not the real params, owned by the network). */
  dispose(): void {
    this.#weights.dispose();
  }
}
