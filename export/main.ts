/**
 * CLI: `deno task export RUN_DIR_OR_CHECKPOINT [--out model.onnx] [--weights packed|float]
 * [--samples K] [--seed N]`. Writes the ONNX model and its `.json` sidecar and prints the
 * per-layer size summary. Needs `--allow-read --allow-write`.
 * @module
 */
import { initBackend } from "../train/backend/mod.ts";
import { parseOneArg, runCli } from "../cli/run_cli.ts";
import { exportModel } from "./export.ts";
import { ExportError } from "./export_error.ts";
import { formatBytes } from "./export_summary.ts";

const USAGE =
  `usage: deno task export RUN_DIR_OR_CHECKPOINT [--out model.onnx] [--weights packed|float]
                        [--samples K] [--seed N]

  RUN_DIR_OR_CHECKPOINT  a run folder (uses checkpoints/best.ckpt, else last.ckpt) or a .ckpt file
  --out PATH             output file (default <run>/model.onnx, or model_samples<K>.onnx)
  --weights FORMAT       packed (1 bit per weight, default) or float (float32 ±1)
  --samples K            export K BayesBiNN posterior samples, averaging their softmax (default 0: the mode)
  --seed N               seed of the posterior samples (default: the run's seed)

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
  });
  console.log(r.summary);
  console.log(`wrote ${r.path} (${formatBytes(r.sidecar.onnx.bytes)}) and ${r.sidecarPath}`);
});
