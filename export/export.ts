/**
 * `bnn export`: freezes a trained run into a standard ONNX model (see
 * {@linkcode ./onnx/graph.ts} for the graph) plus a JSON sidecar of its provenance.
 *
 * Source: a checkpoint file, or a run directory, whose `checkpoints/best.ckpt` (the
 * paper's protocol: the epoch of best validation accuracy) is used, else
 * `checkpoints/last.ckpt`. The network and optimizer are rebuilt from the
 * checkpoint's config and spec and restored with the trainer's `Model.restore`, so
 * the exported bits are exactly the optimizer's `modeWeights()` (or, with
 * `samples: K`, K draws of `sampleWeights(rng)` from `new Rng(seed, "export-samples")`).
 *
 * Output (default `<run dir>/model.onnx`, or `model_samples<K>.onnx`, `_int8` and `_calibrated`
 * before `.onnx` with `deploy` ({@linkcode ./deploy.ts}); beside the
 * checkpoint when it is not in a run's `checkpoints/` folder) and its sidecar
 * `<output>.json` are written atomically and together (temp files + renames, the sidecar
 * last): a killed export leaves the previous pair, the new pair or a model without a
 * sidecar. A full disk or a folder that cannot be written ends it with one line
 * (`cannot write OUT: no space left on device`) and leaves the previous files as they were.
 * @module
 */
import path from "node:path";
import { type Checkpoint, loadCheckpoint, writeTempFile } from "../train/checkpoint.ts";
import { removeDeadTemps } from "../train/temp_files.ts";
import { writeError } from "../train/write_error.ts";
import { buildSpec, type BuildSpecOptions } from "../train/models/architectures.ts";
import type { ModelSpec } from "../train/models/spec.ts";
import type { OptimizerOptions } from "../train/optimizers/create_optimizer.ts";
import { Rng } from "../train/random.ts";
import { isOptimizerKind, OPTIMIZER_KINDS } from "../train/optimizers/optimizer_kind.ts";
import type { CheckpointMeta, Model } from "../train/trainer.ts";
import { NORMALIZATION, type Normalization } from "../train/data/normalization.ts";
import { isDatasetRecord } from "../train/data/run_data.ts";
import { ExportError } from "./export_error.ts";
import { exportTotals, formatExportSummary } from "./export_summary.ts";
import { batchNormsFromState, freezeWeights } from "./freeze.ts";
import {
  buildOnnxModel,
  type BuildOptions,
  type FrozenNet,
  IR_VERSION,
  OPSET_VERSION,
  type WeightFormat,
} from "./onnx/graph.ts";
import { encodeModel } from "./onnx/proto.ts";
import type { ExportSidecar } from "./sidecar.ts";
import { checkDeployOptions, type DeployedModel, type DeployOptions } from "./deploy_options.ts";
import { RUN_FILES, runPaths } from "../train/run_folder.ts";
import { modelOfRun, restoreRunModel } from "../train/run_model.ts";

/** Options of {@linkcode exportModel}. */
export interface ExportOptions {
  /** Output path (default: see the module doc). */
  out?: string;
  /** `packed` (1 bit per weight, default) or `float` (float32 ±1). */
  weights?: WeightFormat;
  /** 0 (default): the mode / sign; K ≥ 1: K posterior samples averaged in the graph. */
  samples?: number;
  /** Seed of the sampling stream (default: the run's seed). */
  seed?: number;
  /**
   * `int8`, `calibrate` and their settings ({@linkcode ./deploy.ts}); either one makes the
   * default file name `model[_samples<K>][_int8][_calibrated].onnx`. Neither: the plain float
   * export, byte for byte.
   */
  deploy?: DeployOptions;
}

/** What {@linkcode exportModel} wrote. */
export interface ExportResult {
  path: string;
  sidecarPath: string;
  sidecar: ExportSidecar;
  /** The printed summary table. */
  summary: string;
}

/** A checkpoint resolved from a CLI argument. */
export interface ResolvedCheckpoint {
  checkpointPath: string;
  /** The run folder, when the checkpoint is `<run>/checkpoints/*.ckpt`. */
  runDir: string | null;
}

/**
 * Resolves `RUN_DIR_OR_CHECKPOINT`: a file is the checkpoint; a directory must hold
 * `checkpoints/best.ckpt` or `checkpoints/last.ckpt` (or `best.ckpt`/`last.ckpt` itself).
 *
 * @throws {ExportError} If the path does not exist or a directory has no checkpoint.
 * @example Usage
 * ```ts
 * import { resolveCheckpoint } from "./export.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/checkpoints`);
 * await Deno.writeFile(`${dir}/checkpoints/last.ckpt`, new Uint8Array(1));
 * const r = await resolveCheckpoint(dir);
 * if (r.runDir !== dir) throw new Error(String(r.runDir));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function resolveCheckpoint(arg: string): Promise<ResolvedCheckpoint> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(arg);
  } catch {
    throw new ExportError(
      `${arg} does not exist (expected a run directory or a .ckpt checkpoint file)`,
    );
  }
  if (info.isFile) {
    const dir = path.dirname(path.resolve(arg));
    return {
      checkpointPath: arg,
      runDir: path.basename(dir) === RUN_FILES.checkpoints ? path.dirname(dir) : null,
    };
  }
  const { checkpoints, bestCheckpoint: best, lastCheckpoint: last } = RUN_FILES;
  const candidates = [[checkpoints, best], [checkpoints, last], [best], [last]];
  for (const parts of candidates) {
    const p = path.join(arg, ...parts);
    try {
      if ((await Deno.stat(p)).isFile) {
        return { checkpointPath: p, runDir: parts.length === 2 ? arg : null };
      }
    } catch { /* try the next one */ }
  }
  throw new ExportError(
    `run directory ${arg} has no checkpoint (looked for checkpoints/best.ckpt, checkpoints/last.ckpt, best.ckpt, last.ckpt)`,
  );
}

/** A restored run: its network (BN state), optimizer and metadata. */
export interface LoadedRun {
  checkpointPath: string;
  runDir: string | null;
  config: Record<string, unknown>;
  spec: ModelSpec;
  model: Model;
  meta: CheckpointMeta;
}

function isSpec(x: unknown): x is ModelSpec {
  const s = x as ModelSpec;
  return typeof s === "object" && s !== null && Array.isArray(s.layers) &&
    Array.isArray(s.inputShape) &&
    typeof s.numClasses === "number";
}

/**
 * Loads a checkpoint and restores its network and optimizer (see the module doc).
 *
 * @throws {CheckpointError} From the checkpoint reader: missing, torn, corrupt, unknown version.
 * @throws {ExportError} If the checkpoint lacks a config or its state does not fit.
 * @example Usage
 * ```ts ignore
 * import { loadRun } from "./export.ts";
 * const run = await loadRun({ checkpointPath: "runs/x/checkpoints/best.ckpt", runDir: "runs/x" });
 * run.model.net.dispose();
 * ```
 */
export async function loadRun(where: ResolvedCheckpoint): Promise<LoadedRun> {
  const file = where.checkpointPath;
  const ckpt: Checkpoint<CheckpointMeta> = await loadCheckpoint<CheckpointMeta>(file);
  const meta = ckpt.meta;
  const config = meta.config as Record<string, unknown> | undefined;
  if (typeof config !== "object" || config === null) {
    throw new ExportError(
      `checkpoint ${file} has no config in its metadata (not written by bnn train?)`,
    );
  }
  const kind = config.optimizer;
  if (!isOptimizerKind(kind)) {
    throw new ExportError(
      `checkpoint ${file} has config.optimizer ${JSON.stringify(kind)}; expected ${
        OPTIMIZER_KINDS.map((k) => JSON.stringify(k)).join(" or ")
      }`,
    );
  }
  let spec: ModelSpec;
  try {
    spec = isSpec(meta.spec) ? meta.spec : buildSpec(config as unknown as BuildSpecOptions);
  } catch (e) {
    throw new ExportError(
      `checkpoint ${file}: cannot rebuild the model spec: ${(e as Error).message}`,
    );
  }
  const seed = typeof config.seed === "number" ? config.seed : 0;
  let model: Model;
  try {
    // N only scales further BayesBiNN steps, which an export does not take
    model = modelOfRun({ ...(config as OptimizerOptions), optimizer: kind, seed }, spec, 1);
  } catch (e) {
    throw new ExportError(
      `checkpoint ${file}: cannot rebuild its optimizer: ${(e as Error).message}`,
    );
  }
  try {
    restoreRunModel(model, ckpt, file);
  } catch (e) {
    model.net.dispose();
    model.optimizer.dispose();
    throw e;
  }
  return { checkpointPath: file, runDir: where.runDir, config, spec, model, meta };
}

async function readJson(file: string): Promise<Record<string, unknown> | null> {
  try {
    return JSON.parse(await Deno.readTextFile(file));
  } catch {
    return null;
  }
}

/**
 * Replaces `out` and its sidecar together: both are written to temp files first (fsynced), then
 * the old sidecar is removed, `out` renamed into place, and the new sidecar last. A process killed
 * at any moment leaves the old pair, the new pair, or a model without a sidecar — never a model
 * with the sidecar of another export, nor a torn file. Temp files of killed exports are removed
 * first (see train/temp_files.ts).
 */
async function writeModelAndSidecar(
  out: string,
  model: Uint8Array,
  sidecarPath: string,
  sidecar: string,
): Promise<void> {
  const dir = path.dirname(out);
  try {
    await Deno.mkdir(dir, { recursive: true });
  } catch (e) {
    throw writeError(out, e) ?? e;
  }
  for (const f of [out, sidecarPath]) await removeDeadTemps(dir, path.basename(f));
  const temps: string[] = [];
  try {
    temps.push(await writeTempFile(out, model));
    temps.push(await writeTempFile(sidecarPath, sidecar));
    await Deno.remove(sidecarPath).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw writeError(sidecarPath, e) ?? e;
    });
    await Deno.rename(temps[0]!, out).catch((e) => {
      throw writeError(out, e) ?? e;
    });
    await Deno.rename(temps[1]!, sidecarPath).catch((e) => {
      throw writeError(sidecarPath, e) ?? e;
    });
  } finally {
    for (const t of temps) await Deno.remove(t).catch(() => {});
  }
}

/**
 * Builds, encodes and atomically writes the ONNX model of a frozen network and its sidecar.
 *
 * @param net The frozen network.
 * @param out The output path; the sidecar is `<out>.json`.
 * @param info Sidecar fields that describe where the network came from.
 * @example Usage
 * ```ts
 * import { writeOnnxExport } from "./export.ts";
 * const dir = await Deno.makeTempDir();
 * const r = await writeOnnxExport({
 *   spec: { architecture: "tiny", inputShape: [1, 1, 2], numClasses: 2,
 *     layers: [{ type: "flatten" }, { type: "dense", inputs: 2, units: 2 }] },
 *   weightSets: [[new Float32Array([1, -1, -1, 1])]], batchNorms: [],
 * }, `${dir}/m.onnx`);
 * if (r.sidecar.summary.binary !== 4) throw new Error("4 binary weights");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeOnnxExport(
  net: FrozenNet,
  out: string,
  info: Partial<Omit<ExportSidecar, "summary" | "onnx" | "spec">> & {
    weightsFormat?: WeightFormat;
    /** Builds the model instead of `buildOnnxModel` (`--int8`, `--calibrate`). */
    deploy?: (net: FrozenNet, build: BuildOptions) => Promise<DeployedModel>;
  } = {},
): Promise<ExportResult> {
  const format = info.weightsFormat ?? "packed";
  const K = net.weightSets.length;
  const sampled = info.weights?.source === "samples";
  const [H, W, C] = net.spec.inputShape;
  const norm = info.normalization ?? null;
  const inputDescription = `normalized image batch, float32 NCHW [N, ${C}, ${H}, ${W}]: ` +
    `x[n,c,h,w] = (pixel/255 - mean[c]) / std[c]` +
    (norm ? ` with mean ${JSON.stringify(norm.mean)}, std ${JSON.stringify(norm.std)}` : "");
  const buildOptions: BuildOptions = {
    weights: format,
    docString: `bnn binary network ${net.spec.architecture}; input 'image': ${inputDescription}`,
    metadata: {
      architecture: net.spec.architecture,
      dataset: info.dataset ?? "",
      normalization: norm ? JSON.stringify(norm) : "",
      input_layout: "NCHW",
      weights: format,
      weight_sets: String(K),
      ...(info.dataset_record ? { class_names: JSON.stringify(info.dataset_record.classes) } : {}),
    },
  };
  const built: DeployedModel = info.deploy
    ? await info.deploy(net, buildOptions)
    : buildOnnxModel(net, buildOptions);
  const { model, layers, quantization, calibration } = built;
  const bytes = encodeModel(model);
  const sidecar: ExportSidecar = {
    format: "bnn-onnx-sidecar",
    version: 1,
    created: new Date().toISOString(),
    producer: { name: "bnn", version: "0.1.0" },
    onnx: {
      opset: OPSET_VERSION,
      ir_version: IR_VERSION,
      file: path.basename(out),
      bytes: bytes.length,
    },
    architecture: net.spec.architecture,
    dataset: info.dataset ?? null,
    normalization: norm,
    dataset_record: info.dataset_record ?? null,
    input: {
      name: "image",
      layout: "NCHW",
      dtype: "float32",
      shape: ["N", C, H, W],
      description: inputDescription,
    },
    outputs: [
      {
        name: "logits",
        shape: ["N", net.spec.numClasses],
        description: sampled || K > 1
          ? `log of the predictive probability averaged over ${K} posterior samples`
          : "class logits",
      },
      {
        name: "probabilities",
        shape: ["N", net.spec.numClasses],
        description: sampled || K > 1
          ? `mean of the ${K} samples' softmax (paper eq. 18)`
          : "softmax of the logits",
      },
    ],
    weights: info.weights ?? { format, source: "mode", samples: K > 1 ? K : 0, seed: null },
    run_dir: info.run_dir ?? null,
    checkpoint: info.checkpoint ?? null,
    tfjs_test_accuracy: info.tfjs_test_accuracy ?? null,
    run_summary: info.run_summary ?? null,
    config: info.config ?? null,
    spec: net.spec,
    ...(quantization ? { quantization } : {}),
    ...(calibration ? { calibration } : {}),
    summary: { layers, ...exportTotals(layers, bytes.length) },
  };
  sidecar.weights.format = format;
  const sidecarPath = `${out}.json`;
  try {
    await writeModelAndSidecar(out, bytes, sidecarPath, JSON.stringify(sidecar, null, 2) + "\n");
  } catch (e) {
    const w = writeError(out, e);
    if (w === null) throw e;
    throw new ExportError(w.message, { cause: e });
  }
  return {
    path: out,
    sidecarPath,
    sidecar,
    summary: formatExportSummary(layers, bytes.length, format),
  };
}

/**
 * Exports a run directory or checkpoint to ONNX (see the module doc).
 *
 * @param source A run directory or a checkpoint file.
 * @throws {ExportError} If the source has no checkpoint or does not fit its model.
 * @throws {CheckpointError} If the checkpoint is missing, torn, corrupt or of unknown version.
 * @example Usage
 * ```ts ignore
 * import { exportModel } from "./export.ts";
 * const r = await exportModel("runs/mnist_bayesbinn", { weights: "packed" });
 * console.log(r.summary);
 * ```
 */
export async function exportModel(source: string, opts: ExportOptions = {}): Promise<ExportResult> {
  const format = opts.weights ?? "packed";
  if (format !== "packed" && format !== "float") {
    throw new ExportError(
      `--weights must be "packed" or "float": current value is ${JSON.stringify(format)}`,
    );
  }
  const samples = opts.samples ?? 0;
  if (!Number.isInteger(samples) || samples < 0) {
    throw new ExportError(`--samples must be a non-negative integer: current value is ${samples}`);
  }
  const where = await resolveCheckpoint(source);
  const run = await loadRun(where);
  try {
    const config = run.config;
    if (samples > 0 && run.model.optimizer.kind !== "bayesbinn") {
      throw new ExportError(
        `--samples ${samples} needs a BayesBiNN run: ${run.checkpointPath} was trained with ${run.model.optimizer.kind}, whose weights are deterministic`,
      );
    }
    const seed = opts.seed ?? (typeof config.seed === "number" ? config.seed : 0);
    const deploy = opts.deploy?.int8 || opts.deploy?.calibrate ? opts.deploy : undefined;
    if (opts.deploy) checkDeployOptions(run.spec, opts.deploy);
    const weightSets = freezeWeights(run.model.optimizer, {
      samples,
      rng: new Rng(seed, "export-samples"),
    });
    const frozen: FrozenNet = {
      spec: run.spec,
      weightSets,
      batchNorms: batchNormsFromState(run.spec, run.model.net.getState()),
    };
    const dataset = typeof config.dataset === "string" ? config.dataset : null;
    // a custom dataset: the normalization of its training split, its classes and checksums
    const record = isDatasetRecord(run.meta.dataset_record) ? run.meta.dataset_record : null;
    const norm = record?.normalization ??
      (dataset && dataset in NORMALIZATION
        ? (NORMALIZATION as Record<string, Normalization>)[dataset]
        : null);
    const baseDir = run.runDir ?? path.dirname(run.checkpointPath);
    const plainName = samples ? `model_samples${samples}.onnx` : RUN_FILES.model;
    const suffix = `${deploy?.int8 ? "_int8" : ""}${deploy?.calibrate ? "_calibrated" : ""}`;
    const out = opts.out ?? path.join(baseDir, plainName.replace(/\.onnx$/, `${suffix}.onnx`));
    const history = run.meta.training.history ?? [];
    const last = history.length ? history[history.length - 1] : null;
    const runSummary = run.runDir ? await readJson(runPaths(run.runDir).summary) : null;
    return await writeOnnxExport(frozen, out, {
      weightsFormat: format,
      dataset,
      normalization: norm ? { mean: [...norm.mean], std: [...norm.std] } : null,
      dataset_record: record,
      weights: {
        format,
        source: samples ? "samples" : "mode",
        samples,
        seed: samples ? seed : null,
      },
      run_dir: run.runDir,
      checkpoint: {
        path: run.checkpointPath,
        epochs_done: history.length,
        best_epoch: run.meta.training.bestEpoch ?? null,
      },
      tfjs_test_accuracy: last?.test_acc ?? null,
      run_summary: runSummary,
      config,
      deploy: deploy && (async (net, build) => {
        if (!norm) {
          throw new ExportError(
            `--int8 and --calibrate need the dataset's normalization: the run's dataset ${
              JSON.stringify(dataset)
            } has none built in`,
          );
        }
        const batchSize = typeof config.batch_size === "number" ? config.batch_size : 100;
        // loaded here: ONNX Runtime and the datasets are needed by --int8/--calibrate alone
        const { buildDeployed } = await import("./deploy.ts");
        return await buildDeployed(net, build, { config, norm, seed, batchSize }, deploy);
      }),
    });
  } finally {
    run.model.optimizer.dispose();
    run.model.net.dispose();
  }
}
