import assert from "node:assert/strict";
import { benchEval, evaluateOnnx, openClassifier, predictDataset } from "../../export/eval.ts";
import { ExportError } from "../../export/export_error.ts";
import { exportModel, writeOnnxExport } from "../../export/export.ts";
import { classificationMetrics } from "../../export/metrics.ts";
import type { ImageDataset } from "../../train/data/dataset.ts";
import { NORMALIZATION } from "../../train/data/normalization.ts";
import { Rng } from "../../train/random.ts";
import { randomSigns } from "./_helpers.ts";
import { type CliResult, runCliScript, syntheticRun } from "./_run.ts";
import { mnistDataDir } from "../_fixtures/synthetic_mnist.ts";
import { linearSpec } from "../_fixtures/tiny_specs.ts";

function randomDataset(
  count: number,
  h: number,
  w: number,
  c: number,
  classes: number,
  seed: number,
): ImageDataset {
  const rng = new Rng(seed, "dataset");
  return {
    name: "mnist",
    images: Uint8Array.from({ length: count * h * w * c }, () => rng.int(256)),
    labels: Uint8Array.from({ length: count }, () => rng.int(classes)),
    count,
    height: h,
    width: w,
    channels: c,
    numClasses: classes,
  };
}

function cli(args: string[]): Promise<CliResult> {
  return runCliScript(
    "export/eval_main.ts",
    ["--allow-read", "--allow-write", "--allow-env", "--allow-ffi"],
    args,
  );
}

Deno.test("predictDataset() + classificationMetrics() equal the trainer's Model.evaluate() on the same images", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bnn_eval_" });
  const run = await syntheticRun(dir, "ste", { "model-architecture": "MLP_CL", dataset: "mnist" });
  try {
    const { path } = await exportModel(dir);
    const ds = randomDataset(57, 28, 28, 1, 10, 4);
    const expected = run.model.evaluate(ds, { batchSize: 20 });
    const m = await openClassifier(path);
    const order = Uint32Array.from({ length: ds.count }, (_, i) => i);
    const pred = await predictDataset(m, ds, order, NORMALIZATION.mnist, 16);
    await m.session.release();
    const got = classificationMetrics({ ...pred, logits: pred.logits ?? undefined });
    assert.equal(got.accuracy, expected.acc);
    assert.ok(
      Math.abs(got.nll - expected.loss) < 1e-4,
      `nll ${got.nll} vs trainer loss ${expected.loss}`,
    );
    assert.deepEqual([...pred.labels], [...ds.labels]);
  } finally {
    run.model.optimizer.dispose();
    run.model.net.dispose();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("predictDataset() refuses a dataset whose image shape or classes do not fit the model", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bnn_eval_" });
  try {
    const spec = linearSpec([4, 4, 3], 2);
    await writeOnnxExport({
      spec,
      weightSets: [randomSigns([[48, 2]], new Rng(1))],
      batchNorms: [],
    }, `${dir}/m.onnx`);
    const m = await openClassifier(`${dir}/m.onnx`);
    assert.deepEqual(m.inputShape, [3, 4, 4]);
    const order = new Uint32Array([0]);
    const norm = NORMALIZATION.cifar10;
    await assert.rejects(
      () => predictDataset(m, randomDataset(1, 4, 4, 1, 2, 1), order, norm, 1, "m.onnx"),
      (e: Error) =>
        e instanceof ExportError && /expects images \[3, 4, 4\].*has \[1, 4, 4\]/.test(e.message),
    );
    await assert.rejects(
      () => predictDataset(m, randomDataset(1, 4, 4, 3, 5, 1), order, norm, 1, "m.onnx"),
      /has 2 classes but dataset mnist has 5/,
    );
    const ok = await predictDataset(
      m,
      randomDataset(3, 4, 4, 3, 2, 1),
      new Uint32Array([2, 0]),
      norm,
      1,
    );
    assert.equal(ok.probabilities.length, 4);
    await m.session.release();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("eval CLI refuses a non-ONNX file, a missing file and a shape mismatch in one line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bnn_eval_" });
  try {
    await Deno.writeTextFile(`${dir}/fake.onnx`, "this is not a protobuf");
    const spec = linearSpec([32, 32, 3], 10);
    await writeOnnxExport(
      { spec, weightSets: [randomSigns([[3072, 10]], new Rng(1))], batchNorms: [] },
      `${dir}/cifar.onnx`,
    );
    const cases: [string[], RegExp][] = [
      [[`${dir}/fake.onnx`, "--dataset", "mnist"], /fake\.onnx is not a loadable ONNX model/],
      [[`${dir}/none.onnx`], /none\.onnx does not exist/],
      [[`${dir}/cifar.onnx`], /no --dataset given/],
      [[`${dir}/cifar.onnx`, "--split", "train"], /--split must be "test" or "val"/],
      [
        [`${dir}/cifar.onnx`, "--dataset", "mnist", "--split", "val"],
        /--split val needs the run's config/,
      ],
      [[`${dir}/cifar.onnx`, "--batch-size", "0"], /--batch-size must be an integer ≥ 1/],
      [[`${dir}/cifar.onnx`, "--limt", "3"], /unknown flag --limt \(did you mean --limit\?\)/],
      [[`${dir}/cifar.onnx`, "--limit"], /--limit needs a value \(see --help\)$/],
      [[`${dir}/cifar.onnx`, "--json=yes"], /--json takes no value/],
      [[`${dir}/cifar.onnx`, "--data-dir", `${dir}/nope`], /--data-dir .*nope does not exist$/],
      [
        [`${dir}/cifar.onnx`, "--data-dir", `${dir}/fake.onnx`],
        /--data-dir .*fake\.onnx is not a folder$/,
      ],
    ];
    cases.push([
      [`${dir}/cifar.onnx`, "--dataset", "mnist", "--data-dir", await mnistDataDir()],
      /expects images \[3, 32, 32\] \(C, H, W\) but dataset mnist has \[1, 28, 28\]/,
    ]);
    for (const [args, re] of cases) {
      const r = await cli(args);
      assert.equal(r.code, 2, `${args}: exit ${r.code}: ${r.stderr}`);
      const lines = r.stderr.trim().split("\n");
      assert.equal(lines.length, 1, `${args}: ${r.stderr}`);
      assert.match(lines[0], /^bnn eval: /);
      assert.match(lines[0], re);
    }
    await assert.rejects(() => evaluateOnnx(`${dir}/cifar.onnx`, { limit: -1 }), ExportError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("eval CLI says which test images the run's recorded accuracy was measured on", async () => {
  const dataDir = await mnistDataDir();
  const dir = await Deno.makeTempDir({ prefix: "bnn_eval_" });
  try {
    const spec = linearSpec([28, 28, 1], 10);
    const net = { spec, weightSets: [randomSigns([[784, 10]], new Rng(2))], batchNorms: [] };
    // limit_test 7 in the config: the run tested on the first 7 test images
    await writeOnnxExport(net, `${dir}/a.onnx`, {
      dataset: "mnist",
      tfjs_test_accuracy: 0.25,
      config: { limit_test: 7 },
      run_summary: null,
    });
    // no limit and no summary: the whole test set; a summary's count wins over the config
    await writeOnnxExport(net, `${dir}/b.onnx`, {
      dataset: "mnist",
      tfjs_test_accuracy: 0.25,
      config: { limit_test: 0 },
      run_summary: null,
    });
    await writeOnnxExport(net, `${dir}/c.onnx`, {
      dataset: "mnist",
      tfjs_test_accuracy: 0.25,
      config: { limit_test: 7 },
      run_summary: { test_examples: 9 },
    });
    const opts = { dataDir, svgPath: "" };
    const counted = async (m: string, limit: number) =>
      (await evaluateOnnx(`${dir}/${m}`, { ...opts, limit })).tfjs_test_examples;
    assert.equal(await counted("a.onnx", 5), 7);
    assert.equal(await counted("b.onnx", 5), 10000);
    assert.equal(await counted("c.onnx", 5), 9);
    const line = async (args: string[]) =>
      (await cli([...args, "--data-dir", dataDir, "--svg", ""])).stdout.split("\n")
        .find((l) => l.startsWith("tfjs test accuracy"));
    assert.equal(
      await line([`${dir}/a.onnx`, "--limit", "20"]),
      "tfjs test accuracy recorded by the run: 25.00% on the first 7 test images (--limit 7 evaluates the same images)",
    );
    assert.equal(
      await line([`${dir}/a.onnx`, "--limit", "7"]),
      "tfjs test accuracy recorded by the run: 25.00% (on the same 7 images)",
    );
    assert.equal(
      await line([`${dir}/a.onnx`, "--limit", "5"]),
      "tfjs test accuracy recorded by the run: 25.00% on the first 7 test images",
    );
    // the reliability diagram goes into a new folder, or fails in one line under a file
    const svgArgs = [`${dir}/a.onnx`, "--limit", "5", "--data-dir", dataDir, "--svg"];
    const made = await cli([...svgArgs, `${dir}/new/r.svg`]);
    assert.equal(made.code, 0, made.stderr);
    assert.match(await Deno.readTextFile(`${dir}/new/r.svg`), /^<svg /);
    const bad = await cli([...svgArgs, `${dir}/a.onnx/r.svg`]);
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr.trim(),
      /^bnn eval: cannot write the reliability diagram .*a\.onnx\/r\.svg: [^\n]+$/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("benchEval() reports a positive throughput", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bnn_eval_" });
  try {
    const spec = linearSpec([4, 4, 1], 2);
    await writeOnnxExport({
      spec,
      weightSets: [randomSigns([[16, 2]], new Rng(1))],
      batchNorms: [],
    }, `${dir}/m.onnx`);
    const ips = await benchEval(`${dir}/m.onnx`, { batchSize: 8, batches: 2 });
    assert.ok(Number.isFinite(ips) && ips > 0, String(ips));
    await assert.rejects(() => benchEval(`${dir}/m.onnx`, { batchSize: 0 }), RangeError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
