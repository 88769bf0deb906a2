/**
 * End-to-end sanity: a small BinaryNet MLP on 500 MNIST training images (the real ones when the
 * machine has them, else the stand-in of tests/_fixtures/synthetic_mnist.ts)
 * learns with each optimizer (loss falls, the ±1 mode classifies the images) and
 * leaks no tensors per step.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../../../train/backend/mod.ts";
import { loadDataset } from "../../../train/data/load_dataset.ts";
import { BinaryNet } from "../../../train/models/binary_net.ts";
import {
  createOptimizer,
  type OptimizerOptions,
} from "../../../train/optimizers/create_optimizer.ts";
import type { OptimizerKind } from "../../../train/optimizers/optimizer_kind.ts";
import { Rng } from "../../../train/random.ts";
import { optimizerOptions } from "../../_fixtures/optimizer_options.ts";
import { mnistDataDir } from "../../_fixtures/synthetic_mnist.ts";
import { mlpSpec } from "../../_fixtures/tiny_specs.ts";

await initBackend("wasm");

const COUNT = 500, BATCH = 100;

/** The first `n` MNIST training images, normalised with (0.1307, 0.3081), and labels. */
async function loadMnist(n: number): Promise<{ x: Float32Array; y: Int32Array }> {
  const opts = { dataDir: await mnistDataDir(), download: false };
  const { images, labels } = await loadDataset("mnist", "train", opts);
  const x = new Float32Array(n * 784);
  for (let i = 0; i < x.length; i++) x[i] = (images[i] / 255 - 0.1307) / 0.3081;
  return { x, y: Int32Array.from(labels.subarray(0, n)) };
}

const SPEC = mlpSpec([28, 28, 1], [64], 10, { dropout: 0.1, eps: 1e-4, momentum: 0.15 });

const { x: X, y: Y } = await loadMnist(COUNT);

const CASES: [OptimizerKind, OptimizerOptions][] = [
  [
    "bayesbinn",
    optimizerOptions("bayesbinn", {
      lr_init: 1e-4,
      temperature: 1e-10,
      mc_steps: 1,
      train_set_size: COUNT,
    }),
  ],
  ["ste", optimizerOptions("ste", { lr_init: 1e-2, grad_clip_value: 1, weight_clip_value: 1 })],
];

for (const [kind, opts] of CASES) {
  Deno.test(`${kind} trains a BinaryNet MLP on 500 MNIST images: loss falls, no tensor leaks`, () => {
    const net = new BinaryNet(SPEC);
    const opt = createOptimizer(
      kind,
      opts,
      net.binaryShapes,
      new Rng(1, "optimizer"),
      net.realParams,
    );
    const dropRng = new Rng(1, "dropout");
    const epochLoss: number[] = [];
    let tensorsAfterFirstStep = -1;
    for (let epoch = 0; epoch < 4; epoch++) {
      let sum = 0;
      for (let b = 0; b < COUNT / BATCH; b++) {
        const x = tf.tensor4d(X.subarray(b * BATCH * 784, (b + 1) * BATCH * 784), [
          BATCH,
          28,
          28,
          1,
        ]);
        const y = tf.tidy(() =>
          tf.oneHot(tf.tensor1d(Y.subarray(b * BATCH, (b + 1) * BATCH), "int32"), 10)
        );
        const r = opt.step((w) => {
          const logits = net.apply(w, x, { training: true, rng: dropRng });
          return { loss: tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar, logits };
        });
        r.logits.dispose();
        tf.dispose([x, y]);
        sum += r.loss;
        if (tensorsAfterFirstStep < 0) tensorsAfterFirstStep = tf.memory().numTensors;
        else {assert.equal(
            tf.memory().numTensors,
            tensorsAfterFirstStep,
            "tensors per step stay flat",
          );}
      }
      epochLoss.push(sum / (COUNT / BATCH));
    }
    assert.ok(
      epochLoss[3] < 0.8 * epochLoss[0],
      `${kind} epoch losses ${epochLoss.map((l) => l.toFixed(3))}`,
    );
    // The ±1 mode (eval-mode BN) classifies most of the training images.
    const w = opt.modeWeights();
    assert.ok(w.every((t) => t.dataSync().every((v) => v === 1 || v === -1)));
    const x = tf.tensor4d(X, [COUNT, 28, 28, 1]);
    const pred = tf.tidy(() => tf.argMax(net.apply(w, x, { training: false }), 1));
    const correct = pred.dataSync().filter((p, i) => p === Y[i]).length / COUNT;
    assert.ok(correct > 0.8, `${kind} mode accuracy ${correct}`);
    tf.dispose([...w, x, pred]);
    opt.dispose();
    net.dispose();
  });
}
