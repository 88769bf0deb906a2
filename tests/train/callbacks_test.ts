import assert from "node:assert/strict";
import { initBackend } from "../../train/backend/mod.ts";
import { ModelCheckpoint, ProgressLogger, RunLogger, runSummary } from "../../train/callbacks.ts";
import { loadCheckpoint } from "../../train/checkpoint.ts";
import type { ImageDataset } from "../../train/data/dataset.ts";
import { loadDataset } from "../../train/data/load_dataset.ts";
import { buildSpec } from "../../train/models/architectures.ts";
import { BinaryNet } from "../../train/models/binary_net.ts";
import { createOptimizer } from "../../train/optimizers/create_optimizer.ts";
import { Rng } from "../../train/random.ts";
import { type Callback, type CheckpointMeta, Model } from "../../train/trainer.ts";
import { splitData } from "../../train/data_source.ts";
import { optimizerOptions } from "../_fixtures/optimizer_options.ts";
import { mnistDataDir } from "../_fixtures/synthetic_mnist.ts";

const DATA_DIR = await mnistDataDir();
await initBackend();
const mnist = await loadDataset("mnist", "train", { dataDir: DATA_DIR });
const px = 28 * 28;
const small: ImageDataset = {
  ...mnist,
  count: 400,
  images: mnist.images.subarray(0, 400 * px),
  labels: mnist.labels.subarray(0, 400),
};
const { train, val } = splitData(small, 0.25, 1); // 300 train (6 steps of 50), 100 validation

function model(): Model {
  const net = new BinaryNet(buildSpec({ model_architecture: "MLP_CL", dataset: "mnist" }));
  const opt = createOptimizer(
    "ste",
    optimizerOptions("ste"),
    net.binaryShapes,
    new Rng(1, "optimizer"),
    [],
  );
  return new Model(net, opt);
}
const fit = {
  epochs: 3,
  batchSize: 50,
  lrInit: 0.01,
  lrFinal: 1e-16,
  seed: 1,
  validationData: val,
};

Deno.test("ModelCheckpoint saves last.ckpt every K steps and at each epoch end, best.ckpt at each new best", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const ckpt = new ModelCheckpoint(dir, 4, { tag: "t" });
    const seen: string[] = [];
    const spy: Callback = {
      async onBatchEnd(l) {
        const c = await loadCheckpoint<CheckpointMeta>(ckpt.lastPath).catch(() => null);
        if (c) {
          seen.push(`${l.epoch}:${l.step} -> ${c.meta.training.epoch}:${c.meta.training.step}`);
        }
      },
    };
    const m = model();
    const history = await m.fit(train, { ...fit, callbacks: [ckpt, spy] });
    // no file before step 4 of epoch 0; then the step-4 save; from epoch 1 on the epoch-end save
    assert.deepEqual(seen.slice(0, 4), ["0:4 -> 0:4", "0:5 -> 0:4", "0:6 -> 0:4", "1:1 -> 1:0"]);
    assert.ok(seen.includes("1:4 -> 1:4") && seen.includes("2:4 -> 2:4"));
    assert.ok(
      !seen.some((s) => s.endsWith(":6")),
      "the last step is saved by the epoch end, not twice",
    );
    const last = await loadCheckpoint<CheckpointMeta>(ckpt.lastPath);
    assert.equal(last.meta.training.epoch, 3);
    assert.equal(last.meta.tag, "t");
    const best = await loadCheckpoint<CheckpointMeta>(ckpt.bestPath);
    const bestEpoch = history.reduce((b, h) => (h.val_acc! > b.val_acc! ? h : b)).epoch;
    assert.equal(best.meta.training.history.length, bestEpoch + 1);
    assert.equal(best.meta.training.bestEpoch, bestEpoch);
    m.optimizer.dispose();
    m.net.dispose();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("RunLogger writes metrics.jsonl, curves.svg and summary.json after every epoch", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const info = {
      config_name: "c",
      optimizer: "ste",
      dataset: "mnist",
      seed: 1,
      backend: "x",
      epochs: 3,
    };
    const lines: number[] = [];
    const spy: Callback = {
      async onEpochEnd() {
        lines.push((await Deno.readTextFile(`${dir}/metrics.jsonl`)).trim().split("\n").length);
      },
    };
    const m = model();
    const history = await m.fit(train, { ...fit, callbacks: [new RunLogger(dir, info), spy] });
    assert.deepEqual(lines, [1, 2, 3]);
    const rows = (await Deno.readTextFile(`${dir}/metrics.jsonl`)).trim().split("\n").map((l) =>
      JSON.parse(l)
    );
    assert.deepEqual(rows, JSON.parse(JSON.stringify(history)));
    const summary = JSON.parse(await Deno.readTextFile(`${dir}/summary.json`));
    const want = runSummary(history, info, true, 0);
    for (
      const k of [
        "best_val_epoch",
        "best_val_acc",
        "test_acc_at_best_val",
        "final_test_acc",
        "epochs_done",
        "finished",
        "config_name",
        "seed",
        "backend",
        "mean_epoch_seconds",
      ]
    ) {
      assert.deepEqual(summary[k], want[k], k);
    }
    assert.ok((await Deno.readTextFile(`${dir}/curves.svg`)).startsWith("<svg"));
    m.optimizer.dispose();
    m.net.dispose();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ProgressLogger redraws a bar on a TTY and prints one line per epoch when piped", async () => {
  for (const tty of [true, false]) {
    const out: string[] = [];
    const m = model();
    await m.fit(train, {
      ...fit,
      epochs: 2,
      callbacks: [new ProgressLogger(tty, (s) => void out.push(s), 2, 0, () => Infinity)],
    });
    const text = out.join("");
    const newlines = text.split("\n").length - 1;
    assert.equal(newlines, 2, "one line per epoch");
    if (tty) {
      assert.equal(out.filter((s) => s.includes(" ETA ")).length, 12, "a redraw per step");
      assert.ok(out[0]!.startsWith("\r\x1b[2Kepoch 1/2 [####"), JSON.stringify(out[0]));
      assert.match(out[0]!, / 1\/6 loss \d\.\d{4} acc /);
    } else {
      assert.ok(!text.includes("\r") && !text.includes("\x1b"));
      assert.match(
        text,
        /^epoch 1\/2 lr 1\.000e-2 loss \d\.\d{4} train [\d.]+% val [\d.]+% test - /,
      );
    }
    m.optimizer.dispose();
    m.net.dispose();
  }
});

Deno.test("ProgressLogger, piped, prints a progress line every pipedIntervalMs within an epoch", async () => {
  const out: string[] = [];
  const m = model();
  await m.fit(train, {
    ...fit,
    epochs: 2,
    callbacks: [new ProgressLogger(false, (s) => void out.push(s), 2, 100, () => 40, 0)],
  });
  // 6 steps per epoch: a line after each of the first 5, then the epoch's own line
  assert.equal(out.length, 12, out.join(""));
  for (const [i, line] of out.entries()) {
    const epoch = Math.floor(i / 6) + 1, step = (i % 6) + 1;
    assert.ok(!line.includes("\r") && !line.includes("\x1b") && line.endsWith("\n"));
    if (step < 6) {
      assert.match(line, new RegExp(`^epoch ${epoch}/2 ${step}/6 loss \\d\\.\\d{4} acc .* ETA `));
    } else assert.match(line, new RegExp(`^epoch ${epoch}/2 lr `));
  }
  m.optimizer.dispose();
  m.net.dispose();
});

Deno.test("ProgressLogger keeps the bar within the terminal's width", async () => {
  const out: string[] = [];
  const m = model();
  await m.fit(train, {
    ...fit,
    epochs: 1,
    callbacks: [new ProgressLogger(true, (s) => void out.push(s), 1, 0, () => 40)],
  });
  const bars = out.filter((s) => s.includes("loss") && !s.endsWith("\n"));
  assert.equal(bars.length, 6, "a redraw per step");
  for (const b of bars) {
    assert.ok(b.startsWith("\r\x1b[2Kepoch 1/1 "), JSON.stringify(b));
    assert.ok(b.length - "\r\x1b[2K".length <= 39, `fits 40 columns: ${JSON.stringify(b)}`);
  }
  m.optimizer.dispose();
  m.net.dispose();
});

Deno.test("runSummary() adds the final test accuracy per task and their mean in continual learning", () => {
  const row = (task: number, accs: number[]) => ({
    task,
    epoch: 0,
    lr: 0,
    train_loss: 1,
    train_acc: 0.5,
    val_acc: null,
    val_loss: null,
    test_acc: accs.reduce((a, b) => a + b, 0) / accs.length,
    test_loss: 1,
    steps: 1,
    seconds: 1,
    examples_per_s: 1,
    test_acc_per_task: accs,
    test_loss_per_task: accs.map(() => 1),
  });
  const info = {
    config_name: "c",
    optimizer: "bayesbinn",
    dataset: "mnist",
    seed: 1,
    backend: "cpu",
    epochs: 1,
  };
  const s = runSummary([row(0, [0.9]), row(1, [0.5, 0.75])], info, true, 0);
  assert.deepEqual(s.final_test_acc_per_task, [0.5, 0.75]);
  assert.equal(s.final_test_acc_average, 0.625);
  assert.equal(s.final_task, 1);
  assert.equal(s.final_test_acc, 0.625);
  assert.ok(!("final_test_acc_per_task" in runSummary([], info, false, 0)));
});
