/**
 * The training step of `Model.fit` for the device optimizers (`webgpu`), whose values can only
 * be read with `await`: the trainer's batching and normalization, dropout from the run's Rng,
 * the cross-entropy loss, one `stepAsync` (the loss read back) and the correct count read back,
 * as the progress bar needs. Used by bench/tfjs_bench.ts for `--backend webgpu`, and for one
 * profiled step (tfjs's profiler: the slowest kernels by total time).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { crossEntropy } from "../train/cross_entropy.ts";
import { batches } from "../train/data/batches.ts";
import type { ImageDataset } from "../train/data/dataset.ts";
import { NORMALIZATION } from "../train/data/normalization.ts";
import type { BinaryNet } from "../train/models/binary_net.ts";
import type { DeviceBayesBiNN } from "../train/optimizers/device_bayes_binn.ts";
import type { DeviceSTE } from "../train/optimizers/device_ste.ts";
import { Rng } from "../train/random.ts";

/** An optimizer whose steps read back with `await`. */
export type DeviceOptimizer = DeviceBayesBiNN | DeviceSTE;

/** One step per batch of `train`, in order; yields after each step (loss and correct read). */
async function* deviceSteps(
  net: BinaryNet,
  opt: DeviceOptimizer,
  train: ImageDataset,
  batchSize: number,
): AsyncGenerator<{ loss: number; correct: number }> {
  const dropout = new Rng(1, "dropout");
  const order = Uint32Array.from({ length: train.count }, (_, i) => i);
  const normalization = NORMALIZATION[train.name as keyof typeof NORMALIZATION];
  for (const b of batches(train, order, { batchSize, normalization, dropLast: true })) {
    const x = tf.tensor4d(b.x, [b.size, train.height, train.width, train.channels]);
    const y = tf.tensor1d(b.y, "int32");
    const { loss, logits } = await opt.stepAsync((w) => {
      const logits = net.apply(w, x, { training: true, rng: dropout });
      return { loss: crossEntropy(logits, y), logits };
    });
    const correct = tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), "int32")));
    const n = (await correct.data())[0];
    tf.dispose([logits, correct, x, y]);
    yield { loss, correct: n };
  }
}

/**
 * Median ms per step after `warmup` steps over `train`'s batches, and tensors leaked per step.
 *
 * @example Usage
 * ```ts ignore
 * const { ms } = await timeDeviceSteps(net, optimizer, train, 50, 1);
 * ```
 */
export async function timeDeviceSteps(
  net: BinaryNet,
  opt: DeviceOptimizer,
  train: ImageDataset,
  batchSize: number,
  warmup: number,
): Promise<{ ms: number[]; leaked: number }> {
  const ms: number[] = [], tensors: number[] = [];
  let t = performance.now();
  for await (const _ of deviceSteps(net, opt, train, batchSize)) {
    const now = performance.now();
    ms.push(now - t);
    tensors.push(tf.memory().numTensors);
    t = now;
  }
  const steps = ms.length - warmup;
  const leaked = (tensors[tensors.length - 1] - tensors[warmup - 1]) / steps;
  return { ms: ms.slice(warmup), leaked };
}

/**
 * tfjs's profile of one step on the first batch of `train`: the `top` kernels by total time
 * (GPU time on `webgpu` where the adapter has timestamp queries), ms summed per kernel name.
 *
 * @example Usage
 * ```ts ignore
 * const slowest = await profileDeviceStep(net, optimizer, train, 50, 8);
 * ```
 */
export async function profileDeviceStep(
  net: BinaryNet,
  opt: DeviceOptimizer,
  train: ImageDataset,
  batchSize: number,
  top: number,
): Promise<[string, number][]> {
  const info = await tf.profile(async () => {
    await deviceSteps(net, opt, train, batchSize).next();
    return [];
  });
  const byName = new Map<string, number>();
  for (const k of info.kernels) {
    byName.set(k.name, (byName.get(k.name) ?? 0) + Number(k.kernelTimeMs));
  }
  return [...byName].sort((a, b) => b[1] - a[1]).slice(0, top).map((
    [n, ms],
  ) => [n, +ms.toFixed(2)]);
}
