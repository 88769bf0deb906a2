/**
 * One benchmark process: times a BayesBiNN-like and an STE+Adam training step and evaluation of
 * one model on one bnn backend, then prints one JSON line (ms per step, eval images/s, peak RSS).
 * Run by bench/main.ts; usable alone:
 *   deno run --allow-read --allow-ffi --allow-env bench/tfjs_bench.ts --backend blas --model mlp
 * @module
 */
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import {
  activeBackend,
  adamUpdate,
  type BackendName,
  bayesBinnAccumulate,
  bayesBinnSampleRng,
  bayesBinnUpdate,
  initBackend,
  signInto,
  wasmView,
} from "../train/backend/mod.ts";
import { Rng } from "../train/random.ts";
import { benchMlp, type BenchModel, benchVgg } from "./_tf_models.ts";
import { median, peakRssMiB } from "./_proc.ts";

const { values: opt } = parseArgs({
  options: {
    backend: { type: "string", default: "blas" },
    model: { type: "string", default: "mlp" },
    steps: { type: "string", default: "10" },
    warmup: { type: "string", default: "2" },
    width: { type: "string", default: "1" },
    profile: { type: "boolean", default: false },
    impl: { type: "string", default: "fused" },
  },
});

const backendName = await initBackend(opt.backend as BackendName);
const core = activeBackend()?.openblasCore;
const backend = core ? `${backendName} [${core}]` : backendName;
const model: BenchModel = opt.model === "vgg" ? benchVgg(Number(opt.width)) : benchMlp();
const batch = model.name === "mlp" ? 100 : 50;
const evalBatch = model.name === "mlp" ? 1000 : 200;
const steps = Number(opt.steps), warmup = Number(opt.warmup);
const trainSize = model.name === "mlp" ? 54000 : 450000;

const rng = new Rng(1, "bench");
const randn = (n: number) => Float32Array.from({ length: n }, () => (rng.uniform() * 2 - 1) * 1.7);
const x = tf.tensor(randn(batch * model.inputShape.reduce((a, b) => a * b)), [
  batch,
  ...model.inputShape,
]);
const labels = tf.oneHot(
  tf.tensor1d(Int32Array.from({ length: batch }, () => rng.int(10)), "int32"),
  10,
);
const xEval = tf.tensor(randn(evalBatch * model.inputShape.reduce((a, b) => a * b)), [
  evalBatch,
  ...model.inputShape,
]);

if (opt.impl === "project") {
  // The project's own BinaryNet + BayesBiNN/STE (train/models, train/optimizers) on this backend.
  const { buildSpec, BinaryNet } = await import("../train/models/mod.ts");
  const { BayesBiNN, STE } = await import("../train/optimizers/mod.ts");
  const spec = buildSpec(
    model.name === "mlp" ? { model_architecture: "BinaryConnect", dataset: "mnist" } : {
      model_architecture: "VGGBinaryConnect",
      dataset: "cifar10",
      width_multiplier: Number(opt.width),
    },
  );
  const net = new BinaryNet(spec);
  const dropRng = new Rng(3, "dropout");
  const x4 = x as tf.Tensor4D;
  const lossFn = (w: tf.Tensor[]) => {
    const logits = net.apply(w, x4, { training: true, rng: dropRng });
    return { loss: tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar, logits };
  };
  const bayes = new BayesBiNN(net.binaryShapes, new Rng(4, "bayesbinn"), {
    learningRate: 1e-4,
    temperature: 1e-10,
    mcSteps: 1,
    trainSetSize: trainSize,
  });
  const ste = new STE(net.binaryShapes, new Rng(5, "ste"), {
    learningRate: 1e-3,
    gradClipValue: 1,
    weightClipValue: 1,
  });
  const stepOf = (o: { step: typeof bayes.step }) => () => o.step(lossFn).logits.dispose();
  const bayesMs = time(stepOf(bayes), steps);
  const steMs = time(stepOf(ste), steps);
  const evalMs = time(() => {
    const w = ste.modeWeights();
    tf.tidy(() => net.apply(w, xEval as tf.Tensor4D, { training: false }).dataSync());
    tf.dispose(w);
  }, Math.max(3, steps >> 1));
  console.log(JSON.stringify({
    framework: "tfjs",
    backend: `${backend} (project optimizers)`,
    model: model.name,
    batch,
    weights: net.binaryShapes.reduce((a, s) => a + s.reduce((p, q) => p * q), 0),
    bayes_ms: bayesMs,
    ste_ms: steMs,
    eval_img_s: evalBatch / (evalMs / 1000),
    peak_mib: peakRssMiB(),
  }));
  Deno.exit(0);
}

const sizes = model.weightShapes.map((s) => s.reduce((a, b) => a * b));
const offsets = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
const total = sizes.reduce((a, b) => a + b);
const part = (a: Float32Array, i: number) => a.subarray(offsets[i], offsets[i] + sizes[i]);
// Weight tensors owned by the step and rewritten in place (zero-copy) every step.
const wTensors = model.weightShapes.map((s) => tf.zeros(s));

const lossFn = (...ws: tf.Tensor[]) =>
  tf.losses.softmaxCrossEntropy(labels, model.apply(ws, x, true)) as tf.Scalar;
const valueAndGrads = tf.valueAndGrads(lossFn);

function gradsStep(): tf.Tensor[] {
  const { value, grads } = valueAndGrads(wTensors);
  value.dataSync();
  value.dispose();
  return grads;
}

// BayesBiNN-like step (S = 1): sample, gradient, scale/accumulate, natural-parameter update.
const lambda = Float32Array.from({ length: total }, () => (rng.uniform() < 0.5 ? -10 : 10));
const mom = new Float32Array(total), mu = new Float32Array(total), ghat = new Float32Array(total);
const noise = new Uint32Array(new Rng(2, "noise").state());
const tau = 1e-10;
let t = 0;
function bayesStep(): void {
  t++;
  wTensors.forEach((w, i) => bayesBinnSampleRng(part(lambda, i), noise, tau, wasmView(w)));
  const grads = gradsStep();
  ghat.fill(0);
  grads.forEach((g, i) =>
    bayesBinnAccumulate(part(ghat, i), wasmView(g), wasmView(wTensors[i]), part(mu, i), tau)
  );
  tf.dispose(grads);
  bayesBinnUpdate({
    lambda,
    m: mom,
    mu,
    ghat,
    gradScale: trainSize,
    beta: 0,
    kappa: 1,
    lr: 1e-4,
    step: t,
  });
}

// STE + Adam step: w_b = sign(w_r), gradient at w_b, Adam on w_r with clamps.
const wr = Float32Array.from({ length: total }, () => (rng.uniform() * 2 - 1) * 0.05);
const am = new Float32Array(total), av = new Float32Array(total);
let s = 0;
function steStep(): void {
  s++;
  wTensors.forEach((w, i) => signInto(part(wr, i), wasmView(w)));
  const grads = gradsStep();
  grads.forEach((g, i) =>
    adamUpdate({
      w: part(wr, i),
      m: part(am, i),
      v: part(av, i),
      grad: wasmView(g),
      lr: 1e-3,
      step: s,
      gradClip: 1,
      weightClip: 1,
    })
  );
  tf.dispose(grads);
}

function time(fn: () => void, n: number): number {
  for (let i = 0; i < warmup; i++) fn();
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

const numTensors = tf.memory().numTensors;
const bayesMs = time(bayesStep, steps);
const steMs = time(steStep, steps);
const leaked = tf.memory().numTensors - numTensors;
const evalMs = time(
  () => tf.tidy(() => model.apply(wTensors, xEval, false).dataSync()),
  Math.max(3, steps >> 1),
);

let profile: Record<string, number> | undefined;
if (opt.profile) {
  const info = await tf.profile(() => bayesStep());
  profile = {};
  for (const k of info.kernels) {
    profile[k.name] = (profile[k.name] ?? 0) + (k.kernelTimeMs as number);
  }
  profile = Object.fromEntries(
    Object.entries(profile).sort((a, b) => b[1] - a[1]).slice(0, 14).map((
      [k, v],
    ) => [k, Math.round(v * 10) / 10]),
  );
}

console.log(JSON.stringify({
  framework: "tfjs",
  backend,
  model: model.name,
  batch,
  weights: total,
  bayes_ms: bayesMs,
  ste_ms: steMs,
  eval_img_s: evalBatch / (evalMs / 1000),
  peak_mib: peakRssMiB(),
  leaked_tensors: leaked,
  profile,
}));
