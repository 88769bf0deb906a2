/**
 * A Keras-like training loop for binary networks: {@linkcode Model} pairs a
 * {@linkcode BinaryNet} with a {@linkcode BinaryOptimizer} and offers `fit`, `evaluate` and
 * `predict`, with callbacks at the start and end of training, of each epoch and of each batch.
 *
 * One step on a minibatch B of size b: the optimizer hands weights w (BayesBiNN: relaxed samples;
 * STE: signs of the latent weights) to the loss
 *
 *     L(w) = −(1/b) Σ_{i∈B} log softmax(f(x_i; w))_{y_i}        (mean softmax cross-entropy)
 *
 * and updates its state; the reported training accuracy uses the first MC sample's logits.
 * Epoch e (0-based) of E trains with lr(e) = lr_final + (lr_init − lr_final)·(1 + cos(π·e/E))/2.
 *
 * Prediction uses the mode (C = 0) or the MC mean over C weight samples (paper eq. 18):
 * p(y|x) ≈ (1/C) Σ_c softmax(f(x; w_c)), or softmax((1/C) Σ_c f(x; w_c)) with `evaluateMean:
 * "logits"` (the authors' code).
 *
 * Randomness: the epoch's shuffle, the augmentation and the dropout each draw from their own
 * seeded {@linkcode Rng}; the optimizer owns its noise stream. The whole loop state (epoch, step
 * within the epoch, every Rng state, running sums, best-validation bookkeeping, history) is
 * {@linkcode TrainingState}, which {@linkcode Model.checkpoint} stores, so a resumed run continues
 * bit for bit.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { Rng, type RngState } from "./random.ts";
import type { ImageDataset } from "./data/dataset.ts";
import { crossEntropy } from "./cross_entropy.ts";
import { datasetOf, type DataSource, indicesOf, labelsOf, sizeOf } from "./data_source.ts";
import { batches } from "./data/batches.ts";
import { NORMALIZATION, type Normalization } from "./data/normalization.ts";
import type { BinaryNet } from "./models/binary_net.ts";
import { layerOutputShapes } from "./models/shapes.ts";
import { softmaxRows } from "./softmax_rows.ts";
import type { BinaryOptimizer, LossFn } from "./optimizers/binary_optimizer.ts";
import { readVariablesBack } from "./backend/webgpu.ts";
import { cosineLr } from "./optimizers/schedule.ts";
import type { Checkpoint } from "./checkpoint.ts";
import { type EpochMetrics, isNewBest } from "./metrics_log.ts";

/** How {@linkcode Model.evaluate} and {@linkcode Model.predict} predict. */
export interface PredictOptions {
  /** C: 0 = mode weights; C > 0 = mean over C weight samples. Default: the model's. */
  evaluateSteps?: number;
  /** Average softmax probabilities (paper eq. 18) or logits (the authors' code). */
  evaluateMean?: "probs" | "logits";
  /** The stream for the C weight samples; default a fresh `Rng(seed, "evaluate")`. */
  rng?: Rng;
  /** Batch size of the forward passes (default 1000). */
  batchSize?: number;
}

/** Options of a {@linkcode Model}. */
export interface ModelOptions {
  /** C, the number of MC weight samples at test time (0 = mode, the default). */
  evaluateSteps?: number;
  /** `"probs"` (paper eq. 18, default) or `"logits"` (the authors' code). */
  evaluateMean?: "probs" | "logits";
  /** Per-channel normalization; default `NORMALIZATION[dataset.name]`. */
  normalization?: Normalization;
  /** Batch size for evaluation (default 1000). */
  evalBatchSize?: number;
}

/** An evaluation's result: accuracy (a fraction) and mean cross-entropy −log p(y|x). */
export interface Evaluation {
  acc: number;
  loss: number;
}

/** What each batch reports to {@linkcode Callback.onBatchEnd}. */
export interface BatchLogs {
  /** 0-based epoch. */
  epoch: number;
  /** Steps done in this epoch (1 after the first batch). */
  step: number;
  /** Steps in this epoch. */
  steps: number;
  /** This batch's loss and accuracy. */
  loss: number;
  acc: number;
  size: number;
  /** Running means over the epoch so far. */
  meanLoss: number;
  meanAcc: number;
  /** Training examples per second in this epoch so far (this process only). */
  examplesPerS: number;
}

/** Hooks called by {@linkcode Model.fit}; each may be async. */
export interface Callback {
  onTrainBegin?(model: Model): void | Promise<void>;
  onEpochBegin?(epoch: number, info: { lr: number; steps: number }): void | Promise<void>;
  onBatchEnd?(logs: BatchLogs): void | Promise<void>;
  onEpochEnd?(metrics: EpochMetrics): void | Promise<void>;
  onTrainEnd?(history: EpochMetrics[]): void | Promise<void>;
}

/** Options of {@linkcode Model.fit}. */
export interface FitOptions {
  /** Total epochs E (also the cosine schedule's length). */
  epochs: number;
  batchSize: number;
  /** Learning rate of epoch 0 and the cosine schedule's floor. */
  lrInit: number;
  lrFinal: number;
  /** Seed of the shuffle, augmentation and dropout streams. */
  seed: number;
  validationData?: DataSource | null;
  /**
   * Evaluated after every epoch too (the paper reports test accuracy at the best val epoch). A
   * list (continual learning: the test set of each task seen so far, each with its own pixel
   * permutation) gives `test_acc_per_task` and `test_loss_per_task`, and `test_acc` /
   * `test_loss` become their means.
   */
  testData?: DataSource | readonly DataSource[] | null;
  /** Continual learning: the task being trained, kept in the state and in each metrics row. */
  task?: number;
  /** Random crop (pad 4) + horizontal flip on training batches (CIFAR). */
  augment?: boolean;
  /** Drop the last incomplete batch (default true). */
  dropLast?: boolean;
  callbacks?: Callback[];
}

/** The whole loop state, stored in checkpoints (see the module doc). */
export interface TrainingState {
  /** Continual learning: the task being trained (0-based); absent otherwise. */
  task?: number;
  /** The epoch being trained (0-based, within the task); equals E when training is done. */
  epoch: number;
  /** Steps done within `epoch`. */
  step: number;
  /** The shuffle stream at the start of `epoch`, so its permutation can be drawn again. */
  shuffleRng: RngState;
  augmentRng: RngState;
  dropoutRng: RngState;
  /** Sums over the steps done in `epoch`. */
  lossSum: number;
  correct: number;
  seen: number;
  bestValAcc: number | null;
  bestEpoch: number | null;
  history: EpochMetrics[];
}

/** Metadata of a {@linkcode Model.checkpoint}. */
export interface CheckpointMeta {
  training: TrainingState;
  /** Scalar parts of the optimizer state (step count, ...). */
  optimizerScalars: Record<string, number>;
  /** Anything the caller adds (config, spec, ...). */
  [key: string]: unknown;
}

/**
 * A NaN or ±Inf in the loss or the parameters; the run stops and keeps its last good checkpoint.
 *
 * @example Usage
 * ```ts
 * import { NonFiniteError } from "./trainer.ts";
 * const e = new NonFiniteError("loss is NaN at epoch 1, step 3");
 * if (e.name !== "NonFiniteError") throw new Error("wrong name");
 * ```
 */
export class NonFiniteError extends Error {
  /** @param message Names the value, the epoch and the step. */
  constructor(message: string) {
    super(message);
    this.name = "NonFiniteError";
  }
}

function checkFinite(state: Record<string, Float32Array | number>, where: string): void {
  for (const [name, v] of Object.entries(state)) {
    if (typeof v === "number") {
      if (!Number.isFinite(v)) throw new NonFiniteError(`parameter '${name}' is ${v} ${where}`);
      continue;
    }
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i])) {
        throw new NonFiniteError(`parameter '${name}' has ${v[i]} at index ${i} ${where}`);
      }
    }
  }
}

/** The state of a run that has not trained yet: epoch 0, step 0, fresh streams of `seed`. */
function freshState(opts: FitOptions): TrainingState {
  const state: TrainingState = {
    epoch: 0,
    step: 0,
    shuffleRng: new Rng(opts.seed, "shuffle").state(),
    augmentRng: new Rng(opts.seed, "augment").state(),
    dropoutRng: new Rng(opts.seed, "dropout").state(),
    lossSum: 0,
    correct: 0,
    seen: 0,
    bestValAcc: null,
    bestEpoch: null,
    history: [],
  };
  if (opts.task !== undefined) state.task = opts.task;
  return state;
}

/** What every epoch of one `fit` call trains on. */
interface EpochRun {
  ds: ImageDataset;
  trainIdx: Uint32Array;
  steps: number;
  dropLast: boolean;
  norm: Normalization;
  /** The augmentation stream, when training batches are augmented. */
  augment: Rng | undefined;
  callbacks: Callback[];
}

/** An epoch's learning rate and how fast this call trained it (seconds in steps, examples). */
interface EpochPace {
  lr: number;
  trainSeconds: number;
  trained: number;
}

/**
 * A binary network and its optimizer, trained Keras-style.
 *
 * @example Usage
 * ```ts
 * import { BinaryNet } from "./models/binary_net.ts";
 * import type { ModelSpec } from "./models/spec.ts";
 * import { createOptimizer } from "./optimizers/create_optimizer.ts";
 * import { Rng } from "./random.ts";
 * import { Model } from "./trainer.ts";
 * const spec: ModelSpec = {
 *   architecture: "tiny", inputShape: [1, 1, 2], numClasses: 2,
 *   layers: [
 *     { type: "flatten" },
 *     { type: "dense", inputs: 2, units: 2 },
 *     { type: "batchnorm", features: 2, eps: 1e-5, momentum: 0.1, affine: false },
 *   ],
 * };
 * const data = {
 *   name: "tiny", images: new Uint8Array([0, 255, 255, 0, 0, 255, 255, 0]),
 *   labels: new Uint8Array([0, 1, 0, 1]), count: 4, height: 1, width: 1, channels: 2, numClasses: 2,
 * };
 * const net = new BinaryNet(spec);
 * const steOptions = { lr_init: 0.01, grad_clip_value: 1, weight_clip_value: 1 };
 * const opt = createOptimizer("ste", steOptions, net.binaryShapes, new Rng(1, "optimizer"), []);
 * const model = new Model(net, opt, { normalization: { mean: [0.5, 0.5], std: [0.5, 0.5] } });
 * const history = await model.fit(data, { epochs: 3, batchSize: 2, lrInit: 0.01, lrFinal: 0, seed: 1 });
 * const { acc } = model.evaluate(data);
 * if (history.length !== 3 || !(acc >= 0 && acc <= 1)) throw new Error("fit failed");
 * opt.dispose();
 * net.dispose();
 * ```
 */
export class Model {
  /** The network (BatchNorm state lives here). */
  readonly net: BinaryNet;
  /** The optimizer (binary weights' state lives here). */
  readonly optimizer: BinaryOptimizer;
  /** Options given at construction. */
  readonly options: Required<Omit<ModelOptions, "normalization">> & {
    normalization?: Normalization;
  };
  /** The training loop state after the last step (null before `fit` or `restore`). */
  state: TrainingState | null = null;
  /** Set by a callback to stop after the current epoch. */
  stopTraining = false;
  #shuffle: Rng | null = null;
  #augment: Rng | null = null;
  #dropout: Rng | null = null;

  /**
   * @param net The network.
   * @param optimizer The optimizer built for `net.binaryShapes`.
   * @param options Prediction options.
   * @throws {RangeError} If `evaluateSteps` is not a non-negative integer.
   */
  constructor(net: BinaryNet, optimizer: BinaryOptimizer, options: ModelOptions = {}) {
    const evaluateSteps = options.evaluateSteps ?? 0;
    if (!Number.isInteger(evaluateSteps) || evaluateSteps < 0) {
      throw new RangeError(
        `Cannot create Model as evaluateSteps must be a non-negative integer: current value is ${evaluateSteps}`,
      );
    }
    const evaluateMean = options.evaluateMean ?? "probs";
    if (evaluateMean !== "probs" && evaluateMean !== "logits") {
      throw new RangeError(
        `Cannot create Model as evaluateMean must be "probs" or "logits": current value is ${
          JSON.stringify(evaluateMean)
        }`,
      );
    }
    this.net = net;
    this.optimizer = optimizer;
    this.options = {
      evaluateSteps,
      evaluateMean,
      evalBatchSize: options.evalBatchSize ?? 1000,
      normalization: options.normalization,
    };
  }

  #norm(ds: ImageDataset): Normalization {
    const n = this.options.normalization ??
      (NORMALIZATION as Record<string, Normalization>)[ds.name];
    if (!n) {
      throw new RangeError(
        `Cannot normalize dataset '${ds.name}' as it has no built-in normalization: pass ModelOptions.normalization`,
      );
    }
    return n;
  }

  /**
   * Class probabilities for a batch of normalized NHWC images (mode or MC mean, see the module
   * doc). The caller disposes the result.
   *
   * @param x `[b, H, W, C]` normalized images.
   * @param opts Overrides of the model's prediction options.
   * @returns `[b, classes]` probabilities.
   */
  predict(x: tf.Tensor4D, opts: PredictOptions = {}): tf.Tensor2D {
    const C = opts.evaluateSteps ?? this.options.evaluateSteps;
    const mean = opts.evaluateMean ?? this.options.evaluateMean;
    if (C === 0) {
      const w = this.optimizer.modeWeights();
      try {
        return tf.tidy(() => tf.softmax(this.net.apply(w, x, { training: false })));
      } finally {
        tf.dispose(w);
      }
    }
    const rng = opts.rng ?? new Rng(0, "evaluate");
    let acc: tf.Tensor2D | null = null;
    for (let c = 0; c < C; c++) {
      const w = this.optimizer.sampleWeights(rng);
      const out = tf.tidy(() => {
        const logits = this.net.apply(w, x, { training: false });
        return mean === "probs" ? tf.softmax(logits) : logits;
      });
      tf.dispose(w);
      if (acc === null) acc = out;
      else {
        const next: tf.Tensor2D = tf.add(acc, out);
        tf.dispose([acc, out]);
        acc = next;
      }
    }
    return tf.tidy(() => {
      const avg = tf.div(acc!, C) as tf.Tensor2D;
      return mean === "probs" ? avg : tf.softmax(avg);
    });
  }

  /**
   * Accuracy and cross-entropy of the predictive distribution over a data source (test-time
   * transforms only). BatchNorm uses its running statistics; nothing is updated.
   *
   * @param data The examples.
   * @param opts Overrides of the model's prediction options.
   * @returns `acc` (fraction) and `loss` (mean −log p(y|x)).
   */
  evaluate(data: DataSource, opts: PredictOptions = {}): Evaluation {
    const steps = this.#evaluation(data, opts);
    let r = steps.next();
    while (!r.done) {
      const v = r.value.dataSync() as Float32Array;
      r.value.dispose();
      r = steps.next(v);
    }
    return r.value;
  }

  /**
   * {@linkcode Model.evaluate}, reading the outputs with `await`: the same numbers, on every
   * backend, `webgpu` included (whose outputs cannot be read synchronously).
   *
   * @param data The examples.
   * @param opts Overrides of the model's prediction options.
   * @returns `acc` (fraction) and `loss` (mean −log p(y|x)).
   */
  async evaluateAsync(data: DataSource, opts: PredictOptions = {}): Promise<Evaluation> {
    const steps = this.#evaluation(data, opts);
    let r = steps.next();
    while (!r.done) {
      const v = (await r.value.data()) as Float32Array;
      r.value.dispose();
      r = steps.next(v);
    }
    return r.value;
  }

  /**
   * The evaluation of `data` as a coroutine: yields each batch's output tensor, takes its
   * values back (the caller reads and disposes it, synchronously or not) and returns the result.
   */
  *#evaluation(
    data: DataSource,
    opts: PredictOptions,
  ): Generator<tf.Tensor, Evaluation, Float32Array> {
    const ds = datasetOf(data);
    const n = sizeOf(data);
    if (n === 0) throw new RangeError(`Cannot evaluate on ${ds.name} as it has 0 examples`);
    const batchSize = evalBatchSize(this.net, opts.batchSize ?? this.options.evalBatchSize);
    const C = opts.evaluateSteps ?? this.options.evaluateSteps;
    const rng = opts.rng ?? new Rng(0, "evaluate");
    let correct = 0, nll = 0;
    // For C > 0 each weight sample is drawn once and used for the whole data source, so the C
    // passes are the outer loop and the per-example sums are kept on the host.
    const samples = C === 0 ? 1 : C;
    const mean = opts.evaluateMean ?? this.options.evaluateMean;
    const sums = C === 0 ? null : new Float32Array(n * ds.numClasses);
    for (let c = 0; c < samples; c++) {
      const w = C === 0 ? this.optimizer.modeWeights() : this.optimizer.sampleWeights(rng);
      let offset = 0;
      for (
        const b of batches(ds, indicesOf(data), {
          batchSize,
          normalization: this.#norm(ds),
          dropLast: false,
        })
      ) {
        const v = yield tf.tidy(() => {
          const x = tf.tensor4d(b.x, [b.size, ds.height, ds.width, ds.channels]);
          const logits = this.net.apply(w, x, { training: false });
          return C === 0 || mean === "probs" ? tf.softmax(logits) : logits;
        });
        if (sums === null) {
          ({ correct, nll } = accumulate(v, b.y, ds.numClasses, correct, nll));
        } else {
          const dst = sums.subarray(offset * ds.numClasses, (offset + b.size) * ds.numClasses);
          for (let i = 0; i < dst.length; i++) dst[i] += v[i]!;
        }
        offset += b.size;
      }
      tf.dispose(w);
    }
    if (sums !== null) {
      const labels = labelsOf(data);
      for (let i = 0; i < sums.length; i++) sums[i] /= C;
      if (mean === "logits") softmaxRows(sums, ds.numClasses);
      ({ correct, nll } = accumulate(sums, labels, ds.numClasses, 0, 0));
    }
    return { acc: correct / n, loss: nll / n };
  }

  /**
   * Trains for the configured epochs, evaluating on `validationData` and `testData` after each.
   * Continues from {@linkcode Model.state} when it is set (after {@linkcode Model.restore}).
   *
   * @param train The training examples.
   * @param opts Epochs, batch size, schedule, seed, evaluation data, callbacks.
   * @returns The history: one {@linkcode EpochMetrics} per epoch.
   * @throws {NonFiniteError} If the loss or a parameter becomes NaN or ±Inf.
   */
  async fit(train: DataSource, opts: FitOptions): Promise<EpochMetrics[]> {
    const ds = datasetOf(train);
    const trainIdx = indicesOf(train);
    const dropLast = opts.dropLast ?? true;
    const steps = dropLast
      ? Math.floor(trainIdx.length / opts.batchSize)
      : Math.ceil(trainIdx.length / opts.batchSize);
    if (steps < 1) {
      throw new RangeError(
        `Cannot fit as the training set (${trainIdx.length} examples) holds no full batch of ${opts.batchSize}`,
      );
    }
    const callbacks = opts.callbacks ?? [];
    const st = (this.state ??= freshState(opts));
    const augment = (this.#augment = Rng.fromState(st.augmentRng));
    this.#dropout = Rng.fromState(st.dropoutRng);
    this.stopTraining = false;
    for (const cb of callbacks) await cb.onTrainBegin?.(this);
    const epochRun: EpochRun = {
      ds,
      trainIdx,
      steps,
      dropLast,
      norm: this.#norm(ds),
      augment: opts.augment ? augment : undefined,
      callbacks,
    };
    while (st.epoch < opts.epochs && !this.stopTraining) {
      const t0 = performance.now();
      const trained = await this.#trainEpoch(opts, epochRun);
      const metrics = await this.#endEpoch(opts, trained, steps, t0);
      for (const cb of callbacks) await cb.onEpochEnd?.(metrics);
    }
    for (const cb of callbacks) await cb.onTrainEnd?.(st.history);
    return st.history;
  }

  /**
   * Trains the rest of epoch `state.epoch` (from step `state.step`): the epoch's learning rate,
   * its permutation, then one step per batch; returns the epoch's lr and the pace of this call.
   */
  async #trainEpoch(opts: FitOptions, run: EpochRun): Promise<EpochPace> {
    const st = this.state!;
    const { ds, trainIdx, steps, callbacks } = run;
    const epoch = st.epoch;
    const lr = cosineLr(epoch, opts.epochs, opts.lrInit, opts.lrFinal);
    this.optimizer.learningRate = lr;
    this.#shuffle = Rng.fromState(st.shuffleRng);
    const perm = this.#shuffle.permutation(trainIdx.length);
    const order = new Uint32Array(trainIdx.length);
    for (let i = 0; i < order.length; i++) order[i] = trainIdx[perm[i]!]!;
    for (const cb of callbacks) await cb.onEpochBegin?.(epoch, { lr, steps });
    const pace: EpochPace = { lr, trainSeconds: 0, trained: 0 };
    let tStep = performance.now();
    const it = batches(ds, order, {
      batchSize: opts.batchSize,
      normalization: run.norm,
      augment: run.augment,
      dropLast: run.dropLast,
      start: st.step,
    });
    for (const b of it) {
      const { loss, correct } = await this.#trainStep(ds, b);
      if (!Number.isFinite(loss)) {
        throw new NonFiniteError(
          `loss is ${loss} at epoch ${epoch + 1}, step ${st.step + 1} (of ${steps})`,
        );
      }
      st.step += 1;
      st.lossSum += loss * b.size;
      st.correct += correct;
      st.seen += b.size;
      pace.trainSeconds += (performance.now() - tStep) / 1000;
      pace.trained += b.size;
      const logs: BatchLogs = {
        epoch,
        step: st.step,
        steps,
        loss,
        acc: correct / b.size,
        size: b.size,
        meanLoss: st.lossSum / st.seen,
        meanAcc: st.correct / st.seen,
        examplesPerS: pace.trained / Math.max(pace.trainSeconds, 1e-9),
      };
      for (const cb of callbacks) await cb.onBatchEnd?.(logs);
      tStep = performance.now();
      if (st.step >= steps) break;
    }
    return pace;
  }

  /**
   * Closes epoch `state.epoch`: checks the state is finite, evaluates, appends the metrics row,
   * tracks the best validation epoch and moves the state to the next epoch's start.
   */
  async #endEpoch(
    opts: FitOptions,
    pace: EpochPace,
    steps: number,
    t0: number,
  ): Promise<EpochMetrics> {
    const st = this.state!;
    await readVariablesBack(); // webgpu: the state checks below read synchronously
    const epoch = st.epoch;
    this.#syncRngs();
    checkFinite(this.optimizer.getState(), `at the end of epoch ${epoch + 1}`);
    checkFinite(this.net.getState(), `at the end of epoch ${epoch + 1}`);
    const val = opts.validationData
      ? await this.evaluateAsync(opts.validationData, evalOpts(opts.seed, epoch, "val"))
      : null;
    const tests = await this.#evaluateTests(opts, epoch);
    const test = tests.length === 1 && st.task === undefined ? tests[0]! : mean(tests);
    const metrics: EpochMetrics = {
      ...(st.task === undefined ? {} : { task: st.task }),
      epoch,
      lr: pace.lr,
      train_loss: st.lossSum / st.seen,
      train_acc: st.correct / st.seen,
      val_acc: val?.acc ?? null,
      val_loss: val?.loss ?? null,
      test_acc: test?.acc ?? null,
      test_loss: test?.loss ?? null,
      steps,
      seconds: (performance.now() - t0) / 1000,
      examples_per_s: pace.trained / Math.max(pace.trainSeconds, 1e-9),
    };
    if (Array.isArray(opts.testData)) {
      metrics.test_acc_per_task = tests.map((r) => r.acc);
      metrics.test_loss_per_task = tests.map((r) => r.loss);
    }
    st.history.push(metrics);
    if (isNewBest(metrics, st.bestValAcc)) {
      st.bestValAcc = metrics.val_acc;
      st.bestEpoch = epoch;
    }
    st.epoch = epoch + 1;
    st.step = 0;
    st.lossSum = 0;
    st.correct = 0;
    st.seen = 0;
    st.shuffleRng = this.#shuffle!.state();
    return metrics;
  }

  /** The test set(s) after `epoch`; each task's set draws from its own evaluation stream. */
  async #evaluateTests(opts: FitOptions, epoch: number): Promise<Evaluation[]> {
    const data = opts.testData;
    if (!data) return [];
    if (!Array.isArray(data)) {
      return [await this.evaluateAsync(data as DataSource, evalOpts(opts.seed, epoch, "test"))];
    }
    const task = this.state?.task ?? 0;
    const results: Evaluation[] = [];
    for (const [k, d] of (data as readonly DataSource[]).entries()) {
      results.push(
        await this.evaluateAsync(d, evalOpts(opts.seed, epoch, `test-task${k}-during${task}`)),
      );
    }
    return results;
  }

  /** One optimizer step on batch `b`; the loss and the count of correct argmaxes. */
  async #trainStep(
    ds: ImageDataset,
    b: { x: Float32Array; y: Int32Array; size: number },
  ): Promise<{ loss: number; correct: number }> {
    const x = tf.tensor4d(b.x, [b.size, ds.height, ds.width, ds.channels]);
    const y = tf.tensor1d(b.y, "int32");
    const dropout = this.#dropout!;
    const lossFn: LossFn = (weights) => {
      const logits = this.net.apply(weights, x, { training: true, rng: dropout });
      return { loss: crossEntropy(logits, y), logits };
    };
    try {
      // a GPU optimizer reads its loss with `await`; the CPU ones step synchronously
      const { loss, logits } = this.optimizer.stepAsync
        ? await this.optimizer.stepAsync(lossFn)
        : this.optimizer.step(lossFn);
      const correct = tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), "int32")));
      const n = (await correct.data())[0]!;
      tf.dispose([logits, correct]);
      return { loss, correct: n };
    } finally {
      tf.dispose([x, y]);
    }
  }

  #syncRngs(): void {
    if (this.state === null) return;
    if (this.#augment) this.state.augmentRng = this.#augment.state();
    if (this.#dropout) this.state.dropoutRng = this.#dropout.state();
  }

  /**
   * A snapshot of everything needed to continue training bit for bit: the loop state, the
   * optimizer state and the network's BatchNorm state. Checks every value is finite first.
   *
   * @param extra Metadata to store alongside (config, spec, ...).
   * @returns The checkpoint content.
   * @throws {NonFiniteError} If a parameter is NaN or ±Inf.
   */
  checkpoint(extra: Record<string, unknown> = {}): Checkpoint<CheckpointMeta> {
    if (this.state === null) throw new Error("Cannot checkpoint a Model before fit() or restore()");
    this.#syncRngs();
    const where = `at epoch ${this.state.epoch + 1}, step ${this.state.step}`;
    const opt = this.optimizer.getState();
    const net = this.net.getState();
    checkFinite(opt, where);
    checkFinite(net, where);
    const blobs: Record<string, Float32Array> = {};
    const optimizerScalars: Record<string, number> = {};
    for (const [k, v] of Object.entries(opt)) {
      if (typeof v === "number") optimizerScalars[k] = v;
      else blobs[`optimizer/${k}`] = v;
    }
    for (const [k, v] of Object.entries(net)) blobs[`net/${k}`] = v;
    return {
      meta: { ...extra, training: structuredClone(this.state), optimizerScalars },
      blobs,
    };
  }

  /**
   * {@linkcode Model.checkpoint} after reading the variables back from the device, which the
   * `webgpu` backend needs before any synchronous read; the same checkpoint elsewhere.
   *
   * @param extra Metadata stored beside the training state.
   * @returns The checkpoint content.
   */
  async checkpointAsync(extra: Record<string, unknown> = {}): Promise<Checkpoint<CheckpointMeta>> {
    await readVariablesBack();
    return this.checkpoint(extra);
  }

  /**
   * Restores a {@linkcode Model.checkpoint}: optimizer and network state, and the loop state
   * the next {@linkcode Model.fit} continues from.
   *
   * @param ckpt The checkpoint content.
   */
  restore(ckpt: Checkpoint<CheckpointMeta>): void {
    const opt: Record<string, Float32Array | number> = { ...ckpt.meta.optimizerScalars };
    const net: Record<string, Float32Array> = {};
    for (const [k, v] of Object.entries(ckpt.blobs)) {
      if (k.startsWith("optimizer/")) opt[k.slice("optimizer/".length)] = v;
      else if (k.startsWith("net/")) net[k.slice("net/".length)] = v;
    }
    this.optimizer.setState(opt);
    this.net.setState(net);
    this.state = structuredClone(ckpt.meta.training);
  }
}

function evalOpts(seed: number, epoch: number, split: string): PredictOptions {
  return { rng: new Rng(seed, `evaluate-${split}-${epoch}`) };
}

function mean(rs: { acc: number; loss: number }[]): { acc: number; loss: number } | null {
  if (rs.length === 0) return null;
  const sum = (f: (r: { acc: number; loss: number }) => number) =>
    rs.reduce((a, r) => a + f(r), 0) / rs.length;
  return { acc: sum((r) => r.acc), loss: sum((r) => r.loss) };
}

function accumulate(
  probs: Float32Array,
  labels: ArrayLike<number>,
  k: number,
  correct: number,
  nll: number,
): { correct: number; nll: number } {
  const n = probs.length / k;
  for (let i = 0; i < n; i++) {
    let arg = 0;
    for (let j = 1; j < k; j++) if (probs[i * k + j]! > probs[i * k + arg]!) arg = j;
    const y = labels[i]!;
    if (arg === y) correct++;
    nll -= Math.log(Math.max(probs[i * k + y]!, 1e-30));
  }
  return { correct, nll };
}

/**
 * Floats one activation tensor of an evaluation batch may hold: 2²⁵ (128 MiB). The wasm heap
 * is 32-bit, and VGG at the original's test batch of 1000 would need 0.5 GB per conv
 * activation; evaluation results do not depend on the batch size (BatchNorm uses its running
 * statistics), so larger requests are cut to fit.
 */
export const EVAL_ACTIVATION_BUDGET = 2 ** 25;

/**
 * The evaluation batch size for `net`: `requested`, cut so that the largest activation of a
 * batch stays within {@linkcode EVAL_ACTIVATION_BUDGET} floats.
 *
 * @example Usage
 * ```ts
 * import { evalBatchSize } from "./trainer.ts";
 * import { BinaryNet } from "./models/binary_net.ts";
 * import { buildSpec } from "./models/architectures.ts";
 * const vgg = new BinaryNet(buildSpec({ model_architecture: "VGGBinaryConnect", dataset: "cifar10" }));
 * if (evalBatchSize(vgg, 1000) !== 256) throw new Error("128×32×32 floats per image → 256");
 * vgg.dispose();
 * ```
 */
export function evalBatchSize(net: BinaryNet, requested: number): number {
  const largest = Math.max(
    ...layerOutputShapes(net.spec).map((shape) => shape.reduce((a, b) => a * b, 1)),
  );
  return Math.max(1, Math.min(requested, Math.floor(EVAL_ACTIVATION_BUDGET / largest)));
}
