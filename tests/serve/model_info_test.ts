/**
 * What `serve` reads from an export (serve/model_info.ts, onnx_reader.ts, sample_outputs.ts):
 * the sidecar's or else the ONNX metadata, the graph's input, and for a K-sample export a served
 * copy whose extra outputs are the K networks' probabilities — checked under onnxruntime-node
 * against the file's own `probabilities` (their mean, paper eq. 18).
 * @module
 */
import assert from "node:assert/strict";
import { ort } from "../../export/ort.ts";
import { writeOnnxExport } from "../../export/export.ts";
import { DataType, encodeModel } from "../../export/onnx/proto.ts";
import { Rng } from "../../train/random.ts";
import { loadServedModel } from "../../serve/model_info.ts";
import { readOnnxFacts } from "../../serve/onnx_reader.ts";
import { linearSpec } from "../_fixtures/tiny_specs.ts";

const CIFAR = { mean: [0.4914, 0.4822, 0.4465], std: [0.2023, 0.1994, 0.201] };

/** A linear 4×4×3 → 10 classifier with `k` weight sets (k > 1: a posterior-sample export). */
async function exportLinear(file: string, k: number) {
  const rng = new Rng(k, "serve-test");
  const sets = Array.from({ length: k }, () => [
    Float32Array.from({ length: 48 * 10 }, () => (rng.uniform() < 0.5 ? -1 : 1)),
  ]);
  await writeOnnxExport(
    { spec: linearSpec([4, 4, 3], 10), weightSets: sets, batchNorms: [] },
    file,
    {
      dataset: "cifar10",
      normalization: CIFAR,
      weights: {
        format: "packed",
        source: k > 1 ? "samples" : "mode",
        samples: k > 1 ? k : 0,
        seed: 1,
      },
    },
  );
}

Deno.test("loadServedModel() of a 3-sample export: the page's metadata and each network's probabilities", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bnn-serve-info-" });
  try {
    const file = `${dir}/model_samples3.onnx`;
    await exportLinear(file, 3);
    const served = await loadServedModel(file);
    assert.deepEqual(served.info, {
      file: "model_samples3.onnx",
      bytes: (await Deno.stat(file)).size,
      architecture: "mlp-48-10",
      dataset: "cifar10",
      labelMode: "fine",
      classNames: [
        "airplane",
        "automobile",
        "bird",
        "cat",
        "deer",
        "dog",
        "frog",
        "horse",
        "ship",
        "truck",
      ],
      normalization: CIFAR,
      input: { name: "image", channels: 3, height: 4, width: 4 },
      sampleOutputs: ["s0_probabilities", "s1_probabilities", "s2_probabilities"],
      weights: "packed",
      testAccuracy: null,
      metadataFrom: "sidecar",
      problem: null,
    });
    const original = await ort.InferenceSession.create(file);
    const copy = await ort.InferenceSession.create(served.bytes);
    const rng = new Rng(2, "x");
    const x = Float32Array.from({ length: 5 * 48 }, () => rng.uniform() * 4 - 2);
    const feeds = { image: new ort.Tensor("float32", x, [5, 3, 4, 4]) };
    const a = await original.run(feeds);
    const b = await copy.run(feeds);
    assert.deepEqual(b.probabilities.data, a.probabilities.data);
    const samples = served.info.sampleOutputs.map((n) => b[n].data as Float32Array);
    const p = a.probabilities.data as Float32Array;
    for (let i = 0; i < p.length; i++) {
      assert.ok(Math.abs((samples[0][i] + samples[1][i] + samples[2][i]) / 3 - p[i]) < 1e-6);
    }
    assert.ok(samples[0].some((v, i) => Math.abs(v - samples[1][i]) > 1e-3), "samples differ");
    await original.release();
    await copy.release();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadServedModel() without the sidecar reads the ONNX metadata_props; a mode export is served as is", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bnn-serve-info-" });
  try {
    await exportLinear(`${dir}/model.onnx`, 1);
    await Deno.remove(`${dir}/model.onnx.json`);
    const served = await loadServedModel(dir);
    assert.deepEqual(served.bytes, await Deno.readFile(`${dir}/model.onnx`));
    assert.equal(served.info.metadataFrom, "onnx");
    assert.equal(served.info.dataset, "cifar10");
    assert.deepEqual(served.info.normalization, CIFAR);
    assert.deepEqual(served.info.sampleOutputs, []);
    assert.equal(served.info.problem, null);
    const facts = readOnnxFacts(served.bytes);
    assert.deepEqual(facts.metadata, {
      architecture: "mlp-48-10",
      dataset: "cifar10",
      normalization: JSON.stringify(CIFAR),
      input_layout: "NCHW",
      weights: "packed",
      weight_sets: "1",
    });
    assert.deepEqual(facts.outputs.map((o) => [o.name, o.shape]), [
      ["logits", ["N", 10]],
      ["probabilities", ["N", 10]],
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadServedModel() shows the class names an export records (a custom dataset's)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bnn-serve-info-" });
  try {
    await Deno.writeFile(
      `${dir}/shapes.onnx`,
      encodeModel({
        irVersion: 8,
        opsetVersion: 17,
        producerName: "bnn",
        producerVersion: "0.1.0",
        graphName: "g",
        initializers: [],
        metadata: {
          dataset: "folder:shapes",
          normalization: JSON.stringify({ mean: [0.5], std: [0.25] }),
          class_names: JSON.stringify(["circle", "square"]),
        },
        nodes: [{ opType: "Flatten", inputs: ["image"], outputs: ["probabilities"] }],
        inputs: [{ name: "image", elemType: DataType.FLOAT, shape: ["N", 1, 1, 2] }],
        outputs: [{ name: "probabilities", elemType: DataType.FLOAT, shape: ["N", 2] }],
      }),
    );
    const { info } = await loadServedModel(`${dir}/shapes.onnx`);
    assert.equal(info.problem, null);
    assert.deepEqual(info.classNames, ["circle", "square"]);
    assert.equal(info.dataset, "folder:shapes");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
