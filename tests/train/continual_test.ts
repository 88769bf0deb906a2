import assert from "node:assert/strict";
import { initBackend } from "../../train/backend/mod.ts";
import { fitContinual, permutePixels, taskPermutation } from "../../train/continual.ts";
import type { ImageDataset } from "../../train/data/dataset.ts";
import type { EpochMetrics } from "../../train/metrics_log.ts";
import { BinaryNet } from "../../train/models/binary_net.ts";
import type { BayesBiNN } from "../../train/optimizers/bayes_binn.ts";
import { createOptimizer } from "../../train/optimizers/create_optimizer.ts";
import { Rng } from "../../train/random.ts";
import { type Callback, type CheckpointMeta, Model } from "../../train/trainer.ts";
import type { Checkpoint } from "../../train/checkpoint.ts";
import { optimizerOptions } from "../_fixtures/optimizer_options.ts";
import { mlpSpec } from "../_fixtures/tiny_specs.ts";

await initBackend("cpu");

Deno.test("taskPermutation() is a seeded permutation, different per task and seed", () => {
  const a = taskPermutation(1, 0, 784);
  assert.deepEqual(a, taskPermutation(1, 0, 784), "same seed and task, same permutation");
  assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 784 }, (_, i) => i));
  assert.deepEqual(a, new Rng(1, "task-permutation-0").permutation(784));
  const identity = (p: Uint32Array) => p.filter((v, i) => v === i).length;
  assert.ok(identity(a) < 10, `task 0 is permuted too (${identity(a)} fixed points)`);
  assert.notDeepEqual(taskPermutation(1, 1, 784), a);
  assert.notDeepEqual(taskPermutation(2, 0, 784), a);
  assert.throws(() => taskPermutation(1, -1, 784), /task must be a non-negative integer.*-1/);
});

Deno.test("permutePixels() moves pixel perm[j] to j in every image, channels together", () => {
  // 2 images of 2×2 pixels with 2 channels: value = 100·image + 10·pixel + channel
  const images = new Uint8Array(16);
  for (let i = 0; i < 2; i++) {
    for (let p = 0; p < 4; p++) {
      for (let c = 0; c < 2; c++) images[i * 8 + p * 2 + c] = 100 * i + 10 * p + c;
    }
  }
  const ds: ImageDataset = {
    name: "x",
    images,
    labels: new Uint8Array([3, 4]),
    count: 2,
    height: 2,
    width: 2,
    channels: 2,
    numClasses: 5,
  };
  const out = permutePixels(ds, new Uint32Array([3, 0, 2, 1]));
  assert.deepEqual(
    [...out.images],
    [30, 31, 0, 1, 20, 21, 10, 11, 130, 131, 100, 101, 120, 121, 110, 111],
  );
  assert.deepEqual([...out.labels], [3, 4]);
  assert.deepEqual([...images.subarray(0, 4)], [0, 1, 10, 11], "the input is left alone");
  assert.throws(
    () => permutePixels(ds, new Uint32Array([0, 0, 1, 2])),
    /perm must be a permutation of 0\.\.3/,
  );
  // MNIST-sized: a few pixels by hand with task 2's permutation
  const px = 784;
  const mnist: ImageDataset = {
    name: "mnist",
    images: Uint8Array.from({ length: 2 * px }, (_, i) => (i * 7) % 251),
    labels: new Uint8Array([1, 2]),
    count: 2,
    height: 28,
    width: 28,
    channels: 1,
    numClasses: 10,
  };
  const perm = taskPermutation(5, 2, px);
  const p = permutePixels(mnist, perm);
  for (const j of [0, 1, 100, 783]) {
    assert.equal(p.images[j], (perm[j]! * 7) % 251, `image 0 pixel ${j}`);
    assert.equal(p.images[px + j], ((px + perm[j]!) * 7) % 251, `image 1 pixel ${j}`);
  }
});

/**
 * 16-pixel images; the label is 1 when the first 8 pixels sum to more than the last 8, a rule
 * a ±1 linear layer can represent and which a pixel permutation hides.
 */
function synthetic(count: number, seed: number): ImageDataset {
  const rng = new Rng(seed, "synthetic");
  const images = new Uint8Array(count * 16);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    let d = 0;
    for (let j = 0; j < 16; j++) {
      const v = Math.floor(rng.uniform() * 256);
      images[i * 16 + j] = v;
      d += j < 8 ? v : -v;
    }
    labels[i] = d > 0 ? 1 : 0;
  }
  return {
    name: "synthetic",
    images,
    labels,
    count,
    height: 4,
    width: 4,
    channels: 1,
    numClasses: 2,
  };
}

const SPEC = mlpSpec([4, 4, 1], [], 2, { eps: 1e-4, momentum: 0.15 });
const TRAIN = synthetic(400, 1), TEST = synthetic(300, 2);
const FIT = { epochs: 2, batchSize: 40, lrInit: 0.05, lrFinal: 0.001, seed: 3, numTasks: 2 };

function makeModel(): Model {
  const net = new BinaryNet(SPEC);
  const opt = createOptimizer(
    "bayesbinn",
    optimizerOptions("bayesbinn", {
      lr_init: FIT.lrInit,
      train_set_size: TRAIN.count,
      temperature: 1e-10,
    }),
    net.binaryShapes,
    new Rng(7, "optimizer"),
    net.realParams,
  );
  return new Model(net, opt, { normalization: { mean: [0.5], std: [0.25] } });
}

function dispose(m: Model): void {
  m.optimizer.dispose();
  m.net.dispose();
}

const bitsOf = (a: Float32Array) => [...new Uint32Array(a.slice().buffer)];

Deno.test("fitContinual() sets the prior to the previous task's λ and tests each task under its own permutation", async () => {
  const model = makeModel();
  const opt = model.optimizer as BayesBiNN;
  const atEnd: { task: number; hasPrior: boolean; lambda: Float32Array[] }[] = [];
  const taskStarts: number[] = [];
  const probe: Callback = {
    onEpochEnd(m) {
      if (m.epoch !== FIT.epochs - 1) return;
      atEnd.push({
        task: m.task!,
        hasPrior: opt.hasPrior,
        lambda: opt.lambda.map((l) => l.slice()),
      });
    },
  };
  const history = await fitContinual(model, TRAIN, TEST, {
    ...FIT,
    callbacks: [probe],
    onTaskBegin: (t) => void taskStarts.push(t),
  });
  assert.deepEqual(taskStarts, [0, 1]);
  // metrics: one row per (task, epoch), the usual keys plus task and the per-task list
  assert.deepEqual(history.map((m) => [m.task, m.epoch]), [[0, 0], [0, 1], [1, 0], [1, 1]]);
  for (const m of history) {
    for (const k of ["lr", "train_loss", "train_acc", "test_acc", "test_loss", "steps"] as const) {
      assert.equal(typeof m[k], "number", k);
    }
    assert.equal(m.val_acc, null);
    assert.equal(m.test_acc_per_task!.length, m.task! + 1);
    assert.equal(m.test_loss_per_task!.length, m.task! + 1);
    const mean = m.test_acc_per_task!.reduce((a, b) => a + b, 0) / m.test_acc_per_task!.length;
    assert.equal(m.test_acc, mean);
  }
  // a fresh cosine schedule per task: the learning rate starts again at lr_init
  const lr1 = 0.001 + (0.05 - 0.001) * (1 + Math.cos(Math.PI / 2)) / 2;
  assert.deepEqual(history.map((m) => m.lr), [0.05, lr1, 0.05, lr1]);
  // the prior: none during task 0, then exactly λ at the end of task 0
  assert.deepEqual(atEnd.map((e) => [e.task, e.hasPrior]), [[0, false], [1, true]]);
  const state = opt.getState();
  assert.deepEqual(bitsOf(state["prior.0"] as Float32Array), bitsOf(atEnd[0]!.lambda[0]!));
  assert.notDeepEqual(bitsOf(state["lambda.0"] as Float32Array), bitsOf(atEnd[0]!.lambda[0]!));
  // evaluation: task k's accuracy is the model's on the test set under permutation k (mode,
  // C = 0), and the other permutation gives a different accuracy (the reproduction's bug)
  const last = history.at(-1)!;
  const own = [0, 1].map((k) =>
    model.evaluate(permutePixels(TEST, taskPermutation(FIT.seed, k, 16))).acc
  );
  assert.deepEqual(last.test_acc_per_task, own);
  assert.ok(own[1]! > 0.8, `the last task is learned: ${own[1]}`);
  assert.notEqual(own[0], own[1], "the wrong permutation would give another accuracy");
  assert.equal(model.stopTraining, false);
  dispose(model);
});

Deno.test("fitContinual() resumed from a checkpoint mid-task or between tasks continues bit for bit", async () => {
  const straight = makeModel();
  const saved: Record<string, Checkpoint<CheckpointMeta>> = {};
  const grab: Callback = {
    onBatchEnd(l) {
      const t = straight.state!.task!;
      if (t === 1 && l.epoch === 0 && l.step === 3) saved.mid = straight.checkpoint();
    },
    onEpochEnd(m) {
      if (m.task === 0 && m.epoch === FIT.epochs - 1) saved.between = straight.checkpoint();
    },
  };
  const h0 = await fitContinual(straight, TRAIN, TEST, { ...FIT, callbacks: [grab] });
  const final = straight.checkpoint();
  assert.equal(saved.mid!.meta.training.task, 1);
  assert.ok("optimizer/prior.0" in saved.mid!.blobs, "the prior is in the mid-task checkpoint");
  assert.ok(!("optimizer/prior.0" in saved.between!.blobs), "no prior before task 1");
  assert.ok(!("optimizer/momentum.0" in final.blobs), "no momentum at β = 0");
  for (const [name, ckpt] of Object.entries(saved)) {
    const resumed = makeModel();
    resumed.restore(ckpt);
    const begins: number[] = [];
    const h = await fitContinual(resumed, TRAIN, TEST, {
      ...FIT,
      callbacks: [{ onTrainBegin: () => void begins.push(1) }],
    });
    assert.equal(begins.length, 1, `${name}: one onTrainBegin`);
    const c = resumed.checkpoint();
    assert.deepEqual(Object.keys(c.blobs), Object.keys(final.blobs), name);
    for (const k of Object.keys(final.blobs)) {
      assert.deepEqual(bitsOf(c.blobs[k]!), bitsOf(final.blobs[k]!), `${name}: ${k}`);
    }
    const strip = (m: EpochMetrics) => ({ ...m, seconds: 0, examples_per_s: 0 });
    assert.deepEqual(h.map(strip), h0.map(strip), name);
    dispose(resumed);
  }
  dispose(straight);
});
