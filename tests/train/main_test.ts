import assert from "node:assert/strict";
import { loadCheckpoint } from "../../train/checkpoint.ts";
import { withoutTiming } from "../../train/metrics_log.ts";
import { parseCli } from "../../train/main.ts";
import type { CheckpointMeta } from "../../train/trainer.ts";
import { mnistDataDir } from "../_fixtures/synthetic_mnist.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const DATA_DIR = await mnistDataDir();
/** A quick run: the 784-100-100-10 MLP on 3000 MNIST images, 54 steps per epoch. */
const QUICK = [
  "--model-architecture",
  "MLP_CL",
  "--limit-train",
  "3000",
  "--limit-test",
  "300",
  "--batch-size",
  "50",
  "--epochs",
  "2",
  "--data-dir",
  DATA_DIR,
  "--backend",
  "wasm",
];

function command(args: string[]): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "train/main.ts", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  });
}

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await command(args).output();
  const dec = new TextDecoder();
  return { code: r.code, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr) };
}

function bits(blobs: Record<string, Float32Array>): Record<string, number[]> {
  return Object.fromEntries(
    Object.entries(blobs).map(([k, v]) => [k, Array.from(new Uint32Array(v.slice().buffer))]),
  );
}

async function readJsonl(file: string): Promise<Record<string, unknown>[]> {
  return (await Deno.readTextFile(file)).trim().split("\n").map((l) => JSON.parse(l));
}

Deno.test("parseCli() reads the optimizer, the config file and every option", () => {
  const a = parseCli([
    "bayesbinn",
    "configs/x.json",
    "--batch-size",
    "50",
    "--seed",
    "3",
    "--out",
    "o",
    "--resume",
    "r",
    "--data-dir",
    "d",
    "--backend",
    "cpu",
    "--checkpoint-every",
    "7",
    "--wandb",
    "--limit-train",
    "10",
  ]);
  assert.deepEqual(a, {
    optimizer: "bayesbinn",
    configFile: "configs/x.json",
    overrides: { "batch-size": "50", seed: "3", "limit-train": "10" },
    dataDir: "d",
    out: "o",
    resume: "r",
    backend: "cpu",
    checkpointEvery: 7,
    wandb: true,
    help: false,
  });
  assert.equal(parseCli(["--help"]).help, true);
});

Deno.test("parseCli() accepts a config flag repeated with the same value, in either spelling", () => {
  const a = parseCli(["ste", "--batch_size", "50", "--batch-size", "50", "--epochs", "1"]);
  assert.deepEqual(a.overrides, { batch_size: "50", "batch-size": "50", epochs: "1" });
  assert.equal(parseCli(["ste", "--epochs", "2", "--epochs", "2"]).overrides.epochs, "2");
  assert.throws(
    () => parseCli(["ste", "--epochs", "2", "--epochs", "3"]),
    /^UsageError: --epochs "3" contradicts --epochs "2": give epochs once$/,
  );
});

Deno.test("main.ts prints one line and exits non-zero on every bad input", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // two folders holding a (torn) run: the cases run at once, and one locks `run` to resume it
    for (const run of ["run", "held"]) {
      await Deno.mkdir(`${dir}/${run}/checkpoints`, { recursive: true });
      await Deno.writeFile(
        `${dir}/${run}/checkpoints/last.ckpt`,
        new TextEncoder().encode("BNNCKPT\0 short"),
      );
    }
    await Deno.writeTextFile(`${dir}/bad.json`, "{ not json");
    const cases: [string[], RegExp][] = [
      [[], /^error: the first argument must be "bayesbinn" or "ste": current value is missing$/],
      [
        ["adam"],
        /^error: the first argument must be "bayesbinn" or "ste": current value is "adam"$/,
      ],
      [["bayesbinn", "--bogus", "1"], /^error: unknown flag --bogus \(see --help\)$/],
      [
        ["bayesbinn", "--epoch", "1"],
        /^error: unknown flag --epoch \(did you mean --epochs\?\) \(see --help\)$/,
      ],
      [["bayesbinn", "--epochs"], /^error: --epochs needs a value \(see --help\)$/],
      [
        ["bayesbinn", "--checkpoint-every", "-1"],
        /^error: --checkpoint-every needs a value but is followed by another flag \(a value that starts with "-" is written --checkpoint-every=-VALUE\)/,
      ],
      [["bayesbinn", "--wandb=yes"], /^error: --wandb takes no value \(see --help\)$/],
      [
        ["bayesbinn", "--epochs", "1", "--epochs", "2"],
        /^error: --epochs "2" contradicts --epochs "1": give epochs once$/,
      ],
      [
        ["bayesbinn", "--batch_size", "50", "--batch-size", "60"],
        /^error: --batch-size "60" contradicts --batch_size "50": give batch_size once$/,
      ],
      [["bayesbinn", "--epochs", "abc"], /^error: .*epochs.*abc/],
      [["ste", "--temperature", "1e-8"], /^error: .*temperature/],
      [["bayesbinn", `${dir}/missing.json`], /^error: .*missing\.json/],
      [["bayesbinn", `${dir}/bad.json`], /^error: .*bad\.json/],
      [
        ["bayesbinn", "a.json", "b.json"],
        /^error: unexpected argument "b.json" \(one CONFIG file at most\)$/,
      ],
      [
        ["bayesbinn", "--backend", "gpu"],
        /^error: --backend must be one of blas, wasm, cpu, webgpu: current value is "gpu"$/,
      ],
      [
        ["bayesbinn", "--checkpoint-every=-1"],
        /^error: --checkpoint-every must be a non-negative integer: current value is "-1"$/,
      ],
      [
        ["bayesbinn", "--resume", `${dir}/nothing`],
        /^error: checkpoint .*nothing\/checkpoints\/last\.ckpt does not exist$/,
      ],
      [
        ["bayesbinn", "--resume", `${dir}/run`],
        /^error: checkpoint .*run\/checkpoints\/last\.ckpt is truncated \(14 of at least 56 bytes\)$/,
      ],
      [
        ["bayesbinn", "--resume", `${dir}/run`, "--epochs", "3"],
        /^error: --resume continues the saved run as it was configured/,
      ],
      [
        ["bayesbinn", "--num_tasks", "2", "--validation_split", "0.1"],
        /^error: validation_split = 0\.1 with num_tasks = 2: continual learning has no validation split/,
      ],
      [
        ["bayesbinn", "--out", `${dir}/held`, "--data-dir", `${dir}/no-data`],
        /^error: run folder .*held already holds a run: continue it with --resume/,
      ],
      [
        ["bayesbinn", "--out", `${dir}/bad.json`],
        /^error: --out .*bad\.json is a file, not a folder: choose another --out$/,
      ],
      [
        ["bayesbinn", "--data-dir", `${dir}/no-data`],
        /^error: --data-dir .*no-data does not exist$/,
      ],
      [
        ["bayesbinn", "--data-dir", `${dir}/bad.json`],
        /^error: --data-dir .*bad\.json is not a folder$/,
      ],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(args)));
    cases.forEach(([args, re], i) => {
      const r = results[i]!;
      const label = args.join(" ");
      assert.notEqual(r.code, 0, label);
      assert.match(r.stderr.trimEnd(), re, label);
      assert.equal(r.stderr.trimEnd().split("\n").length, 1, `one line: ${label}: ${r.stderr}`);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("main.ts --help prints usage and the config keys", async () => {
  const r = await cli(["ste", "--help"]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^Usage: deno run -A train\/main.ts <bayesbinn\|ste>/);
  assert.ok(r.stdout.includes("--grad_clip_value") && r.stdout.includes("--checkpoint-every"));
});

Deno.test("main.ts --resume after SIGKILL mid-epoch ends with the same weights and metrics as an uninterrupted run", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const args = (out: string) => ["bayesbinn", ...QUICK, "--checkpoint-every", "1", "--out", out];
    const killed = `${dir}/killed`, straight = `${dir}/straight`;
    // the uninterrupted run goes on beside the one that gets killed
    const straightRun = cli(args(straight));
    const child = command(args(killed)).spawn();
    const last = `${killed}/checkpoints/last.ckpt`;
    // kill once a mid-epoch checkpoint is on disk (the first one, at step 0, comes at the start)
    for (let i = 0; i < 6000; i++) {
      const t = await loadCheckpoint<CheckpointMeta>(last).then((c) => c.meta.training, () => null);
      if (t !== null && t.step > 0) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill("SIGKILL");
    const status = await child.status;
    await child.stdout.cancel();
    await child.stderr.cancel();
    assert.equal(status.signal, "SIGKILL", "the run was killed before it finished");
    const atKill = await loadCheckpoint<CheckpointMeta>(last);
    const t = atKill.meta.training;
    assert.ok(
      t.epoch < 2 && t.step > 0,
      `killed mid-epoch: epoch ${t.epoch} step ${t.step}`,
    );

    const resumed = await cli(["bayesbinn", "--resume", killed]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(
      resumed.stdout,
      new RegExp(`resuming .*killed at epoch ${t.epoch + 1}, step ${t.step}`),
    );
    const s = await straightRun;
    assert.equal(s.code, 0, s.stderr);

    const a = await loadCheckpoint<CheckpointMeta>(`${straight}/checkpoints/last.ckpt`);
    const b = await loadCheckpoint<CheckpointMeta>(last);
    assert.deepEqual(bits(b.blobs), bits(a.blobs));
    assert.deepEqual(b.meta.optimizerScalars, a.meta.optimizerScalars);
    assert.deepEqual(
      b.meta.training.history.map(withoutTiming),
      a.meta.training.history.map(withoutTiming),
    );
    const ma = await readJsonl(`${straight}/metrics.jsonl`),
      mb = await readJsonl(`${killed}/metrics.jsonl`);
    assert.deepEqual(mb.map(withoutTiming), ma.map(withoutTiming));
    const sa = JSON.parse(await Deno.readTextFile(`${straight}/summary.json`));
    const sb = JSON.parse(await Deno.readTextFile(`${killed}/summary.json`));
    for (
      const k of ["best_val_epoch", "test_acc_at_best_val", "final_test_acc", "config_name", "seed"]
    ) {
      assert.deepEqual(sb[k], sa[k], k);
    }

    // resuming a finished run says so and changes nothing
    const again = await cli(["bayesbinn", "--resume", straight]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(
      again.stdout,
      `${straight} already finished its 2 epochs: nothing to resume (results in ${straight}/summary.json)\n`,
    );
    assert.deepEqual(await readJsonl(`${straight}/metrics.jsonl`), ma);
    // killed after the last checkpoint but before the summary was marked finished: resuming
    // completes the run folder
    await Deno.writeTextFile(
      `${straight}/summary.json`,
      JSON.stringify({
        ...JSON.parse(await Deno.readTextFile(`${straight}/summary.json`)),
        finished: false,
      }),
    );
    const complete = await cli(["bayesbinn", "--resume", straight]);
    assert.equal(complete.code, 0, complete.stderr);
    assert.match(complete.stdout, /after its last epoch \(epoch 2\): completing the run folder/);
    assert.equal(JSON.parse(await Deno.readTextFile(`${straight}/summary.json`)).finished, true);
    assert.deepEqual(
      (await readJsonl(`${straight}/metrics.jsonl`)).map(withoutTiming),
      ma.map(withoutTiming),
    );

    // the run folder of the uninterrupted run
    assert.equal(ma.length, 2);
    for (const m of ma) {
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
        ]
      ) {
        assert.equal(typeof m[k], "number", k);
      }
      for (const k of ["train_acc", "val_acc", "test_acc"]) {
        assert.ok((m[k] as number) >= 0 && (m[k] as number) <= 1);
      }
    }
    assert.ok((ma[1]!.train_loss as number) < (ma[0]!.train_loss as number));
    const best = ma.reduce((p, m) => ((m.val_acc as number) > (p.val_acc as number) ? m : p));
    assert.equal(sa.best_val_epoch, best.epoch);
    assert.equal(sa.test_acc_at_best_val, best.test_acc);
    assert.equal(sa.final_test_acc, ma[1]!.test_acc);
    assert.equal(sa.backend, "wasm");
    assert.equal(sa.finished, true);
    const bestCkpt = await loadCheckpoint<CheckpointMeta>(`${straight}/checkpoints/best.ckpt`);
    assert.equal(bestCkpt.meta.training.history.at(-1)!.epoch, best.epoch);
    const config = JSON.parse(await Deno.readTextFile(`${straight}/config.json`));
    assert.equal(config.optimizer, "bayesbinn");
    assert.equal(config.limit_train, 3000);
    assert.match(
      await Deno.readTextFile(`${straight}/curves.svg`),
      /^<svg [^>]*>[\s\S]*<path d="M[^"]+"[\s\S]*<\/svg>\n$/,
    );
    assert.match(s.stdout, /MLP_CL summary/);
    assert.match(
      s.stdout,
      /epoch 2\/2 lr 5\.000e-5 loss \d\.\d{4} train \d+\.\d\d% val \d+\.\d\d% test \d+\.\d\d%/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("main.ts runs permuted-MNIST continual learning and resumes it bit for bit after SIGKILL in task 2", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const args = (out: string) => [
      "bayesbinn",
      "configs/mnist_cl_bayesbinn.json",
      "--limit-train",
      "600",
      "--limit-test",
      "200",
      "--epochs",
      "1",
      "--num_tasks",
      "2",
      "--batch-size",
      "10",
      "--evaluate-steps",
      "10",
      "--data-dir",
      DATA_DIR,
      "--backend",
      "wasm",
      "--checkpoint-every",
      "1",
      "--out",
      out,
    ];
    const killed = `${dir}/killed`, straight = `${dir}/straight`;
    const straightRun = cli(args(straight));
    const child = command(args(killed)).spawn();
    const last = `${killed}/checkpoints/last.ckpt`;
    // kill once a checkpoint inside task 2 (with its prior) is on disk
    let t: CheckpointMeta["training"] | null = null;
    for (let i = 0; i < 6000 && !(t !== null && t.task === 1 && t.step > 0); i++) {
      await new Promise((r) => setTimeout(r, 5));
      t = await loadCheckpoint<CheckpointMeta>(last).then((c) => c.meta.training, () => null);
    }
    child.kill("SIGKILL");
    const status = await child.status;
    await child.stdout.cancel();
    await child.stderr.cancel();
    assert.equal(status.signal, "SIGKILL", "the run was killed before it finished");
    const atKill = await loadCheckpoint<CheckpointMeta>(last);
    const k = atKill.meta.training;
    assert.ok(
      k.task === 1 && k.epoch === 0 && k.step > 0,
      `killed in task 2: ${JSON.stringify(k)}`,
    );
    assert.ok("optimizer/prior.0" in atKill.blobs && !("optimizer/momentum.0" in atKill.blobs));

    const resumed = await cli(["bayesbinn", "--resume", killed]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(
      resumed.stdout,
      new RegExp(`resuming .*killed at task 2, epoch 1, step ${k.step}`),
    );
    const s = await straightRun;
    assert.equal(s.code, 0, s.stderr);
    const a = await loadCheckpoint<CheckpointMeta>(`${straight}/checkpoints/last.ckpt`);
    const b = await loadCheckpoint<CheckpointMeta>(last);
    assert.deepEqual(bits(b.blobs), bits(a.blobs));
    assert.deepEqual(b.meta.optimizerScalars, a.meta.optimizerScalars);
    const ma = await readJsonl(`${straight}/metrics.jsonl`),
      mb = await readJsonl(`${killed}/metrics.jsonl`);
    assert.deepEqual(mb.map(withoutTiming), ma.map(withoutTiming));
    assert.deepEqual(ma.map((m) => [m.task, m.epoch]), [[0, 0], [1, 0]]);
    assert.equal((ma[1]!.test_acc_per_task as number[]).length, 2);
    const sa = JSON.parse(await Deno.readTextFile(`${straight}/summary.json`));
    assert.deepEqual(sa.final_test_acc_per_task, ma[1]!.test_acc_per_task);
    assert.equal(sa.num_tasks, 2);
    assert.match(s.stdout, /task 2\/2 \(pixel permutation 2\)/);
    assert.match(await Deno.readTextFile(`${straight}/curves.svg`), />task 2<\/text>/);
    const again = await cli(["bayesbinn", "--resume", straight]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(
      again.stdout,
      /already finished its 1 epoch of each of its 2 tasks: nothing to resume/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("main.ts stops on a non-finite parameter, naming epoch and step, and keeps the last good checkpoint", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await cli([
      "bayesbinn",
      ...QUICK,
      "--lr-init",
      "1e10",
      "--checkpoint-every",
      "1",
      "--out",
      dir,
    ]);
    assert.equal(r.code, 3);
    assert.match(
      r.stderr,
      /^error: training stopped: parameter 'lambda\.\d+' has -?Infinity at index \d+ at epoch 1, step (\d+); the last good checkpoint is .*checkpoints\/last\.ckpt\n$/,
    );
    const step = Number(r.stderr.match(/step (\d+)/)![1]);
    const kept = await loadCheckpoint<CheckpointMeta>(`${dir}/checkpoints/last.ckpt`);
    assert.equal(kept.meta.training.step, step - 1, "the checkpoint before the bad step");
    for (const v of Object.values(kept.blobs)) assert.ok(v.every(Number.isFinite));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
