/**
 * CLI: `deno task export RUN_DIR_OR_CHECKPOINT [--out model.onnx] [--weights packed|float]
 * [--samples K] [--seed N] [--int8 [--calibration-batches K] [--activation-scales M]]
 * [--calibrate] [--data-dir DIR]`. Writes the ONNX model and its `.json` sidecar and prints the
 * per-layer size summary. Needs `--allow-read --allow-write`; `--int8` and `--calibrate` also
 * `--allow-ffi --allow-env` (ONNX Runtime), and `--allow-net` when the dataset may be downloaded.
 * @module
 */
import { initBackend } from "../train/backend/mod.ts";
import { parseOneArg, runCli } from "../cli/run_cli.ts";
import { exportModel } from "./export.ts";
import { ExportError } from "./export_error.ts";
import { formatBytes } from "./export_summary.ts";
import type { ScaleMethod } from "./deploy_options.ts";
import { deployLines } from "./deploy_summary.ts";

const USAGE =
  `usage: deno task export RUN_DIR_OR_CHECKPOINT [--out model.onnx] [--weights packed|float]
                        [--samples K] [--seed N] [--int8 [--calibration-batches K]
                        [--activation-scales percentile|mse|minmax]] [--calibrate] [--data-dir DIR]

  RUN_DIR_OR_CHECKPOINT  a run folder (uses checkpoints/best.ckpt, else last.ckpt) or a .ckpt file
  --out PATH             output file (default <run>/model.onnx, or model_samples<K>.onnx)
  --weights FORMAT       packed (1 bit per weight, default) or float (float32 ±1)
  --samples K            export K BayesBiNN posterior samples, averaging their softmax (default 0: the mode)
  --seed N               seed of the posterior samples (default: the run's seed)
  --int8                 static int8 quantization: QLinearConv with uint8 activations x int8 ±1
                         weights, BatchNorm folded (output model[_samples<K>]_int8.onnx)
  --calibration-batches K  seeded training batches the int8 activation scales come from (default 10)
  --activation-scales M  how a scale is chosen from them: percentile (default), mse or minmax
  --calibrate            fit a temperature on the run's validation split (NLL) and divide the
                         logits by it (output ..._calibrated.onnx); off by default: see README
  --data-dir DIR         where the dataset is, for --int8 and --calibrate (as for training)

The model's input 'image' is a normalized float32 NCHW batch [N, C, H, W]; outputs 'logits' and
'probabilities' are [N, classes]. The sidecar <out>.json records the provenance.`;

function intFlag(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min) {
    throw new ExportError(
      `--${name} must be an integer ≥ ${min}: current value is ${JSON.stringify(v)}`,
    );
  }
  return n;
}

await runCli("export", async () => {
  const options = {
    out: { type: "string" },
    weights: { type: "string" },
    samples: { type: "string" },
    seed: { type: "string" },
    int8: { type: "boolean" },
    "calibration-batches": { type: "string" },
    "activation-scales": { type: "string" },
    calibrate: { type: "boolean" },
    "data-dir": { type: "string" },
    help: { type: "boolean", short: "h" },
  } as const;
  const { values, positional } = parseOneArg(Deno.args, options, "RUN_DIR_OR_CHECKPOINT");
  if (values.help || positional === undefined) {
    console.log(USAGE);
    return;
  }
  const weights = values.weights ?? "packed";
  if (weights !== "packed" && weights !== "float") {
    throw new ExportError(
      `--weights must be "packed" or "float": current value is ${JSON.stringify(weights)}`,
    );
  }
  await initBackend("cpu");
  const r = await exportModel(positional, {
    out: values.out,
    weights,
    samples: intFlag("samples", values.samples, 0),
    seed: intFlag("seed", values.seed, 0),
    deploy: {
      int8: values.int8,
      calibrationBatches: intFlag("calibration-batches", values["calibration-batches"], 1),
      activationScales: values["activation-scales"] as ScaleMethod | undefined,
      calibrate: values.calibrate,
      dataDir: values["data-dir"],
      onStep: (line) => console.error(line),
    },
  });
  console.log(r.summary);
  for (const line of deployLines(r.sidecar)) console.log(line);
  console.log(`wrote ${r.path} (${formatBytes(r.sidecar.onnx.bytes)}) and ${r.sidecarPath}`);
});
