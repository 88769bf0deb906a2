/**
 * One benchmark process: times the training steps users run — the project's `BinaryNet` with
 * its `BayesBiNN` and `STE` optimizers, stepped by the trainer's own `Model.fit` loop (batching,
 * normalization, dropout, loss, optimizer step) — and tfjs evaluation of one model on one bnn
 * backend, then prints one JSON line (median ms per step after warm-up, eval images/s, peak RSS,
 * tensors leaked per step).
 *
 * Data: random images (uint8) and labels, as many as the timed steps need; the optimizers get
 * the paper's settings, the config defaults for the dataset (BayesBiNN τ = 1e-10, S = 1,
 * N = 54,000 MNIST / 45,000 × 10 CIFAR; STE Adam with both clamps at 1). Run by bench/main.ts;
 * usable alone:
 *   deno run --allow-read --allow-ffi --allow-env bench/tfjs_bench.ts --backend blas --model mlp
 * @module
 */
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { activeBackend, type BackendName, initBackend } from "../train/backend/mod.ts";
import type { ImageDataset } from "../train/data/dataset.ts";
import { buildSpec } from "../train/models/architectures.ts";
import { BinaryNet } from "../train/models/binary_net.ts";
import { type Config, resolveConfig } from "../train/config/mod.ts";
import { createOptimizer } from "../train/optimizers/create_optimizer.ts";
import type { OptimizerKind } from "../train/optimizers/optimizer_kind.ts";
import { Rng } from "../train/random.ts";
import { Model } from "../train/trainer.ts";
import { median, peakRssMiB } from "./_proc.ts";
import { convPathStats } from "../train/backend/kernels/_dnnl_plans.ts";
import { type DeviceOptimizer, profileDeviceStep, timeDeviceSteps } from "./_device_steps.ts";

const { values: opt } = parseArgs({
  options: {
    backend: { type: "string", default: "blas" },
    model: { type: "string", default: "mlp" },
    steps: { type: "string", default: "10" },
    warmup: { type: "string", default: "2" },
    width: { type: "string", default: "1" },
  },
});

const backendName = await initBackend(opt.backend as BackendName);
const core = activeBackend()?.openblasCore;
const gpu = activeBackend()?.gpu; // webgpu: the adapter; steps through ./_device_steps.ts
const convolutions = activeBackend()?.convolutions; // blas: oneDNN, or OpenBLAS when it is missing
const backend = core
  ? `${backendName} [${core}; conv ${convolutions}]`
  : gpu
  ? `${backendName} [${gpu}]`
  : backendName;
/** One profiled BayesBiNN step: slowest kernels [name, ms], all kernels' ms, the step's ms. */
interface StepProfile {
  slowest: [string, number][];
  kernelMs?: number;
  stepMs?: number;
}
let profile: StepProfile | undefined;
const mlp = opt.model === "mlp";
const spec = buildSpec(
  mlp ? { model_architecture: "BinaryConnect", dataset: "mnist" } : {
    model_architecture: "VGGBinaryConnect",
    dataset: "cifar10",
    width_multiplier: Number(opt.width),
  },
);
const batch = mlp ? 100 : 50;
const evalBatch = mlp ? 1000 : 200;
const steps = Number(opt.steps), warmup = Number(opt.warmup);
const [H, W, C] = spec.inputShape;

/** Random uint8 images and labels named like the dataset (for its normalization). */
function randomDataset(count: number, seed: number): ImageDataset {
  const rng = new Rng(seed, "bench-data");
  const images = new Uint8Array(count * H * W * C);
  for (let i = 0; i < images.length; i++) images[i] = rng.int(256);
  const labels = Uint8Array.from({ length: count }, () => rng.int(10));
  return {
    name: mlp ? "mnist" : "cifar10",
    images,
    labels,
    count,
    height: H,
    width: W,
    channels: C,
    numClasses: spec.numClasses,
  };
}

const train = randomDataset(batch * (warmup + steps), 1);

/** The paper's training-split size N (before trainset_scale) for the benchmarked dataset. */
const trainSetSize = mlp ? 54000 : 45000;

/** The paper's config for `kind` on the benchmarked dataset (the schema's defaults). */
function paperConfig(kind: OptimizerKind): Config {
  return resolveConfig(kind, undefined, { dataset: mlp ? "mnist" : "cifar10" });
}

/** Median ms per `Model.fit` step (after `warmup` steps) and tensors leaked per step. */
async function timeFit(kind: OptimizerKind): Promise<{ ms: number; leaked: number }> {
  const config = paperConfig(kind);
  const net = new BinaryNet(spec);
  const optimizer = createOptimizer(
    config.optimizer,
    { ...config, train_set_size: trainSetSize },
    net.binaryShapes,
    new Rng(1, "optimizer"),
    net.realParams,
  );
  if (gpu) {
    const d = optimizer as DeviceOptimizer;
    const { ms, leaked } = await timeDeviceSteps(net, d, train, batch, warmup);
    if (kind === "bayesbinn") {
      profile = { slowest: await profileDeviceStep(net, d, train, batch, 8) };
    }
    optimizer.dispose();
    net.dispose();
    return { ms: median(ms), leaked };
  }
  const model = new Model(net, optimizer);
  const ends: number[] = [];
  const tensors: number[] = [];
  let t0 = 0;
  await model.fit(train, {
    epochs: 1,
    batchSize: batch,
    lrInit: config.lr_init,
    lrFinal: config.lr_final,
    seed: 1,
    callbacks: [{
      onEpochBegin: () => {
        t0 = performance.now();
      },
      onBatchEnd: () => {
        ends.push(performance.now());
        tensors.push(tf.memory().numTensors);
      },
    }],
  });
  const ms = ends.map((t, i) => t - (i === 0 ? t0 : ends[i - 1])).slice(warmup);
  const leaked = (tensors[tensors.length - 1] - tensors[warmup - 1]) / (tensors.length - warmup);
  if (kind === "bayesbinn") profile = await profileFitStep(model, config);
  optimizer.dispose();
  net.dispose();
  return { ms: median(ms), leaked };
}

/**
 * tfjs's profile of one more `Model.fit` step on the first batch: the slowest kernels (ms summed
 * per kernel name), all kernels' ms, and the step's wall ms; the difference is time outside tfjs
 * kernels (bnn's fused optimizer kernels and the JS between kernels).
 */
async function profileFitStep(model: Model, config: Config): Promise<StepProfile> {
  const one: ImageDataset = {
    ...train,
    count: batch,
    images: train.images.subarray(0, batch * H * W * C),
    labels: train.labels.subarray(0, batch),
  };
  const t = performance.now();
  const info = await tf.profile(async () => {
    await model.fit(one, {
      epochs: 2, // the model has trained its first epoch: one more, of one step
      batchSize: batch,
      lrInit: config.lr_init,
      lrFinal: config.lr_final,
      seed: 1,
    });
    return [];
  });
  const stepMs = performance.now() - t;
  const byName = new Map<string, number>();
  for (const k of info.kernels) {
    byName.set(k.name, (byName.get(k.name) ?? 0) + Number(k.kernelTimeMs));
  }
  const kernelMs = [...byName.values()].reduce((a, b) => a + b, 0);
  const slowest = [...byName].sort((a, b) => b[1] - a[1]).slice(0, 10)
    .map(([n, ms]) => [n, +ms.toFixed(1)] as [string, number]);
  return { slowest, kernelMs: +kernelMs.toFixed(1), stepMs: +stepMs.toFixed(1) };
}

const bayes = await timeFit("bayesbinn");
const ste = await timeFit("ste");

// tfjs evaluation: the mode weights through the network in eval mode (Model.predict).
const net = new BinaryNet(spec);
const steConfig = paperConfig("ste");
const optimizer = createOptimizer(
  steConfig.optimizer,
  { ...steConfig, train_set_size: trainSetSize },
  net.binaryShapes,
  new Rng(2, "optimizer"),
  [],
);
const model = new Model(net, optimizer);
const evalData = randomDataset(evalBatch, 2);
const xEval = tf.tensor4d(
  Float32Array.from(evalData.images, (v) => v / 255 - 0.5),
  [evalBatch, H, W, C],
);
const evalMs: number[] = [];
for (let i = 0; i < warmup + Math.max(3, steps >> 1); i++) {
  const t = performance.now();
  const p = model.predict(xEval);
  await p.data(); // webgpu reads only with await
  p.dispose();
  if (i >= warmup) evalMs.push(performance.now() - t);
}

console.log(JSON.stringify({
  framework: "tfjs",
  backend,
  model: opt.model,
  batch,
  weights: net.binaryShapes.reduce((a, s) => a + s.reduce((p, q) => p * q), 0),
  bayes_ms: bayes.ms,
  ste_ms: ste.ms,
  eval_img_s: evalBatch / (median(evalMs) / 1000),
  peak_mib: peakRssMiB(),
  leaked_tensors_per_step: Math.max(bayes.leaked, ste.leaked),
  conv_calls: convPathStats(), // blas: how many convolutions ran on oneDNN / fell back to OpenBLAS
  ...(profile
    ? {
      slowest_kernels_ms: profile.slowest,
      profiled_kernel_ms: profile.kernelMs,
      profiled_step_ms: profile.stepMs,
    }
    : {}),
}));
