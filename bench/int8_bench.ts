/**
 * One benchmark process: eval images/s of the float export and the `--int8` export of the same
 * freshly initialised `BinaryNet` (MNIST MLP or VGGBinaryConnect), through ONNX Runtime with
 * bnn's session options (export/session_options.ts), at one batch size. Both models are written
 * with export/'s own helpers (`writeOnnxExport`; the int8 one with `buildInt8Model`, its
 * activation scales calibrated by `calibrateActivations` on 4 batches of the same random
 * normalized inputs the timing uses). The two are timed in alternation, `--rounds` times, and
 * the medians reported, so load changes hit both alike. `--ablation` adds, in the same
 * alternation, both models with one session option changed at a time (worker threads spinning;
 * graph optimization `basic`). Prints one JSON line. Run by bench/main.ts; usable alone:
 *   deno run -A bench/int8_bench.ts --model vgg --batch 1 [--ablation]
 * @module
 */
import { parseArgs } from "node:util";
import { ort } from "../export/ort.ts";
import { benchEval } from "../export/eval.ts";
import { writeOnnxExport } from "../export/export.ts";
import { batchNormsFromState, freezeWeights } from "../export/freeze.ts";
import { calibrateActivations } from "../export/activation_scales.ts";
import { buildInt8Model } from "../export/onnx/int8_graph.ts";
import type { FrozenNet } from "../export/onnx/graph.ts";
import type { OrtTuning } from "../export/session_options.ts";
import { initBackend } from "../train/backend/mod.ts";
import { buildSpec } from "../train/models/architectures.ts";
import { BinaryNet } from "../train/models/binary_net.ts";
import { NORMALIZATION } from "../train/data/normalization.ts";
import { resolveConfig } from "../train/config/mod.ts";
import { createOptimizer } from "../train/optimizers/create_optimizer.ts";
import { Rng } from "../train/random.ts";
import { median } from "./_proc.ts";

const { values: opt } = parseArgs({
  options: {
    model: { type: "string", default: "mlp" },
    width: { type: "string", default: "1" },
    threads: { type: "string", default: "2" },
    batch: { type: "string", default: "1" },
    rounds: { type: "string", default: "3" },
    ablation: { type: "boolean", default: false },
  },
});

await initBackend();
const mlp = opt.model === "mlp";
const dataset = mlp ? "mnist" : "cifar10";
const spec = buildSpec(
  mlp ? { model_architecture: "BinaryConnect", dataset } : {
    model_architecture: "VGGBinaryConnect",
    dataset,
    width_multiplier: Number(opt.width),
  },
);
const net = new BinaryNet(spec);
const config = resolveConfig("bayesbinn", undefined, { dataset });
const optimizer = createOptimizer(
  config.optimizer,
  { ...config, train_set_size: 1 },
  net.binaryShapes,
  new Rng(1, "optimizer"),
  net.realParams,
);
const frozen: FrozenNet = {
  spec,
  weightSets: freezeWeights(optimizer),
  batchNorms: batchNormsFromState(spec, net.getState()),
};
optimizer.dispose();
net.dispose();

/** Random normalized inputs, as `benchEval` feeds them. */
function randomBatches(n: number, b: number): ort.Tensor[] {
  const [H, W, C] = spec.inputShape;
  const rng = new Rng(0, "bench-eval-input");
  return [...Array(n)].map(() => {
    const x = new Float32Array(b * C * H * W);
    for (let i = 0; i < x.length; i++) x[i] = rng.uniform() * 4 - 2;
    return new ort.Tensor("float32", x, [b, C, H, W]);
  });
}

const batch = Number(opt.batch);
const threads = Number(opt.threads);
const variants: Record<string, OrtTuning> = {
  bnn: { threads },
  ...(opt.ablation
    ? { spinning: { threads, spinning: true }, basic: { threads, graphOptimizationLevel: "basic" } }
    : {}),
};
// About a second of timed work per measurement.
const perImageMs = mlp ? 0.4 : 10;
const batches = Math.max(3, Math.round(1000 / (perImageMs * batch + (mlp ? 0.3 : 1))));
const dir = await Deno.makeTempDir({ prefix: "bnn-bench-int8-" });
try {
  const float = await writeOnnxExport(frozen, `${dir}/float.onnx`);
  const norm = NORMALIZATION[dataset];
  const { scales } = await calibrateActivations(frozen, randomBatches(4, 50), norm, "percentile");
  const int8 = await writeOnnxExport(frozen, `${dir}/int8.onnx`, {
    deploy: (net, build) => Promise.resolve(buildInt8Model(net, { ...build, scales })),
  });
  const runs: Record<string, number[]> = {};
  for (let r = 0; r < Number(opt.rounds); r++) {
    for (const [name, tuning] of Object.entries(variants)) {
      for (const [kind, file] of [["float", float.path], ["int8", int8.path]]) {
        const o = { batchSize: batch, batches, warmup: 1, tuning };
        (runs[`${name}_${kind}`] ??= []).push(await benchEval(file, o));
      }
    }
  }
  const rate = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, median(v)]));
  console.log(JSON.stringify({
    model: opt.model,
    batch,
    threads,
    float_img_s: rate.bnn_float,
    int8_img_s: rate.bnn_int8,
    ablation: opt.ablation ? rate : undefined,
    float_bytes: float.sidecar.onnx.bytes,
    int8_bytes: int8.sidecar.onnx.bytes,
  }));
} finally {
  await Deno.remove(dir, { recursive: true });
}
