/**
 * Continual learning on permuted MNIST, as the authors' `main_permute_mnist_CL.py` /
 * `utils/train_cl_utils.py` (reference-sources.md §1.8), not the reproduction (whose prior is never
 * read and whose old-task evaluation uses the current task's permutation).
 *
 * Task t (0-based, task 0 included) is the dataset with its pixels shuffled by the permutation
 * π_t = `new Rng(seed, "task-permutation-<t>").permutation(H·W)`: pixel j of a task image is pixel
 * π_t[j] of the original (all channels of a pixel move together), for the training and the test
 * images alike. Tasks are trained in turn, `epochs` epochs each, with a fresh cosine schedule per
 * task (the learning rate starts again at lr_init). Before task t > 0 the BayesBiNN prior is set to
 * the posterior after task t − 1,
 *
 *     λ₀ ← λ_{t−1},   so each step's KL term is κ·(λ − λ₀)          (paper eq. 21)
 *
 * while the momentum, the step count, the BatchNorm statistics and every Rng stream carry on.
 * After every epoch the model is tested on the test set of every task seen so far, each under its
 * own permutation; `test_acc` is their mean and `test_acc_per_task` the list.
 *
 * Resuming: the task index lives in the loop state ({@linkcode TrainingState.task}), the
 * permutations are recomputed from the seed and the task index, and the prior is part of the
 * optimizer state, so a checkpoint taken anywhere (mid-task, or at the end of a task) continues
 * bit for bit.
 * @module
 */
import type { ImageDataset } from "./data/dataset.ts";
import type { EpochMetrics } from "./metrics_log.ts";
import { BayesBiNN } from "./optimizers/bayes_binn.ts";
import { DeviceBayesBiNN } from "./optimizers/device_bayes_binn.ts";
import { Rng } from "./random.ts";
import type { Callback, FitOptions, Model } from "./trainer.ts";

/**
 * The pixel permutation of continual-learning task `task`: a seeded Fisher–Yates shuffle of
 * 0..pixels−1 from the stream `"task-permutation-<task>"`.
 *
 * @param seed The run's seed.
 * @param task The task index (0-based).
 * @param pixels H·W.
 * @returns π_t, a permutation of 0..pixels−1.
 * @throws {RangeError} If `task` is not a non-negative integer.
 *
 * @example Usage
 * ```ts
 * import { taskPermutation } from "./continual.ts";
 * const p = taskPermutation(1, 0, 784);
 * if ([...p].sort((a, b) => a - b).some((v, i) => v !== i)) throw new Error("not a permutation");
 * ```
 */
export function taskPermutation(seed: number, task: number, pixels: number): Uint32Array {
  if (!Number.isInteger(task) || task < 0) {
    throw new RangeError(
      `Cannot draw a task permutation as task must be a non-negative integer: current value is ${task}`,
    );
  }
  return new Rng(seed, `task-permutation-${task}`).permutation(pixels);
}

/**
 * A copy of `ds` with every image's pixels permuted: pixel j of the result is pixel `perm[j]` of
 * the original (row-major over H·W; the channels of a pixel stay together).
 *
 * @param ds The dataset.
 * @param perm A permutation of 0..H·W−1.
 * @returns A new dataset with the same labels.
 * @throws {RangeError} If `perm` is not a permutation of 0..H·W−1.
 *
 * @example Usage
 * ```ts
 * import { permutePixels } from "./continual.ts";
 * const ds = { name: "x", images: new Uint8Array([1, 2, 3, 4, 5, 6]), labels: new Uint8Array([0, 1]),
 *   count: 2, height: 1, width: 3, channels: 1, numClasses: 2 };
 * const p = permutePixels(ds, new Uint32Array([2, 0, 1]));
 * if (p.images.join() !== "3,1,2,6,4,5") throw new Error(p.images.join());
 * ```
 */
export function permutePixels(ds: ImageDataset, perm: Uint32Array): ImageDataset {
  const px = ds.height * ds.width, c = ds.channels;
  const seen = new Uint8Array(px);
  if (perm.length !== px || !perm.every((v) => v < px && seen[v]++ === 0)) {
    throw new RangeError(
      `Cannot permute ${ds.name} images as perm must be a permutation of 0..${
        px - 1
      }: current length is ${perm.length}`,
    );
  }
  const size = px * c;
  const out = new Uint8Array(ds.count * size);
  for (let i = 0; i < ds.count; i++) {
    const src = ds.images.subarray(i * size, (i + 1) * size);
    const dst = out.subarray(i * size, (i + 1) * size);
    if (c === 1) {
      for (let j = 0; j < px; j++) dst[j] = src[perm[j]!]!;
    } else {
      for (let j = 0; j < px; j++) {
        for (let k = 0; k < c; k++) dst[j * c + k] = src[perm[j]! * c + k]!;
      }
    }
  }
  return { ...ds, images: out, labels: ds.labels.subarray(0, ds.count) };
}

/** Options of {@linkcode fitContinual}: {@linkcode FitOptions} per task plus the task count. */
export interface ContinualOptions extends Omit<FitOptions, "testData" | "task"> {
  /** T ≥ 1 tasks. */
  numTasks: number;
  /** Called when a task starts (also when a resumed run continues inside a task). */
  onTaskBegin?: (task: number) => void | Promise<void>;
}

/**
 * Trains `numTasks` permuted tasks in turn (see the module doc), continuing from `model.state`
 * when it was restored from a checkpoint. Callbacks see one training run: `onTrainBegin` once at
 * the start and `onTrainEnd` once at the end, the epoch and batch hooks for every task.
 *
 * @param model The model (a BayesBiNN optimizer gets the prior; others train without one).
 * @param train The unpermuted training set (no validation split: the original has none).
 * @param test The unpermuted test set.
 * @param opts Per-task fit options, the task count and a task hook.
 * @returns The history over all tasks (one row per task and epoch).
 * @throws {RangeError} If `numTasks` is not a positive integer or the restored state has no task.
 *
 * @example Usage
 * ```ts ignore
 * const history = await fitContinual(model, train, test, {
 *   numTasks: 5, epochs: 100, batchSize: 100, lrInit: 1e-3, lrFinal: 1e-16, seed: 1,
 * });
 * console.log(history.at(-1)!.test_acc_per_task);
 * ```
 */
export async function fitContinual(
  model: Model,
  train: ImageDataset,
  test: ImageDataset,
  opts: ContinualOptions,
): Promise<EpochMetrics[]> {
  const T = opts.numTasks;
  if (!Number.isInteger(T) || T < 1) {
    throw new RangeError(
      `Cannot fit continual tasks as numTasks must be a positive integer: current value is ${T}`,
    );
  }
  if (model.state !== null && model.state.task === undefined) {
    throw new RangeError("Cannot continue continual learning from a state without a task index");
  }
  const pixels = train.height * train.width;
  const perm = (t: number) => taskPermutation(opts.seed, t, pixels);
  let t = model.state?.task ?? 0;
  if (t >= T) {
    throw new RangeError(
      `Cannot continue continual learning at task ${t + 1} as numTasks is ${T}`,
    );
  }
  const tests = Array.from({ length: t }, (_, k) => permutePixels(test, perm(k)));
  const callbacks = opts.callbacks ?? [];
  let begun = false;
  for (;;) {
    const pi = perm(t);
    tests.push(permutePixels(test, pi));
    const st = model.state;
    const last = t === T - 1;
    if (st === null || st.epoch < opts.epochs || last) {
      await opts.onTaskBegin?.(t);
      const wrapped = callbacks.map((cb) => taskCallback(cb, !begun, last));
      begun = true;
      await model.fit(permutePixels(train, pi), {
        ...opts,
        task: t,
        testData: tests.slice(),
        callbacks: wrapped,
      });
      if (model.state!.epoch < opts.epochs) {
        // stopped early by a callback: end the run here
        if (!last) { for (const cb of callbacks) await cb.onTrainEnd?.(model.state!.history); }
        break;
      }
    }
    if (last) break;
    startTask(model, t + 1);
    t++;
  }
  return model.state!.history;
}

/** Moves the loop state to the start of `task` and sets the prior λ₀ ← λ (BayesBiNN). */
function startTask(model: Model, task: number): void {
  const st = model.state!;
  st.task = task;
  st.epoch = 0;
  st.step = 0;
  st.lossSum = 0;
  st.correct = 0;
  st.seen = 0;
  if (model.optimizer instanceof BayesBiNN || model.optimizer instanceof DeviceBayesBiNN) {
    model.optimizer.usePosteriorAsPrior();
  }
}

function taskCallback(cb: Callback, first: boolean, last: boolean): Callback {
  return {
    onTrainBegin: first && cb.onTrainBegin ? (m) => cb.onTrainBegin!(m) : undefined,
    onEpochBegin: cb.onEpochBegin ? (e, info) => cb.onEpochBegin!(e, info) : undefined,
    onBatchEnd: cb.onBatchEnd ? (l) => cb.onBatchEnd!(l) : undefined,
    onEpochEnd: cb.onEpochEnd ? (m) => cb.onEpochEnd!(m) : undefined,
    onTrainEnd: last && cb.onTrainEnd ? (h) => cb.onTrainEnd!(h) : undefined,
  };
}
