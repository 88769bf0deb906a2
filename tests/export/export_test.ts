import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { exportModel, loadRun, resolveCheckpoint } from "../../export/export.ts";
import { ExportError } from "../../export/export_error.ts";
import { freezeWeights } from "../../export/freeze.ts";
import { buildOnnxModel } from "../../export/onnx/graph.ts";
import { encodeModel } from "../../export/onnx/proto.ts";
import { batchNormsFromState } from "../../export/freeze.ts";
import { CheckpointError } from "../../train/checkpoint.ts";
import { Rng } from "../../train/random.ts";
import { argmaxRows, checkWithOnnx, maxAbsDiff, normals, ortRun, toNchw } from "./_helpers.ts";
import { type CliResult, runCliScript, syntheticRun } from "./_run.ts";

const MLP = { "model-architecture": "MLP_CL", dataset: "mnist", "lambda-init": "0.5" };

function cli(args: string[]): Promise<CliResult> {
  return runCliScript("export/main.ts", ["--allow-read", "--allow-write", "--allow-env"], args);
}

Deno.test("exportModel() freezes a run's mode weights and BN state: ORT equals the trainer's model", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "bnn_export_" });
  const run = await syntheticRun(dir, "bayesbinn", MLP);
  try {
    const packed = await exportModel(dir);
    const float = await exportModel(dir, { weights: "float", out: `${dir}/float.onnx` });
    assert.equal(packed.path, `${dir}/model.onnx`);
    const side = JSON.parse(await Deno.readTextFile(`${dir}/model.onnx.json`));
    assert.equal(side.dataset, "mnist");
    assert.deepEqual(side.normalization, { mean: [0.1307], std: [0.3081] });
    assert.equal(side.input.layout, "NCHW");
    assert.deepEqual(side.input.shape, ["N", 1, 28, 28]);
    assert.equal(side.tfjs_test_accuracy, 0.4321);
    assert.equal(side.checkpoint.path, `${dir}/checkpoints/best.ckpt`);
    assert.equal(side.config.model_architecture, "MLP_CL");
    assert.equal(side.weights.source, "mode");
    assert.equal(side.summary.binary, 784 * 100 + 100 * 100 + 100 * 10);
    assert.equal(side.summary.real, 2 * (100 + 100 + 10));
    assert.equal(side.summary.fileBytes, (await Deno.stat(packed.path)).size);
    assert.match(packed.summary, /theoretical size 12\.55 KiB/);
    // nothing but the outputs is left behind (atomic writes)
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.deepEqual(names, [
      "checkpoints",
      "float.onnx",
      "float.onnx.json",
      "model.onnx",
      "model.onnx.json",
      "summary.json",
    ]);

    const n = 6;
    const x = normals(n * 784, new Rng(2, "x"));
    const w = run.model.optimizer.modeWeights();
    const logits = run.model.net.apply(w, tf.tensor4d(x, [n, 28, 28, 1]), { training: false });
    const expected = logits.dataSync() as Float32Array;
    for (const p of [packed.path, float.path]) {
      const got = await ortRun(p, toNchw(x, n, 28, 28, 1), [n, 1, 28, 28]);
      assert.deepEqual(argmaxRows(got.logits, 10), argmaxRows(expected, 10));
      assert.ok(
        maxAbsDiff(got.logits, expected) < 1e-4,
        `${p}: ${maxAbsDiff(got.logits, expected)}`,
      );
    }
    tf.dispose([...w, logits]);
    await checkWithOnnx(t, [packed.path, float.path]);
  } finally {
    run.model.optimizer.dispose();
    run.model.net.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("exportModel() with samples K equals the average of the K single-sample exports' probabilities", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "bnn_export_" });
  const run = await syntheticRun(dir, "bayesbinn", MLP);
  try {
    const K = 3;
    const multi = await exportModel(dir, { samples: K, seed: 5 });
    assert.equal(multi.path, `${dir}/model_samples3.onnx`);
    assert.deepEqual(multi.sidecar.weights, {
      format: "packed",
      source: "samples",
      samples: 3,
      seed: 5,
    });
    // the same K draws, exported one by one
    const loaded = await loadRun(await resolveCheckpoint(dir));
    const sets = freezeWeights(loaded.model.optimizer, {
      samples: K,
      rng: new Rng(5, "export-samples"),
    });
    const batchNorms = batchNormsFromState(loaded.spec, loaded.model.net.getState());
    loaded.model.optimizer.dispose();
    loaded.model.net.dispose();
    const differing = sets[0].reduce(
      (c, w, i) => c + w.reduce((d, v, j) => d + (v !== sets[1][i][j] ? 1 : 0), 0),
      0,
    );
    assert.ok(
      differing > 1000,
      `posterior samples should differ (λ = ±0.5): ${differing} weights differ`,
    );
    const n = 5;
    const x = toNchw(normals(n * 784, new Rng(3, "x")), n, 28, 28, 1);
    const mean = new Float32Array(n * 10);
    for (const set of sets) {
      const bytes = encodeModel(
        buildOnnxModel({ spec: loaded.spec, weightSets: [set], batchNorms }).model,
      );
      const single = await ortRun(bytes, x, [n, 1, 28, 28]);
      single.probabilities.forEach((p, i) => (mean[i] += p / K));
    }
    const got = await ortRun(multi.path, x, [n, 1, 28, 28]);
    assert.ok(
      maxAbsDiff(got.probabilities, mean) < 1e-6,
      `mean probabilities: ${maxAbsDiff(got.probabilities, mean)}`,
    );
    assert.ok(
      maxAbsDiff(got.logits, mean.map(Math.log)) < 1e-5,
      "logits = log of the mean probability",
    );
    await checkWithOnnx(t, [multi.path]);
  } finally {
    run.model.optimizer.dispose();
    run.model.net.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("export CLI prints the summary and refuses bad sources in one line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bnn_export_" });
  const run = await syntheticRun(dir, "ste", { "model-architecture": "MLP_CL", dataset: "mnist" });
  run.model.optimizer.dispose();
  run.model.net.dispose();
  try {
    const ok = await cli([dir, "--out", `${dir}/m.onnx`]);
    assert.equal(ok.code, 0, ok.stderr);
    // --out in a folder that does not exist yet: created
    const nested = await cli([dir, "--out", `${dir}/new/sub/m.onnx`]);
    assert.equal(nested.code, 0, nested.stderr);
    assert.ok((await Deno.stat(`${dir}/new/sub/m.onnx.json`)).isFile);
    assert.match(ok.stdout, /^layer\s+type\s+output\s+binary\s+real/);
    assert.match(ok.stdout, /wrote .*m\.onnx \(\d+\.\d+ KiB\)/);

    const bytes = await Deno.readFile(run.checkpoint);
    await Deno.mkdir(`${dir}/empty`);
    await Deno.writeFile(`${dir}/torn.ckpt`, bytes.subarray(0, bytes.length - 100));
    const future = bytes.slice();
    future[8] = 99; // format version
    await Deno.writeFile(`${dir}/future.ckpt`, future);
    const cases: [string[], RegExp][] = [
      [[`${dir}/nope`], /does not exist/],
      [[`${dir}/empty`], /has no checkpoint/],
      [[`${dir}/torn.ckpt`], /truncated/],
      [[`${dir}/future.ckpt`], /unknown checkpoint version 99/],
      [[`${dir}/summary.json`], /not a bnn checkpoint/],
      [[dir, "--weights", "int8"], /--weights must be "packed" or "float"/],
      [
        [dir, "--samples", "-1"],
        /^bnn export: --samples needs a value but is followed by another flag/,
      ],
      [[dir, "--samples=-1"], /--samples must be an integer ≥ 0: current value is "-1"/],
      [[dir, "--bogus"], /^bnn export: unknown flag --bogus \(see --help\)$/],
      [[dir, "--sample", "2"], /unknown flag --sample \(did you mean --samples\?\)/],
      [[dir, "--samples", "2"], /--samples 2 needs a BayesBiNN run/],
      [[], /expected one RUN_DIR_OR_CHECKPOINT/],
      [[dir, "--out", `${dir}/summary.json/m.onnx`], /cannot write .*summary\.json\/m\.onnx: /],
      [[dir, "--out", `${dir}/new`], /cannot write .*new: Is a directory/],
    ];
    for (const [args, re] of cases) {
      const r = await cli(args);
      assert.equal(r.code, 2, `${args}: exit ${r.code}, ${r.stderr}`);
      const lines = r.stderr.trim().split("\n");
      assert.equal(lines.length, 1, `${args}: one line, got ${r.stderr}`);
      assert.match(lines[0], /^bnn export: /);
      assert.match(lines[0], re);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("resolveCheckpoint() and loadRun() throw typed errors", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(() => resolveCheckpoint(`${dir}/x`), ExportError);
    await assert.rejects(() => resolveCheckpoint(dir), ExportError);
    await Deno.writeFile(`${dir}/last.ckpt`, new Uint8Array(3));
    const r = await resolveCheckpoint(dir);
    assert.equal(r.checkpointPath, `${dir}/last.ckpt`);
    assert.equal(r.runDir, null);
    await assert.rejects(() => loadRun(r), CheckpointError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
