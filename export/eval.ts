/**
 * `bnn eval`: runs an ONNX classifier through ONNX Runtime (onnxruntime-node) over a
 * dataset split and reports accuracy, NLL, ECE (15 bins), Brier score, per-class
 * accuracy, the confusion matrix ({@linkcode ./metrics.ts}) and throughput, and
 * writes a reliability diagram ({@linkcode ./reliability.ts}).
 *
 * The model's first input must be `[N, C, H, W]` float32 (bnn's `image`); raw pixels
 * v become (v/255 − mean_c)/std_c with the sidecar's normalization (else the
 * dataset's built-in one), in float32 exactly as training does. The output
 * `probabilities` is used when present (else the softmax of the first output), and
 * `logits` for the NLL when present.
 *
 * Splits: `test` is the dataset's test set; `val` re-derives the run's validation
 * set from the sidecar's config exactly as `train/main.ts` does: the first
 * `limit_train` training examples (all when 0), then `splitData(…, validation_split,
 * seed)`. `limit` keeps the first N examples of the split (the trainer's
 * `limit_test` is "the first N test examples").
 *
 * images/s counts only `session.run` time (preprocessing excluded), over all batches.
 * @module
 */
import path from "node:path";
import { ort } from "./ort.ts";
import { writeFileAtomic } from "../train/checkpoint.ts";
import type { ImageDataset } from "../train/data/dataset.ts";
import type { DatasetName } from "../train/data/datasets.ts";
import { loadDataset } from "../train/data/load_dataset.ts";
import {
  NORMALIZATION,
  type Normalization,
  normalizationTable,
} from "../train/data/normalization.ts";
import { Rng } from "../train/random.ts";
import { softmaxRows } from "../train/softmax_rows.ts";
import { splitData } from "../train/data_source.ts";
import { oneLine } from "../cli/errors.ts";
import { ExportError } from "./export_error.ts";
import type { ExportSidecar } from "./sidecar.ts";
import { type ClassificationMetrics, classificationMetrics } from "./metrics.ts";
import { reliabilitySvg } from "./reliability.ts";
import { takeFirst } from "../train/data/take_first.ts";
import { isCustomDataset } from "../train/data/dataset_ref.ts";
import { loadCustomEvalData } from "./eval_data.ts";
import { ortSessionOptions, type OrtTuning } from "./session_options.ts";

/** Options of {@linkcode evaluateOnnx}. */
export interface EvalOptions {
  /** Dataset name (default: the sidecar's). */
  dataset?: string;
  split?: "test" | "val";
  /** Where the dataset files are (as `bnn train --data-dir`). */
  dataDir?: string;
  batchSize?: number;
  /** Evaluate only the first N examples of the split (0 or undefined: all). */
  limit?: number;
  /** Where to write the reliability diagram (default `<model>.<split>.reliability.svg`; "" = none). */
  svgPath?: string;
  /** ORT intra-op threads (default: the machine's logical CPUs). */
  threads?: number;
}

/** The result of {@linkcode evaluateOnnx} (what `--json` prints). */
export interface EvalResult extends ClassificationMetrics {
  model: string;
  dataset: string;
  split: "test" | "val";
  images_per_s: number;
  seconds: number;
  batch_size: number;
  reliability_svg: string | null;
  /** The tfjs test accuracy recorded in the sidecar, for comparison. */
  tfjs_test_accuracy: number | null;
  /** How many test images (the first ones) that accuracy was measured on; null if unknown. */
  tfjs_test_examples: number | null;
  /** The temperature `export --calibrate` divided the logits by (sidecar), null if none. */
  temperature: number | null;
  /** A custom dataset's class names, in label order; null for a built-in one. */
  class_names: string[] | null;
  /** A custom dataset: whether its test files are those the run recorded (null: unknown). */
  same_files: boolean | null;
}

/** A loaded ONNX classifier: session, input geometry, output names. */
export interface OnnxClassifier {
  session: ort.InferenceSession;
  inputName: string;
  /** `[C, H, W]`. */
  inputShape: [number, number, number];
  numClasses: number | null;
  probsName: string | null;
  logitsName: string | null;
}

/**
 * Opens an ONNX model with ONNX Runtime and reads its input geometry.
 *
 * @throws {ExportError} If the file is missing, is not a loadable ONNX model, or its first
 *   input is not a float32 `[N, C, H, W]` tensor.
 * @example Usage
 * ```ts ignore
 * import { openClassifier } from "./eval.ts";
 * const m = await openClassifier("runs/x/model.onnx");
 * console.log(m.inputShape);
 * ```
 */
export async function openClassifier(
  file: string,
  threads?: number,
  tuning: OrtTuning = {},
): Promise<OnnxClassifier> {
  let stat: Deno.FileInfo;
  try {
    stat = await Deno.stat(file);
  } catch {
    throw new ExportError(`model file ${file} does not exist`);
  }
  if (!stat.isFile) {
    throw new ExportError(
      `model file ${file} is ${
        stat.isDirectory ? "a folder" : "not a regular file"
      }, not an .onnx file`,
    );
  }
  if (stat.size > memoryBytes()) {
    throw new ExportError(
      `model file ${file} is ${stat.size} bytes, more than this machine's memory: not a bnn model`,
    );
  }
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(
      file,
      ortSessionOptions({ ...tuning, threads: threads ?? tuning.threads }),
    );
  } catch (e) {
    throw new ExportError(
      `${file} is not a loadable ONNX model (onnxruntime: ${ortReason(e, file)})`,
    );
  }
  const input = session.inputMetadata[0];
  const shape = input && input.isTensor ? input.shape : [];
  if (!input || !input.isTensor || input.type !== "float32" || shape.length !== 4) {
    throw new ExportError(
      `${file}: the first input must be a float32 [N, C, H, W] image tensor: current is ${
        input && input.isTensor ? `${input.type} [${shape.join(", ")}]` : "not a tensor"
      }`,
    );
  }
  const [, c, h, w] = shape;
  if (![c, h, w].every((d) => typeof d === "number" && d > 0)) {
    throw new ExportError(
      `${file}: the input's C, H, W must be fixed sizes: current shape is [${shape.join(", ")}]`,
    );
  }
  const outs = session.outputMetadata;
  const find = (name: string) => outs.find((o) => o.name === name)?.name ?? null;
  const probsName = find("probabilities");
  const first = outs[0];
  const last = first && first.isTensor ? first.shape[first.shape.length - 1] : undefined;
  return {
    session,
    inputName: input.name,
    inputShape: [c as number, h as number, w as number],
    numClasses: typeof last === "number" ? last : null,
    probsName,
    logitsName: find("logits") ?? (probsName ? null : (first?.name ?? null)),
  };
}

/**
 * Fills `out` (NCHW float32) with examples `order[start..start+n)` of `ds`, normalized through
 * a per-channel lookup table (`normalizationTable`).
 *
 * @example Usage
 * ```ts
 * import { fillNchw } from "./eval.ts";
 * import { normalizationTable } from "../train/data/normalization.ts";
 * const ds = { name: "t", images: new Uint8Array([0, 255, 255, 0]), labels: new Uint8Array([0]),
 *   count: 1, height: 1, width: 2, channels: 2, numClasses: 2 };
 * const out = fillNchw(ds, new Uint32Array([0]), 0, 1,
 *   normalizationTable({ mean: [0, 0], std: [1, 1] }), new Float32Array(4));
 * if (out.join() !== "0,1,1,0") throw new Error(out.join()); // pixels (0,255),(255,0) → c0: 0,1; c1: 1,0
 * ```
 */
export function fillNchw(
  ds: ImageDataset,
  order: Uint32Array,
  start: number,
  n: number,
  table: Float32Array,
  out: Float32Array,
): Float32Array {
  const { height: H, width: W, channels: C } = ds;
  const px = H * W;
  for (let i = 0; i < n; i++) {
    const src = order[start + i] * px * C;
    const dst = i * px * C;
    for (let p = 0; p < px; p++) {
      for (let c = 0; c < C; c++) {
        out[dst + c * px + p] = table[c * 256 + ds.images[src + p * C + c]];
      }
    }
  }
  return out;
}

/** The machine's memory in bytes (unbounded when the `sys` permission is not granted). */
function memoryBytes(): number {
  try {
    return Deno.systemMemoryInfo().total;
  } catch {
    return Infinity;
  }
}

/**
 * An output of `session.run` as float32 data of `n` values, or an ExportError naming the model:
 * a damaged model can load and still give another type or shape than it declares.
 */
function outputData(
  out: ort.InferenceSession.OnnxValueMapType,
  name: string,
  n: number,
  what: string,
): Float32Array {
  const t = out[name] as ort.Tensor | undefined;
  if (!t || t.type !== "float32" || !(t.data instanceof Float32Array) || t.data.length !== n) {
    throw new ExportError(
      `${what}: output '${name}' is ${
        t ? `${t.type} [${t.dims.join(", ")}]` : "missing"
      }, expected float32 with ${n} values`,
    );
  }
  return t.data;
}

/**
 * ONNX Runtime's error as a short line: without the "Load model from FILE failed:" prefix and
 * the C++ source location and signature, control characters (line breaks too: the names in a
 * damaged model can hold any byte) escaped, at most 200 characters.
 */
function ortReason(e: unknown, file: string): string {
  let why = String((e as Error)?.message ?? e).trim().replace(
    `Load model from ${file} failed:`,
    "",
  );
  // "/onnxruntime_src/…/model.cc:187 onnxruntime::Model::Model(…) Unsupported model IR version"
  const at = /^\/\S+:\d+ [^(]*\(/.exec(why);
  if (at) {
    let depth = 1, i = at[0].length;
    for (; i < why.length && depth > 0; i++) depth += why[i] === "(" ? 1 : why[i] === ")" ? -1 : 0;
    why = why.slice(i).trim();
  }
  return oneLine(why, 200);
}

/** Outputs of {@linkcode predictDataset}. */
export interface Predictions {
  probabilities: Float32Array;
  logits: Float32Array | null;
  labels: Uint8Array;
  numClasses: number;
  /** Seconds spent in `session.run`. */
  seconds: number;
}

/**
 * Runs a classifier over examples `order` of a dataset in batches.
 *
 * @throws {ExportError} If the dataset's image shape or class count does not fit the model.
 * @example Usage
 * ```ts ignore
 * import { openClassifier, predictDataset } from "./eval.ts";
 * const m = await openClassifier("model.onnx");
 * const p = await predictDataset(m, ds, order, { mean: [0.1307], std: [0.3081] }, 100);
 * ```
 */
export async function predictDataset(
  m: OnnxClassifier,
  ds: ImageDataset,
  order: Uint32Array,
  norm: Normalization,
  batchSize: number,
  what = "model",
): Promise<Predictions> {
  const [C, H, W] = m.inputShape;
  if (ds.channels !== C || ds.height !== H || ds.width !== W) {
    throw new ExportError(
      `${what} expects images [${C}, ${H}, ${W}] (C, H, W) but dataset ${ds.name} has [${ds.channels}, ${ds.height}, ${ds.width}]`,
    );
  }
  if (m.numClasses !== null && m.numClasses !== ds.numClasses) {
    throw new ExportError(
      `${what} has ${m.numClasses} classes but dataset ${ds.name} has ${ds.numClasses}`,
    );
  }
  if (norm.mean.length !== C) {
    throw new ExportError(
      `normalization has ${norm.mean.length} channels but ${what} expects ${C}`,
    );
  }
  const K = ds.numClasses;
  const n = order.length;
  const table = normalizationTable(norm);
  const probabilities = new Float32Array(n * K);
  const logits = m.logitsName ? new Float32Array(n * K) : null;
  const labels = new Uint8Array(n);
  const buf = new Float32Array(batchSize * C * H * W);
  let seconds = 0;
  for (let start = 0; start < n; start += batchSize) {
    const b = Math.min(batchSize, n - start);
    const x = fillNchw(ds, order, start, b, table, buf).subarray(0, b * C * H * W);
    const t0 = performance.now();
    let out: ort.InferenceSession.OnnxValueMapType;
    try {
      out = await m.session.run({ [m.inputName]: new ort.Tensor("float32", x, [b, C, H, W]) });
    } catch (e) {
      throw new ExportError(`${what} fails in onnxruntime: ${ortReason(e, what)}`);
    }
    seconds += (performance.now() - t0) / 1000;
    const z = m.logitsName ? outputData(out, m.logitsName, b * K, what) : null;
    if (z && logits) logits.set(z, start * K);
    if (m.probsName) probabilities.set(outputData(out, m.probsName, b * K, what), start * K);
    else {
      const p = Float32Array.from(z!);
      softmaxRows(p, K);
      probabilities.set(p, start * K);
    }
    for (let i = 0; i < b; i++) labels[i + start] = ds.labels[order[start + i]];
  }
  return { probabilities, logits, labels, numClasses: K, seconds };
}

/**
 * Reads `<model>.json`, the export sidecar, if there is one.
 *
 * @throws {ExportError} If the sidecar exists but is not valid JSON.
 * @example Usage
 * ```ts
 * import { readSidecar } from "./eval.ts";
 * if (await readSidecar("/nonexistent/model.onnx") !== null) throw new Error("no sidecar");
 * ```
 */
export async function readSidecar(modelPath: string): Promise<ExportSidecar | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(`${modelPath}.json`);
  } catch {
    return null;
  }
  try {
    return JSON.parse(text) as ExportSidecar;
  } catch (e) {
    throw new ExportError(`sidecar ${modelPath}.json is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * The number of test images behind the sidecar's tfjs test accuracy: the run summary's count,
 * else the config's `limit_test` (capped at the test set's size when known), else the whole
 * test set when its size is known.
 */
function recordedTestExamples(
  sidecar: ExportSidecar | null,
  testCount: number | null,
): number | null {
  if (sidecar?.tfjs_test_accuracy == null) return null;
  const summary = sidecar.run_summary;
  if (typeof summary?.test_examples === "number") return summary.test_examples;
  const limit = sidecar.config?.limit_test;
  if (typeof limit === "number" && limit > 0) {
    return testCount === null ? limit : Math.min(limit, testCount);
  }
  return testCount;
}

function range(n: number): Uint32Array {
  const a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

/**
 * Evaluates an ONNX model on a dataset split (see the module doc) and writes its
 * reliability diagram.
 *
 * @throws {ExportError} On a missing/invalid model, a model that does not fit the dataset,
 *   a missing dataset name, or a val split without the run's config.
 * @throws {DataError} If the dataset files are missing or damaged.
 * @example Usage
 * ```ts ignore
 * import { evaluateOnnx } from "./eval.ts";
 * const r = await evaluateOnnx("runs/x/model.onnx", { split: "test" });
 * console.log(r.accuracy, r.ece, r.reliability_svg);
 * ```
 */
export async function evaluateOnnx(modelPath: string, opts: EvalOptions = {}): Promise<EvalResult> {
  const split = opts.split ?? "test";
  if (split !== "test" && split !== "val") {
    throw new ExportError(
      `--split must be "test" or "val": current value is ${JSON.stringify(split)}`,
    );
  }
  const batchSize = opts.batchSize ?? 100;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new ExportError(`--batch-size must be a positive integer: current value is ${batchSize}`);
  }
  const limit = opts.limit ?? 0;
  if (!Number.isInteger(limit) || limit < 0) {
    throw new ExportError(`--limit must be a non-negative integer: current value is ${limit}`);
  }
  const model = await openClassifier(modelPath, opts.threads);
  try {
    const sidecar = await readSidecar(modelPath);
    const config = sidecar?.config ?? null;
    const name = opts.dataset ?? sidecar?.dataset ?? null;
    if (!name) {
      throw new ExportError(
        `no --dataset given and ${modelPath} has no sidecar ${
          path.basename(modelPath)
        }.json naming one`,
      );
    }
    const labelMode = config && typeof config.label_mode === "string"
      ? config.label_mode
      : undefined;
    const custom = isCustomDataset(name)
      ? await loadCustomEvalData(
        name,
        model.inputShape,
        sidecar,
        labelMode === "coarse" ? "coarse" : "fine",
      )
      : null;
    const norm = custom?.normalization ??
      (name === sidecar?.dataset ? sidecar?.normalization : null) ??
      (NORMALIZATION as Record<string, Normalization>)[name];
    if (!norm) {
      throw new ExportError(
        `dataset ${name} has no built-in normalization and the sidecar gives none`,
      );
    }
    const dataOpts = { dataDir: opts.dataDir, labels: labelMode as "fine" | "coarse" | undefined };
    let ds: ImageDataset;
    let order: Uint32Array;
    if (split === "test") {
      ds = custom?.test ?? await loadDataset(name as DatasetName, "test", dataOpts);
      order = range(ds.count);
    } else {
      if (
        !config || typeof config.validation_split !== "number" || typeof config.seed !== "number"
      ) {
        throw new ExportError(
          `--split val needs the run's config (validation_split, seed) from the sidecar ${modelPath}.json`,
        );
      }
      if (!(config.validation_split > 0)) {
        throw new ExportError(
          `the run of ${modelPath} had no validation split (validation_split = 0)`,
        );
      }
      const limitTrain = typeof config.limit_train === "number" ? config.limit_train : 0;
      ds = takeFirst(
        custom?.train ?? await loadDataset(name as DatasetName, "train", dataOpts),
        limitTrain,
      );
      const { val } = splitData(ds, config.validation_split, config.seed);
      order = (val as { indices: Uint32Array }).indices;
    }
    if (limit && limit < order.length) order = order.subarray(0, limit);
    const pred = await predictDataset(model, ds, order, norm, batchSize, modelPath);
    const metrics = classificationMetrics({
      probabilities: pred.probabilities,
      logits: pred.logits ?? undefined,
      labels: pred.labels,
      numClasses: pred.numClasses,
    });
    const svgPath = opts.svgPath ?? modelPath.replace(/\.onnx$/i, "") + `.${split}.reliability.svg`;
    if (svgPath) {
      const svg = reliabilitySvg(metrics.bins, {
        title: `${path.basename(modelPath)} on ${name} ${split}`,
        accuracy: metrics.accuracy,
        ece: metrics.ece,
        count: metrics.count,
      });
      try {
        await Deno.mkdir(path.dirname(svgPath), { recursive: true });
        await writeFileAtomic(svgPath, svg);
      } catch (e) {
        if (!(e instanceof Error && e.name in Deno.errors)) throw e;
        throw new ExportError(
          `cannot write the reliability diagram ${svgPath}: ${e.message.split("\n")[0]}`,
        );
      }
    }
    return {
      model: modelPath,
      dataset: name,
      split,
      ...metrics,
      images_per_s: pred.seconds > 0 ? metrics.count / pred.seconds : 0,
      seconds: pred.seconds,
      batch_size: batchSize,
      reliability_svg: svgPath || null,
      tfjs_test_accuracy: sidecar?.tfjs_test_accuracy ?? null,
      temperature: sidecar?.calibration?.temperature ?? null,
      tfjs_test_examples: recordedTestExamples(sidecar, split === "test" ? ds.count : null),
      class_names: custom?.classes ?? null,
      same_files: custom?.sameFiles ?? null,
    };
  } finally {
    await model.session.release();
  }
}

/** Options of {@linkcode benchEval}. */
export interface BenchEvalOptions {
  batchSize?: number;
  /** Timed batches (default 5). */
  batches?: number;
  /** Untimed warm-up batches (default 1). */
  warmup?: number;
  /** ORT intra-op threads (default: the machine's logical CPUs). */
  threads?: number;
  /** ORT session options to measure (default: bnn's, `ortSessionOptions`). */
  tuning?: OrtTuning;
}

/**
 * Inference throughput of an ONNX classifier in images per second: random normalized
 * inputs of the model's shape, `warmup` untimed batches, then `batches` timed `session.run`
 * calls: batches·batchSize / elapsed seconds. For `bench/main.ts`.
 *
 * @example Usage
 * ```ts ignore
 * import { benchEval } from "./eval.ts";
 * const ips = await benchEval("runs/x/model.onnx", { batchSize: 100, batches: 5 });
 * console.log(`${ips.toFixed(0)} images/s`);
 * ```
 */
export async function benchEval(modelPath: string, opts: BenchEvalOptions = {}): Promise<number> {
  const batchSize = opts.batchSize ?? 100;
  const batches = opts.batches ?? 5;
  const warmup = opts.warmup ?? 1;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be ≥ 1: current value is ${batchSize}`);
  }
  if (!Number.isInteger(batches) || batches < 1) {
    throw new RangeError(`batches must be ≥ 1: current value is ${batches}`);
  }
  const m = await openClassifier(modelPath, opts.threads, opts.tuning);
  try {
    const [C, H, W] = m.inputShape;
    const x = new Float32Array(batchSize * C * H * W);
    const rng = new Rng(0, "bench-eval-input");
    for (let i = 0; i < x.length; i++) x[i] = rng.uniform() * 4 - 2;
    const feeds = { [m.inputName]: new ort.Tensor("float32", x, [batchSize, C, H, W]) };
    for (let i = 0; i < warmup; i++) await m.session.run(feeds);
    const t0 = performance.now();
    for (let i = 0; i < batches; i++) await m.session.run(feeds);
    return (batches * batchSize) / ((performance.now() - t0) / 1000);
  } finally {
    await m.session.release();
  }
}
