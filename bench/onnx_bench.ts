/**
 * One benchmark process: eval images/s of an EXPORTED bnn model through ONNX Runtime
 * (onnxruntime-node), as users run it. A freshly initialised `BinaryNet` (MNIST MLP or
 * VGGBinaryConnect) and its optimizer's mode weights are frozen and written with the export
 * path's own helpers (`freezeWeights`, `batchNormsFromState`, `writeOnnxExport`: 1-bit packed
 * weights), then timed with `benchEval` from export/eval.ts. Prints one JSON line.
 * Run by bench/main.ts; usable alone:
 *   deno run -A bench/onnx_bench.ts --model mlp --threads 2
 * @module
 */
import { parseArgs } from "node:util";
import { benchEval } from "../export/eval.ts";
import { writeOnnxExport } from "../export/export.ts";
import { batchNormsFromState, freezeWeights } from "../export/freeze.ts";
import { initBackend } from "../train/backend/mod.ts";
import { buildSpec } from "../train/models/architectures.ts";
import { BinaryNet } from "../train/models/binary_net.ts";
import { resolveConfig } from "../train/config/mod.ts";
import { createOptimizer } from "../train/optimizers/create_optimizer.ts";
import { Rng } from "../train/random.ts";
import { peakRssMiB } from "./_proc.ts";

const { values: opt } = parseArgs({
  options: {
    model: { type: "string", default: "mlp" },
    width: { type: "string", default: "1" },
    threads: { type: "string", default: "2" },
    batches: { type: "string", default: "5" },
    warmup: { type: "string", default: "2" },
  },
});

await initBackend();
const mlp = opt.model === "mlp";
const spec = buildSpec(
  mlp ? { model_architecture: "BinaryConnect", dataset: "mnist" } : {
    model_architecture: "VGGBinaryConnect",
    dataset: "cifar10",
    width_multiplier: Number(opt.width),
  },
);
const net = new BinaryNet(spec);
const config = resolveConfig("bayesbinn", undefined, { dataset: mlp ? "mnist" : "cifar10" });
const optimizer = createOptimizer(
  config.optimizer,
  { ...config, train_set_size: 1 },
  net.binaryShapes,
  new Rng(1, "optimizer"),
  net.realParams,
);
const dir = await Deno.makeTempDir({ prefix: "bnn-bench-onnx-" });
try {
  const file = `${dir}/${opt.model}.onnx`;
  const exported = await writeOnnxExport(
    {
      spec,
      weightSets: freezeWeights(optimizer),
      batchNorms: batchNormsFromState(spec, net.getState()),
    },
    file,
  );
  optimizer.dispose();
  net.dispose();
  const batchSize = mlp ? 1000 : 200;
  const imgS = await benchEval(file, {
    batchSize,
    batches: Number(opt.batches),
    warmup: Number(opt.warmup),
    threads: Number(opt.threads),
  });
  console.log(JSON.stringify({
    framework: "onnxruntime",
    backend: `onnxruntime-node ${opt.threads} threads`,
    model: opt.model,
    batch: batchSize,
    onnx_bytes: exported.sidecar.onnx.bytes,
    eval_img_s: imgS,
    peak_mib: peakRssMiB(),
  }));
} finally {
  await Deno.remove(dir, { recursive: true });
}
