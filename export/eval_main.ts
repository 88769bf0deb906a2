/**
 * CLI: `deno task eval MODEL.onnx [--dataset D] [--split test|val] [--data-dir DIR] [--json]
 * [--batch-size N] [--limit N] [--svg PATH] [--threads N]`. Needs `--allow-read --allow-write
 * --allow-ffi` (ONNX Runtime), plus `--allow-env --allow-net` when the dataset may be downloaded.
 * @module
 */
import { parseOneArg, runCli } from "../cli/run_cli.ts";
import { type EvalResult, evaluateOnnx } from "./eval.ts";
import { ExportError } from "./export_error.ts";

const USAGE =
  `usage: deno task eval MODEL.onnx [--dataset D] [--split test|val] [--data-dir DIR] [--json]
                      [--batch-size N] [--limit N] [--svg PATH] [--threads N]

  --dataset D      mnist, cifar10, cifar100, idx:DIR, cifar:DIR or folder:PATH (default: the
                   sidecar MODEL.onnx.json's); other files than the run's are said so
  --split S        test (default) or val (the run's seeded validation split, from the sidecar's config)
  --data-dir DIR   where the dataset files are (as for training: else $BNN_DATA_DIR, else ~/.cache/bnn)
  --json           print one JSON object (accuracy is a fraction 0-1)
  --batch-size N   images per ONNX Runtime call (default 100)
  --limit N        evaluate only the first N examples of the split
  --svg PATH       reliability diagram path (default MODEL.<split>.reliability.svg)
  --threads N      ONNX Runtime intra-op threads (default: its own choice)

Metrics: accuracy; NLL = mean -log p(y|x); ECE over 15 equal-width confidence bins;
Brier = mean over examples of the sum over classes of (p_c - 1[c = y])^2; per-class accuracy;
confusion matrix (rows: true class, columns: predicted); images/s of session.run alone.`;

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

function pct(v: number | null): string {
  return v === null ? "n/a" : `${(v * 100).toFixed(2)}%`;
}

/** The run's own (tfjs) test accuracy, saying which images it was measured on. */
function recordedLine(r: EvalResult, acc: number): string {
  const n = r.tfjs_test_examples;
  const line = `tfjs test accuracy recorded by the run: ${pct(acc)}`;
  if (r.same_files === false) return `${line} on other files (these test files are not the run's)`;
  if (n === null) return line;
  if (r.split === "test" && n === r.count) return `${line} (on the same ${n} images)`;
  return `${line} on the first ${n} test images` +
    (r.split === "test" && n < r.count ? ` (--limit ${n} evaluates the same images)` : "");
}

/** Class `c` as the report shows it: `3`, or `3 tulip` for a dataset with class names. */
function className(r: EvalResult, c: number): string {
  const name = r.class_names?.[c];
  return name === undefined || name === String(c) ? String(c) : `${c} ${name}`;
}

function report(r: EvalResult): string {
  const lines = [
    `${r.model} on ${r.dataset} ${r.split}: ${r.count} images`,
    `accuracy ${pct(r.accuracy)}   NLL ${r.nll.toFixed(4)}   ECE ${r.ece.toFixed(4)}   Brier ${
      r.brier.toFixed(4)
    }   ${r.images_per_s.toFixed(0)} images/s (batch ${r.batch_size})`,
  ];
  if (r.tfjs_test_accuracy !== null) lines.push(recordedLine(r, r.tfjs_test_accuracy));
  const k = r.per_class_accuracy.length;
  if (k <= 20) {
    lines.push(
      "per-class accuracy: " +
        r.per_class_accuracy.map((a, c) => `${className(r, c)}: ${pct(a)}`).join("  "),
    );
    const w = Math.max(4, ...r.confusion.flat().map((v) => String(v).length)) + 1;
    lines.push("confusion matrix (rows: true class, columns: predicted):");
    lines.push("     " + r.confusion.map((_, c) => String(c).padStart(w)).join(""));
    r.confusion.forEach((row, c) =>
      lines.push(String(c).padStart(4) + " " + row.map((v) => String(v).padStart(w)).join(""))
    );
  } else {
    const accs = r.per_class_accuracy.filter((a): a is number => a !== null);
    lines.push(
      `per-class accuracy over ${k} classes: min ${pct(Math.min(...accs))}, max ${
        pct(Math.max(...accs))
      } (--json for all)`,
    );
  }
  if (r.reliability_svg) lines.push(`reliability diagram: ${r.reliability_svg}`);
  return lines.join("\n");
}

await runCli("eval", async () => {
  const options = {
    dataset: { type: "string" },
    split: { type: "string" },
    "data-dir": { type: "string" },
    json: { type: "boolean" },
    "batch-size": { type: "string" },
    limit: { type: "string" },
    svg: { type: "string" },
    threads: { type: "string" },
    help: { type: "boolean", short: "h" },
  } as const;
  const { values, positional } = parseOneArg(Deno.args, options, "MODEL.onnx");
  if (values.help || positional === undefined) {
    console.log(USAGE);
    return;
  }
  const split = values.split ?? "test";
  if (split !== "test" && split !== "val") {
    throw new ExportError(
      `--split must be "test" or "val": current value is ${JSON.stringify(split)}`,
    );
  }
  const dataDir = values["data-dir"];
  if (dataDir !== undefined) {
    const stat = await Deno.stat(dataDir).catch(() => null);
    if (stat === null || !stat.isDirectory) {
      throw new ExportError(
        `--data-dir ${dataDir} ${stat === null ? "does not exist" : "is not a folder"}`,
      );
    }
  }
  const r = await evaluateOnnx(positional, {
    dataset: values.dataset,
    split,
    dataDir,
    batchSize: intFlag("batch-size", values["batch-size"], 1),
    limit: intFlag("limit", values.limit, 0),
    svgPath: values.svg,
    threads: intFlag("threads", values.threads, 1),
  });
  if (values.json) {
    const { bins, ...rest } = r;
    console.log(JSON.stringify({ ...rest, reliability_bins: bins }));
  } else {
    console.log(report(r));
  }
});
