/**
 * train/preemption.ts in-process (its end-to-end path, through `train` and the sbatch script, is
 * in ./slurm_script_test.ts and ./slurm_test.ts): a real SIGUSR1 mid-epoch ends the fit with a
 * PreemptedError after writing `last.ckpt` at that step, from which a new model ends bit for bit
 * where the uninterrupted fit ends; a signal at an epoch's last step stops after the epoch's end;
 * one during the last epoch lets the run finish.
 * @module
 */
import assert from "node:assert/strict";
import { initBackend } from "../../train/backend/mod.ts";
import { loadCheckpoint } from "../../train/checkpoint.ts";
import type { ImageDataset } from "../../train/data/dataset.ts";
import { loadDataset } from "../../train/data/load_dataset.ts";
import { splitData } from "../../train/data_source.ts";
import { withoutTiming } from "../../train/metrics_log.ts";
import { buildSpec } from "../../train/models/architectures.ts";
import { BinaryNet } from "../../train/models/binary_net.ts";
import { createOptimizer } from "../../train/optimizers/create_optimizer.ts";
import { PreemptedError, Preemption } from "../../train/preemption.ts";
import { Rng } from "../../train/random.ts";
import { type Callback, type CheckpointMeta, Model } from "../../train/trainer.ts";
import { optimizerOptions } from "../_fixtures/optimizer_options.ts";
import { mnistDataDir } from "../_fixtures/synthetic_mnist.ts";

await initBackend();
const mnist = await loadDataset("mnist", "train", { dataDir: await mnistDataDir() });
const px = 28 * 28;
const small: ImageDataset = {
  ...mnist,
  count: 400,
  images: mnist.images.subarray(0, 400 * px),
  labels: mnist.labels.subarray(0, 400),
};
const { train, val } = splitData(small, 0.25, 1); // 300 train (6 steps of 50), 100 validation
const fit = (callbacks: Callback[]) => ({
  epochs: 2,
  batchSize: 50,
  lrInit: 0.01,
  lrFinal: 1e-16,
  seed: 1,
  validationData: val,
  callbacks,
});

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

function bits(m: Model): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(m.checkpoint().blobs)) {
    out[k] = Array.from(new Uint32Array(v.slice().buffer));
  }
  return out;
}

function dispose(m: Model): void {
  m.optimizer.dispose();
  m.net.dispose();
}

/** Signals this process at `epoch`, `step`, and lets the handler run before the next callback. */
function signalAt(epoch: number, step: number, signal: Deno.Signal): Callback {
  return {
    async onBatchEnd(l) {
      if (l.epoch !== epoch || l.step !== step) return;
      Deno.kill(Deno.pid, signal);
      await new Promise((ok) => setTimeout(ok, 50));
    },
  };
}

Deno.test("Preemption: SIGUSR1 mid-epoch → last.ckpt at that step, PreemptedError; resuming ends bit-identical", async () => {
  const straight = model();
  const want = (await straight.fit(train, fit([]))).map(withoutTiming);
  const wantBits = bits(straight);
  dispose(straight);

  const dir = await Deno.makeTempDir();
  const target = { lastPath: `${dir}/last.ckpt`, extra: { tag: "preempted" } };
  const preemption = new Preemption(target, 2).listen();
  const interrupted = model();
  try {
    await assert.rejects(
      interrupted.fit(train, fit([signalAt(1, 2, "SIGUSR1"), preemption])),
      (e) => {
        assert.ok(e instanceof PreemptedError);
        assert.equal(e.signal, "SIGUSR1");
        assert.equal(
          e.message,
          `preempted by SIGUSR1: stopped at epoch 2, step 2, checkpoint ${target.lastPath} written; continue with --resume`,
        );
        return true;
      },
    );
  } finally {
    preemption.dispose();
    dispose(interrupted);
  }
  const ckpt = await loadCheckpoint<CheckpointMeta>(target.lastPath);
  assert.deepEqual([ckpt.meta.training.epoch, ckpt.meta.training.step, ckpt.meta.tag], [
    1,
    2,
    "preempted",
  ]);
  const resumed = model();
  resumed.restore(ckpt);
  const got = (await resumed.fit(train, fit([]))).map(withoutTiming);
  assert.deepEqual(got, want);
  assert.deepEqual(bits(resumed), wantBits);
  dispose(resumed);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("Preemption: at an epoch's last step it stops after the epoch's end; in the last epoch the run finishes", async () => {
  const dir = await Deno.makeTempDir();
  const target = { lastPath: `${dir}/last.ckpt`, extra: {} };
  for (const [epoch, stops] of [[0, true], [1, false]] as const) {
    const preemption = new Preemption(target, 2);
    const mark: Callback = {
      onBatchEnd: (l) =>
        void (l.epoch === epoch && l.step === 6 && (preemption.signal = "SIGTERM")),
    };
    const m = model();
    const run = m.fit(train, fit([mark, preemption]));
    if (stops) {
      await assert.rejects(
        run,
        (e) => e instanceof PreemptedError && e.epoch === 1 && e.step === 0,
      );
      assert.equal(m.state!.epoch, 1, "the epoch ended before the stop");
    } else assert.equal((await run).length, 2);
    // no mid-epoch checkpoint: the epoch's end writes it (ModelCheckpoint, not in this test)
    assert.equal(await Deno.stat(target.lastPath).then(() => true, () => false), false);
    dispose(m);
  }
  await Deno.remove(dir, { recursive: true });
});
