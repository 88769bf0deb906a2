/**
 * {@linkcode BayesBiNN} with its state in tfjs variables on the active backend: the optimizer
 * bnn uses on `webgpu` (see `createOptimizer`), where a step keeps λ, m, μ, ĝ and the relaxed
 * samples on the GPU and reads back only the loss.
 *
 * The equations are (1)–(7) of ./bayes_binn.ts, one tfjs op per operation in the order written
 * there (`+1e-10` terms included), each rounded to float32 by the backend's kernel; scalars are
 * rounded to float32 once, as the CPU kernels do. The GPU's `log`, `tanh`, `exp` and `/` are
 * not correctly rounded (WGSL allows a few ulps; tfjs's `tanh` is (1 − e^−2|x|)/(1 + e^−2|x|),
 * which loses relative accuracy for |x| ≲ 1e-3), so a step matches the CPU kernels within
 * float32 tolerance, not bit for bit (tests/train/backend/webgpu_test.ts). At the paper's
 * τ = 1e-10 and |λ| = 10 the samples and μ are ±1 exactly either way.
 *
 * Noise: ε is still bnn's own generator, the optimizer Rng's stream (../backend/fill_uniform.ts):
 * drawn for every weight on the CPU, row-major, layer by layer (native, ~3 ns per number: ~45 ms
 * for the paper's VGG here) into one reused Float32Array per layer and uploaded (4 bytes per
 * weight per MC sample: 56 MB per step for the VGG), so the samples are the CPU backends'
 * samples. The first MC sample of the next step is drawn at the end of each step, after its
 * work is queued, so the host's draw overlaps the GPU's step; a checkpoint saves the stream's
 * words as of the step's own draws (the drawn-ahead samples are dropped by `setState` and drawn
 * again), so `rng.*` resumes the stream bit for bit.
 *
 * The state has the keys of {@linkcode BayesBiNN.getState}, so checkpoints move between
 * backends. Reads: {@linkcode DeviceBayesBiNN.stepAsync} and
 * {@linkcode DeviceBayesBiNN.getStateAsync} work on every backend; `step` and `getState` read
 * synchronously, which `webgpu` cannot.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { fillUniform } from "../backend/fill_uniform.ts";
import { flushGpuQueue } from "../backend/webgpu.ts";
import type { Rng } from "../random.ts";
import { initLambda } from "./bayes_binn_init.ts";
import { type BayesBiNNOptions, checkBayesBiNNOptions } from "./bayes_binn_options.ts";
import type { BinaryOptimizer, LossFn, OptimizerState, StepResult } from "./binary_optimizer.ts";
import { DeviceAdam } from "./device_adam.ts";
import { type DeviceState, readState, readStateAsync, variablesOf } from "./_device_state.ts";
import { lossAndGradTensors, type LossGradTensors } from "./_loss_grads.ts";
import { assignArrays, readRngState, stateArray } from "./_state.ts";

const f = Math.fround;
const EPS = f(1e-10);

/** What a step computes before its loss is read. */
interface PendingStep {
  loss: tf.Scalar;
  logits: tf.Tensor2D;
}

/**
 * BayesBiNN on the device.
 *
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { DeviceBayesBiNN } from "./device_bayes_binn.ts";
 * import { Rng } from "../random.ts";
 * const opt = new DeviceBayesBiNN([[2, 1]], new Rng(1, "bayesbinn"), {
 *   learningRate: 1e-4, temperature: 1e-10, mcSteps: 1, trainSetSize: 100,
 *   beta: 0, lambdaInit: 10, lambdaStd: 0, klReweight: 1,
 * });
 * const x = tf.tensor2d([[1, -1]]);
 * const r = await opt.stepAsync((w) => {
 *   const logits = tf.matMul(x, w[0]) as tf.Tensor2D;
 *   return { loss: tf.sum(logits), logits };
 * });
 * r.logits.dispose();
 * const [mode] = opt.modeWeights();
 * if (!(await mode.data()).every((v) => v === 1 || v === -1)) throw new Error("±1");
 * tf.dispose([mode, x]);
 * opt.dispose();
 * ```
 */
export class DeviceBayesBiNN implements BinaryOptimizer {
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
  readonly #lambda: tf.Variable[];
  readonly #m: tf.Variable[];
  readonly #mu: tf.Variable[];
  #prior: tf.Variable[] | null = null;
  /** The Gumbel-noise stream: the optimizer Rng's four state words (live, maybe one set ahead). */
  readonly #noise: Uint32Array;
  /** The stream's words after the last step's own draws: what a checkpoint saves. */
  readonly #saved: Uint32Array;
  /** The next step's first relaxed samples, drawn while the GPU ran the last step, or null. */
  #next: tf.Tensor[] | null = null;
  /** One reused host buffer per layer for ε. */
  readonly #eps: Float32Array[];
  readonly #adam: DeviceAdam;

  /** Same arguments and checks as {@linkcode BayesBiNN}'s constructor (same initial λ). */
  constructor(shapes: number[][], rng: Rng, opts: BayesBiNNOptions) {
    checkBayesBiNNOptions(opts);
    this.learningRate = opts.learningRate;
    this.temperature = opts.temperature;
    this.mcSteps = opts.mcSteps;
    this.trainSetSize = opts.trainSetSize;
    this.beta = opts.beta;
    this.klReweight = opts.klReweight;
    this.realParams = opts.realParams ?? [];
    this.#shapes = shapes;
    const sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
    const lambda = sizes.map((n) => initLambda(n, opts.lambdaInit, opts.lambdaStd, rng));
    this.#lambda = variablesOf(lambda, shapes);
    this.#m = variablesOf(sizes.map((n) => new Float32Array(n)), shapes);
    this.#mu = variablesOf(lambda.map((l) => l.map(Math.tanh)), shapes);
    this.#noise = new Uint32Array(rng.state());
    this.#saved = this.#noise.slice();
    this.#eps = sizes.map((n) => new Float32Array(n));
    this.#adam = new DeviceAdam(
      this.realParams.map((p) => ({ size: p.size })),
      this.realParams.map((p) => p.shape),
    );
  }

  /** Whether a prior λ₀ ≠ 0 was set. */
  get hasPrior(): boolean {
    return this.#prior !== null;
  }

  /** {@inheritDoc BinaryOptimizer.step} Reads the loss synchronously (not on `webgpu`). */
  step(lossFn: LossFn): StepResult {
    const { loss, logits } = this.#step(lossFn);
    const value = loss.dataSync()[0];
    loss.dispose();
    return { loss: value, logits };
  }

  /** {@linkcode DeviceBayesBiNN.step} reading the loss with `await` (every backend). */
  async stepAsync(lossFn: LossFn): Promise<StepResult> {
    const { loss, logits } = this.#step(lossFn);
    const value = (await loss.data())[0];
    loss.dispose();
    return { loss: value, logits };
  }

  #step(lossFn: LossFn): PendingStep {
    this.stepCount++;
    const S = this.mcSteps;
    let ghat: tf.Tensor[] = [], realSum: tf.Tensor[] = [];
    let lossSum: tf.Scalar | null = null;
    let logits: tf.Tensor2D | undefined;
    for (let s = 0; s < S; s++) {
      const w = s === 0 && this.#next ? this.#next : this.#samples();
      this.#next = null;
      let r: LossGradTensors | null = null;
      try {
        r = lossAndGradTensors(lossFn, w, this.realParams, s === 0);
        if (s === 0) logits = r.logits;
        const { grads, loss } = r;
        const nb = w.length;
        const next = tf.tidy(() => ({
          ghat: w.map((wi, i) => this.#accumulate(s === 0 ? null : ghat[i], grads[i], wi, i)),
          real: grads.slice(nb).map((g, j) => (s === 0 ? g.clone() : tf.add(realSum[j], g))),
          loss: (lossSum === null ? loss.clone() : tf.add(lossSum, loss)) as tf.Scalar,
        }));
        tf.dispose([...ghat, ...realSum, ...(lossSum ? [lossSum] : [])]);
        ({ ghat, real: realSum, loss: lossSum } = next);
      } finally {
        tf.dispose([...w, ...(r ? [r.loss, ...r.grads] : [])]);
      }
    }
    this.#saved.set(this.#noise);
    this.#update(ghat, realSum);
    tf.dispose([...ghat, ...realSum]);
    const loss = tf.tidy(() => tf.div(lossSum!, S)) as tf.Scalar;
    lossSum!.dispose();
    this.#drawAhead();
    return { loss, logits: logits! };
  }

  /**
   * The next step's first samples, from the updated λ, drawn now: the GPU starts on this step's
   * queued work first, so the host's draw of ε overlaps it instead of following it. The same
   * numbers and operations as drawing them at the next step: the same bits.
   */
  #drawAhead(): void {
    flushGpuQueue();
    this.#next = this.#samples().map((w) => tf.keep(w));
  }

  /** Equations (1) and (2): ε from the Rng on the host, uploaded; w on the device. */
  #samples(): tf.Tensor[] {
    const tau = f(this.temperature);
    return this.#lambda.map((lambda, i) => {
      fillUniform(this.#noise, this.#eps[i]);
      return tf.tidy(() => {
        const e = tf.tensor(this.#eps[i], this.#shapes[i]);
        const delta = tf.div(tf.log(tf.div(e, tf.sub(1, e))), 2);
        return tf.tanh(tf.div(tf.add(delta, lambda), tau));
      });
    });
  }

  /** Equation (4): ĝ + (1 − w·w + 1e-10) / τ / (1 − μ·μ + 1e-10) · g (ĝ = null: 0). */
  #accumulate(ghat: tf.Tensor | null, g: tf.Tensor, w: tf.Tensor, i: number): tf.Tensor {
    const mu = this.#mu[i];
    const num = tf.div(tf.add(tf.sub(1, tf.mul(w, w)), EPS), f(this.temperature));
    const scale = tf.div(num, tf.add(tf.sub(1, tf.mul(mu, mu)), EPS));
    const term = tf.mul(scale, g);
    return ghat === null ? term : tf.add(ghat, term);
  }

  /** Equations (5)–(7) from ĝ, then Adam on the real parameters with their mean gradient. */
  #update(ghat: tf.Tensor[], realSum: tf.Tensor[]): void {
    const S = this.mcSteps;
    const beta = f(this.beta), omb = f(1 - this.beta), kappa = f(this.klReweight);
    const lr = f(this.learningRate), gs = f(this.trainSetSize / S);
    const bc = f(1 - this.beta ** this.stepCount);
    tf.tidy(() =>
      this.#lambda.forEach((lambda, i) => {
        const g = tf.mul(ghat[i], gs);
        const diff = this.#prior ? tf.sub(lambda, this.#prior[i]) : lambda; // λ − 0 = λ
        const m = tf.add(tf.mul(beta, this.#m[i]), tf.mul(omb, tf.add(g, tf.mul(kappa, diff)))); // (5)
        this.#mu[i].assign(tf.tanh(lambda)); // (6)
        this.#m[i].assign(m);
        lambda.assign(tf.sub(lambda, tf.div(tf.mul(lr, m), bc))); // (7)
      })
    );
    if (this.realParams.length > 0) {
      const mean = tf.tidy(() => realSum.map((g) => tf.div(g, S)));
      this.#adam.apply(this.realParams, mean, this.learningRate);
      tf.dispose(mean);
    }
  }

  /** The mode: +1 where the lagged μ > 0, −1 where μ ≤ 0 (NaN: −1). */
  modeWeights(): tf.Tensor[] {
    return tf.tidy(() => this.#mu.map((mu) => tf.where(tf.greater(mu, 0), 1, -1)));
  }

  /** w ~ 2·Bernoulli(sigmoid(2λ)) − 1, uniforms drawn row-major from `rng` on the host. */
  sampleWeights(rng: Rng): tf.Tensor[] {
    return this.#lambda.map((lambda, i) => {
      const u = rng.fillUniform(new Float32Array(lambda.size));
      return tf.tidy(() => {
        const p = tf.div(1, tf.add(1, tf.exp(tf.neg(tf.mul(2, lambda)))));
        return tf.where(tf.less(tf.tensor(u, this.#shapes[i]), p), 1, -1);
      });
    });
  }

  /** Sets the prior λ₀ to a copy of the current λ (continual learning: before the next task). */
  usePosteriorAsPrior(): void {
    if (this.#prior) tf.dispose(this.#prior);
    this.#prior = this.#lambda.map((l) => tf.variable(l, false));
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
    const arrays = this.#lambda.map((l, i) =>
      stateArray({ [`p.${i}`]: prior[i] }, `p.${i}`, l.size)
    );
    if (this.#prior) tf.dispose(this.#prior);
    this.#prior = variablesOf(arrays, this.#shapes);
  }

  /** The state as tensors, with {@linkcode BayesBiNN.getState}'s keys. */
  #stateTensors(): DeviceState {
    const adam = this.#adam.stateTensors("adam.");
    const numbers: Record<string, number> = { ...adam.numbers, step: this.stepCount };
    this.#saved.forEach((x, k) => numbers[`rng.${k}`] = x);
    const groups: [string, tf.Variable[]][] = [["lambda", this.#lambda], ["mu", this.#mu]];
    if (this.beta > 0) groups.push(["momentum", this.#m]);
    if (this.#prior) groups.push(["prior", this.#prior]);
    const tensors = [...adam.tensors];
    for (const [name, vars] of groups) {
      vars.forEach((v, i) => tensors.push([`${name}.${i}`, v]));
    }
    return { numbers, tensors };
  }

  /** {@inheritDoc BayesBiNN.getState} Reads synchronously (not on `webgpu`). */
  getState(): OptimizerState {
    return readState(this.#stateTensors());
  }

  /** {@linkcode DeviceBayesBiNN.getState} read with `await` (every backend). */
  getStateAsync(): Promise<OptimizerState> {
    return readStateAsync(this.#stateTensors());
  }

  /** Restores {@linkcode BayesBiNN.getState}'s keys (validated before anything changes). */
  setState(s: OptimizerState): void {
    const step = s.step;
    if (typeof step !== "number" || !Number.isInteger(step) || step < 0) {
      throw new RangeError(
        `Cannot set BayesBiNN state as step must be a non-negative integer: current value is ${step}`,
      );
    }
    const read = (name: string) =>
      this.#lambda.map((l, i) => stateArray(s, `${name}.${i}`, l.size));
    const lambda = read("lambda");
    const m = this.beta > 0 || "momentum.0" in s
      ? read("momentum")
      : lambda.map((l) => new Float32Array(l.length));
    const mu = read("mu");
    const prior = "prior.0" in s ? read("prior") : null;
    const rng = readRngState(s);
    this.#adam.setState(s, "adam.");
    assignArrays(this.#lambda, lambda);
    assignArrays(this.#m, m);
    assignArrays(this.#mu, mu);
    if (this.#prior) tf.dispose(this.#prior);
    this.#prior = prior && variablesOf(prior, this.#shapes);
    this.stepCount = step;
    this.#noise.set(rng);
    this.#saved.set(rng);
    if (this.#next) tf.dispose(this.#next); // drawn from the old λ and stream
    this.#next = null;
  }

  /** Frees the optimizer's state (not the real params, owned by the network). */
  dispose(): void {
    tf.dispose([
      ...this.#lambda,
      ...this.#m,
      ...this.#mu,
      ...(this.#prior ?? []),
      ...(this.#next ?? []),
    ]);
    this.#prior = null;
    this.#next = null;
    this.#adam.dispose();
  }
}
