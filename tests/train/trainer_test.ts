import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../train/backend/mod.ts";
import { decodeCheckpoint, encodeCheckpoint } from "../../train/checkpoint.ts";
import { loadDataset } from "../../train/data/load_dataset.ts";
import { NORMALIZATION } from "../../train/data/normalization.ts";
import { takeFirst } from "../../train/data/take_first.ts";
import { withoutTiming } from "../../train/metrics_log.ts";
import { buildSpec } from "../../train/models/architectures.ts";
import { BinaryNet } from "../../train/models/binary_net.ts";
import type { ModelSpec } from "../../train/models/spec.ts";
import { createOptimizer } from "../../train/optimizers/create_optimizer.ts";
import type { OptimizerKind } from "../../train/optimizers/optimizer_kind.ts";
import { Rng } from "../../train/random.ts";
import { type Callback, evalBatchSize, Model, NonFiniteError } from "../../train/trainer.ts";
import { type DataSource, sizeOf, splitData } from "../../train/data_source.ts";
import { optimizerOptions } from "../_fixtures/optimizer_options.ts";
import { mnistDataDir } from "../_fixtures/synthetic_mnist.ts";

const DATA_DIR = await mnistDataDir();
await initBackend();

const fullTrain = await loadDataset("mnist", "train", { dataDir: DATA_DIR });
const fullTest = await loadDataset("mnist", "test", { dataDir: DATA_DIR });
const train1000 = takeFirst(fullTrain, 1000);
const test500 = takeFirst(fullTest, 500);

/** A small conv + dropout net, so the resume test covers every random stream. */
const SMALL_CONV: ModelSpec = {
  architecture: "test-conv",
  inputShape: [28, 28, 1],
  numClasses: 10,
  layers: [
    { type: "conv2d", inChannels: 1, filters: 4, kernelSize: 3, padding: 1 },
    { type: "batchnorm", features: 4, eps: 1e-5, momentum: 0.2, affine: false },
    { type: "relu" },
    { type: "maxpool", size: 4 },
    { type: "flatten" },
    { type: "dropout", rate: 0.2 },
    { type: "dense", inputs: 196, units: 10 },
    { type: "batchnorm", features: 10, eps: 1e-5, momentum: 0.1, affine: false },
  ],
};

function makeModel(
  kind: OptimizerKind,
  opts: {
    spec?: ModelSpec;
    lr?: number;
    mcSteps?: number;
    trainSize: number;
    seed?: number;
    evaluateSteps?: number;
  },
): Model {
  const spec = opts.spec ?? buildSpec({ model_architecture: "MLP_CL", dataset: "mnist" });
  const net = new BinaryNet(spec);
  const optimizer = createOptimizer(
    kind,
    optimizerOptions(kind, {
      lr_init: opts.lr ?? (kind === "ste" ? 0.01 : 1e-4),
      train_set_size: opts.trainSize,
      mc_steps: opts.mcSteps ?? 1,
    }),
    net.binaryShapes,
    new Rng(opts.seed ?? 1, "optimizer"),
    net.realParams,
  );
  return new Model(net, optimizer, { evaluateSteps: opts.evaluateSteps ?? 0 });
}

function dispose(m: Model): void {
  m.optimizer.dispose();
  m.net.dispose();
}

function blobBits(m: Model): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(m.checkpoint().blobs)) {
    out[k] = Array.from(new Uint32Array(v.slice().buffer));
  }
  return out;
}

const fitOpts = { batchSize: 50, lrInit: 1e-4, lrFinal: 1e-16, seed: 7 };

Deno.test("Model.fit() lowers the loss on MNIST and logs every metric with the cosine lr", async () => {
  const { train, val } = splitData(train1000, 0.1, 7);
  assert.equal(sizeOf(train), 900);
  assert.equal(sizeOf(val!), 100);
  const model = makeModel("bayesbinn", { trainSize: sizeOf(train) });
  const seen: string[] = [];
  const spy: Callback = {
    onTrainBegin: () => void seen.push("trainBegin"),
    onEpochBegin: (e, i) => void seen.push(`epochBegin ${e} lr=${i.lr} steps=${i.steps}`),
    onBatchEnd: (l) =>
      void (l.step === l.steps && seen.push(`batchEnd ${l.epoch} ${l.step}/${l.steps}`)),
    onEpochEnd: (m) => void seen.push(`epochEnd ${m.epoch}`),
    onTrainEnd: (h) => void seen.push(`trainEnd ${h.length}`),
  };
  const history = await model.fit(train, {
    ...fitOpts,
    epochs: 3,
    validationData: val,
    testData: test500,
    callbacks: [spy],
  });
  assert.equal(history.length, 3);
  const lr = (e: number) => 1e-16 + (1e-4 - 1e-16) * (1 + Math.cos(Math.PI * e / 3)) / 2;
  assert.deepEqual(seen, [
    "trainBegin",
    `epochBegin 0 lr=${lr(0)} steps=18`,
    "batchEnd 0 18/18",
    "epochEnd 0",
    `epochBegin 1 lr=${lr(1)} steps=18`,
    "batchEnd 1 18/18",
    "epochEnd 1",
    `epochBegin 2 lr=${lr(2)} steps=18`,
    "batchEnd 2 18/18",
    "epochEnd 2",
    "trainEnd 3",
  ]);
  for (const m of history) {
    for (
      const k of [
        "epoch",
        "lr",
        "train_loss",
        "train_acc",
        "val_acc",
        "test_acc",
        "seconds",
        "examples_per_s",
      ] as const
    ) {
      assert.equal(typeof m[k], "number", k);
      assert.ok(Number.isFinite(m[k] as number), k);
    }
    for (const k of ["train_acc", "val_acc", "test_acc"] as const) {
      assert.ok(m[k]! >= 0 && m[k]! <= 1, k);
    }
    assert.ok(Math.abs(m.lr - lr(m.epoch)) <= 1e-20);
  }
  assert.ok(history[2]!.train_loss < history[0]!.train_loss, "training loss falls");
  assert.ok(history[2]!.test_acc! > 0.7, `test accuracy ${history[2]!.test_acc}`);
  // the last epoch's test accuracy is what evaluate() gives now
  assert.equal(model.evaluate(test500).acc, history[2]!.test_acc);
  dispose(model);
});

Deno.test("Model.evaluate() and predict() match an independent mode / MC-mean computation", async () => {
  const model = makeModel("bayesbinn", { trainSize: 1000 });
  await model.fit(train1000, { ...fitOpts, epochs: 1 });
  // a BayesBiNN that still has uncertain weights, so MC samples differ from the mode
  const state = model.optimizer.getState();
  for (const [k, v] of Object.entries(state)) {
    if (k.startsWith("lambda.") && v instanceof Float32Array) {
      for (let i = 0; i < v.length; i++) {
        v[i] = Math.sign(v[i]!) * Math.min(Math.abs(v[i]!), 0.5 + (i % 7) / 7);
      }
    }
  }
  model.optimizer.setState(state);
  const n = 200;
  const ds = takeFirst(fullTest, n);
  const { mean, std } = NORMALIZATION.mnist;
  const x = tf.tidy(() =>
    tf.tensor4d(Float32Array.from(ds.images, (v) => (v / 255 - mean[0]) / std[0]), [n, 28, 28, 1])
  );
  const reference = (weights: tf.Tensor[][], average: "probs" | "logits") =>
    tf.tidy(() => {
      const outs = weights.map((w) => {
        const logits = model.net.apply(w, x, { training: false });
        return average === "probs" ? tf.softmax(logits) : logits;
      });
      const avg = tf.div(tf.addN(outs), weights.length);
      const p = (average === "probs" ? avg : tf.softmax(avg)).arraySync() as number[][];
      let correct = 0, nll = 0;
      p.forEach((row, i) => {
        if (row.indexOf(Math.max(...row)) === ds.labels[i]) correct++;
        nll -= Math.log(row[ds.labels[i]!]!);
      });
      return { acc: correct / n, loss: nll / n, p };
    });
  const cases = [[0, "probs"], [3, "probs"], [3, "logits"]] as const;
  for (const [C, average] of cases) {
    const draw = new Rng(5, "evaluate");
    const weights = C === 0
      ? [model.optimizer.modeWeights()]
      : Array.from({ length: C }, () => model.optimizer.sampleWeights(draw));
    const want = reference(weights, average);
    weights.forEach((w) => tf.dispose(w));
    const got = model.evaluate(ds, {
      evaluateSteps: C,
      evaluateMean: average,
      rng: new Rng(5, "evaluate"),
      batchSize: 64,
    });
    assert.equal(got.acc, want.acc, `acc C=${C} ${average}`);
    assert.ok(
      Math.abs(got.loss - want.loss) < 1e-4,
      `loss C=${C} ${average}: ${got.loss} vs ${want.loss}`,
    );
    const p = model.predict(x, {
      evaluateSteps: C,
      evaluateMean: average,
      rng: new Rng(5, "evaluate"),
    });
    const pArr = p.arraySync();
    p.dispose();
    const maxDiff = Math.max(
      ...pArr.flatMap((r, i) => r.map((v, j) => Math.abs(v - want.p[i]![j]!))),
    );
    assert.ok(maxDiff < 1e-5, `predict C=${C} ${average}: ${maxDiff}`);
  }
  assert.notEqual(
    model.evaluate(ds, { evaluateSteps: 3, rng: new Rng(5, "evaluate") }).loss,
    model.evaluate(ds).loss,
    "MC samples differ from the mode",
  );
  x.dispose();
  dispose(model);
});

Deno.test("Model.fit() is deterministic: same seed, same metrics and weights bit for bit", async () => {
  const run = async (seed: number) => {
    const model = makeModel("ste", { trainSize: 1000, spec: SMALL_CONV, seed });
    const h = await model.fit(train1000, {
      ...fitOpts,
      seed,
      epochs: 2,
      augment: true,
      testData: test500,
    });
    const out = { metrics: h.map(withoutTiming), bits: blobBits(model) };
    dispose(model);
    return out;
  };
  const a = await run(3), b = await run(3), c = await run(4);
  assert.deepEqual(a.metrics, b.metrics);
  assert.deepEqual(a.bits, b.bits);
  assert.notDeepEqual(a.bits, c.bits, "another seed gives other weights");
});

Deno.test("Model.restore() continues mid-epoch to the same final state bit for bit", async () => {
  // dropout, augmentation, S = 2 Gumbel samples: every random stream is exercised
  const opts = (callbacks: Callback[] = []) => ({
    ...fitOpts,
    epochs: 2,
    augment: true,
    testData: test500,
    validationData: null,
    callbacks,
  });
  const mk = () => makeModel("bayesbinn", { trainSize: 1000, spec: SMALL_CONV, mcSteps: 2 });
  const straight = mk();
  const h1 = await straight.fit(train1000, opts());
  const want = blobBits(straight);
  dispose(straight);

  class Crash extends Error {}
  let saved: Uint8Array | null = null;
  const crasher: Callback = {
    onBatchEnd(l) {
      if (l.epoch === 1 && l.step === 7) {
        saved = encodeCheckpoint(interrupted.checkpoint({ note: "mid-epoch" }));
        throw new Crash();
      }
    },
  };
  const interrupted = mk();
  await assert.rejects(interrupted.fit(train1000, opts([crasher])), Crash);
  dispose(interrupted);

  const ckpt = decodeCheckpoint<import("../../train/trainer.ts").CheckpointMeta>(saved!, "mem");
  assert.equal(ckpt.meta.training.epoch, 1);
  assert.equal(ckpt.meta.training.step, 7);
  assert.equal(ckpt.meta.note, "mid-epoch");
  const resumed = mk();
  resumed.restore(ckpt);
  const h2 = await resumed.fit(train1000, opts());
  assert.deepEqual(blobBits(resumed), want);
  assert.deepEqual(h2.map(withoutTiming), h1.map(withoutTiming));
  dispose(resumed);
});

Deno.test("Model.fit() stops with NonFiniteError naming the epoch and step on a NaN loss", async () => {
  // a NaN in the input normalization reaches the logits and the loss at the first step
  const net = new BinaryNet(buildSpec({ model_architecture: "MLP_CL", dataset: "mnist" }));
  const opt = createOptimizer(
    "ste",
    optimizerOptions("ste"),
    net.binaryShapes,
    new Rng(1, "optimizer"),
    [],
  );
  const model = new Model(net, opt, { normalization: { mean: [NaN], std: [1] } });
  await assert.rejects(
    model.fit(train1000 as DataSource, { ...fitOpts, epochs: 1 }),
    (e: unknown) =>
      e instanceof NonFiniteError && e.message === "loss is NaN at epoch 1, step 1 (of 20)",
  );
  dispose(model);
});

Deno.test("Model.checkpoint() refuses to save non-finite parameters", async () => {
  const model = makeModel("bayesbinn", { trainSize: 1000 });
  await model.fit(train1000, { ...fitOpts, epochs: 1 });
  const state = model.optimizer.getState();
  (state["lambda.1"] as Float32Array)[5] = Infinity;
  model.optimizer.setState(state);
  assert.throws(() => model.checkpoint(), (e: unknown) =>
    e instanceof NonFiniteError &&
    e.message === "parameter 'lambda.1' has Infinity at index 5 at epoch 2, step 0");
  dispose(model);
});

Deno.test("Model rejects bad options with the value in the message", () => {
  const net = new BinaryNet(buildSpec({ model_architecture: "MLP_CL", dataset: "mnist" }));
  const opt = createOptimizer(
    "ste",
    optimizerOptions("ste"),
    net.binaryShapes,
    new Rng(1, "optimizer"),
    [],
  );
  assert.throws(
    () => new Model(net, opt, { evaluateSteps: -1 }),
    /evaluateSteps must be a non-negative integer: current value is -1/,
  );
  assert.throws(
    () => new Model(net, opt, { evaluateMean: "x" as "probs" }),
    /evaluateMean must be "probs" or "logits": current value is "x"/,
  );
  assert.throws(
    () =>
      new Model(net, opt).evaluate({
        ...test500,
        count: 0,
        images: new Uint8Array(0),
        labels: new Uint8Array(0),
      }),
    /has 0 examples/,
  );
  const m = new Model(net, opt);
  return assert.rejects(
    m.fit(takeFirst(train1000, 10), { ...fitOpts, epochs: 1 }),
    /training set \(10 examples\) holds no full batch of 50/,
  ).finally(() => dispose(m));
});

Deno.test("evalBatchSize() cuts big conv batches to the activation budget and keeps MLP ones", () => {
  const vgg = new BinaryNet(
    buildSpec({ model_architecture: "VGGBinaryConnect", dataset: "cifar10" }),
  );
  const mlp = new BinaryNet(buildSpec({ model_architecture: "BinaryConnect", dataset: "mnist" }));
  try {
    // VGG's largest activation is 32×32×128 = 131,072 floats per image: 2²⁵ / 2¹⁷ = 256 images
    assert.equal(evalBatchSize(vgg, 1000), 256);
    assert.equal(evalBatchSize(vgg, 50), 50);
    // the MLP's is 2,048 floats: 16,384 images fit
    assert.equal(evalBatchSize(mlp, 1000), 1000);
    assert.equal(evalBatchSize(mlp, 100_000), 16_384);
  } finally {
    vgg.dispose();
    mlp.dispose();
  }
});
