/**
 * The model `serve` gives the page, and what the page needs to know about it (`/model.json`):
 * dataset, class names, normalization, input geometry, output names and, for a `--samples K`
 * export, the K per-sample outputs — all read from the exported files, none known to the page.
 *
 * Sources, in order: the export's sidecar `MODEL.onnx.json` (read with `export/eval.ts`'s
 * `readSidecar`: dataset, normalization, CIFAR-100 label mode, sample count, recorded test
 * accuracy), else the ONNX file's own `metadata_props` (`dataset`, `normalization` as JSON,
 * `weight_sets`); the input geometry and the class count always come from the graph itself.
 * Class names: those the export recorded (a custom dataset's), else the built-in dataset's
 * ({@linkcode classNames}).
 *
 * A file that is not ONNX at all is a bad input (a {@linkcode ServeError}). A valid ONNX model
 * that is not a bnn export — no sidecar and no bnn metadata, an input other than a float32
 * `[N, C, H, W]` image, no `probabilities` output — is still served, with `problem` saying why
 * the page cannot run it; the page and the console show that line.
 * @module
 */
import path from "node:path";
import { readSidecar } from "../export/eval.ts";
import type { ExportSidecar } from "../export/sidecar.ts";
import { RUN_FILES } from "../train/run_folder.ts";
import { classNames } from "./class_names.ts";
import { type OnnxFacts, readOnnxFacts } from "./onnx_reader.ts";
import { withOutputs } from "./sample_outputs.ts";
import { ServeError } from "./serve_error.ts";

/** What the page reads from `/model.json`. */
export interface PageModelInfo {
  /** The model file's name. */
  file: string;
  /** Its size in bytes. */
  bytes: number;
  architecture: string | null;
  dataset: string | null;
  /** CIFAR-100's label kind (`fine` or `coarse`); `fine` for the others. */
  labelMode: "fine" | "coarse";
  /** One name per class, in output order. */
  classNames: string[];
  /** x = (pixel/255 − mean[c]) / std[c]. */
  normalization: { mean: number[]; std: number[] } | null;
  /** The image input: name and `[C, H, W]`. */
  input: { name: string; channels: number; height: number; width: number } | null;
  /** The per-sample probability outputs of a `--samples K` export (K names), else []. */
  sampleOutputs: string[];
  /** `packed` or `float` when known. */
  weights: string | null;
  /** The tfjs test accuracy the run recorded (a fraction), when the sidecar has it. */
  testAccuracy: number | null;
  /** Where the metadata came from. */
  metadataFrom: "sidecar" | "onnx" | null;
  /** Why the page cannot run this model, or null when it can. */
  problem: string | null;
}

/** The model bytes the server sends (with the per-sample outputs added) and its description. */
export interface ServedModel {
  /** The model file's path. */
  path: string;
  /** What `/model.onnx` sends. */
  bytes: Uint8Array;
  info: PageModelInfo;
}

/**
 * `RUN_DIR|MODEL.onnx` → the model file: a folder means its `model.onnx` (export's default).
 *
 * @throws {ServeError} If the path does not exist or the folder has no `model.onnx`.
 */
async function modelPath(arg: string): Promise<string> {
  const stat = await Deno.stat(arg).catch(() => null);
  if (stat === null) {
    throw new ServeError(`${arg} does not exist (expected a run folder or an .onnx file)`);
  }
  if (stat.isFile) return arg;
  const file = path.join(arg, RUN_FILES.model);
  if ((await Deno.stat(file).catch(() => null))?.isFile) return file;
  const others: string[] = [];
  for await (const e of Deno.readDir(arg)) {
    if (e.isFile && e.name.endsWith(".onnx")) others.push(e.name);
  }
  throw new ServeError(
    `run folder ${arg} has no ${RUN_FILES.model}` +
      (others.length
        ? ` (it has ${others.sort().join(", ")}: give the file itself)`
        : ` (export it first: deno task export ${arg})`),
  );
}

/** The normalization in an ONNX `normalization` metadata value, or null if it is not one. */
function parseNormalization(text: string | undefined): PageModelInfo["normalization"] {
  if (!text) return null;
  try {
    const n = JSON.parse(text);
    const ok = (a: unknown) => Array.isArray(a) && a.length > 0 && a.every(Number.isFinite);
    return ok(n?.mean) && ok(n?.std) && n.mean.length === n.std.length ? n : null;
  } catch {
    return null;
  }
}

/** The page's view of an image input. */
type ImageInput = NonNullable<PageModelInfo["input"]>;

/** The image input `[C, H, W]`, or the reason the graph's first input is not one. */
function imageInput(facts: OnnxFacts): ImageInput | string {
  const input = facts.inputs[0];
  const shape = input?.shape ?? [];
  const [, c, h, w] = shape;
  if (!input || input.elemType !== 1 || shape.length !== 4) {
    return `its first input must be a float32 [N, C, H, W] image: current is ${
      input ? `[${shape.join(", ")}] of element type ${input.elemType}` : "none"
    }`;
  }
  if (![c, h, w].every((d) => typeof d === "number" && d > 0)) {
    return `its input's C, H, W must be fixed sizes: current shape is [${shape.join(", ")}]`;
  }
  return { name: input.name, channels: c as number, height: h as number, width: w as number };
}

/**
 * Class names an export records itself (a custom dataset's: the sidecar's
 * `dataset_record.classes`, or `class_names` as JSON in the metadata_props), if any.
 */
function recordedClassNames(facts: OnnxFacts, sidecar: ExportSidecar | null): string[] | null {
  const fromSidecar = (sidecar as { dataset_record?: { classes?: unknown } } | null)
    ?.dataset_record?.classes;
  let names: unknown = fromSidecar;
  if (names === undefined && facts.metadata.class_names) {
    try {
      names = JSON.parse(facts.metadata.class_names);
    } catch { /* not JSON: the dataset's names, if any */ }
  }
  return Array.isArray(names) && names.every((n) => typeof n === "string") ? names : null;
}

/** The metadata of a bnn export, from its sidecar or else its metadata_props. */
function exportMetadata(facts: OnnxFacts, sidecar: ExportSidecar | null) {
  if (sidecar?.format === "bnn-onnx-sidecar") {
    const labelMode = sidecar.config?.label_mode;
    return {
      from: "sidecar" as const,
      dataset: sidecar.dataset,
      normalization: sidecar.normalization
        ? { mean: [...sidecar.normalization.mean], std: [...sidecar.normalization.std] }
        : null,
      labelMode: labelMode === "coarse" ? "coarse" as const : "fine" as const,
      architecture: sidecar.architecture ?? null,
      weights: sidecar.weights?.format ?? null,
      testAccuracy: sidecar.tfjs_test_accuracy ?? null,
    };
  }
  const m = facts.metadata;
  if (!m.dataset && !m.normalization) return null;
  return {
    from: "onnx" as const,
    dataset: m.dataset || null,
    normalization: parseNormalization(m.normalization),
    labelMode: "fine" as const,
    architecture: m.architecture || null,
    weights: m.weights || null,
    testAccuracy: null,
  };
}

/** Why the page cannot run the model, or null. */
function problemOf(
  file: string,
  meta: ReturnType<typeof exportMetadata>,
  input: ImageInput | string,
  classes: number | null,
): string | null {
  const name = path.basename(file);
  if (meta === null) {
    return `${name} is not a bnn export: it has no sidecar ${name}.json and no bnn metadata ` +
      `(dataset, normalization) in its metadata_props; export a run with deno task export RUN_DIR`;
  }
  if (typeof input === "string") return `${name} cannot run here: ${input}`;
  if (classes === null) {
    return `${name} cannot run here: it has no float32 [N, classes] output named probabilities`;
  }
  const norm = meta.normalization;
  if (norm === null || norm.mean.length !== input.channels) {
    return `${name} cannot run here: its metadata gives ${
      norm ? `a normalization of ${norm.mean.length} channels` : "no normalization"
    } for an input of ${input.channels} channels`;
  }
  return null;
}

/**
 * Reads a model for `serve` (see the module doc).
 *
 * @param arg A run folder (its `model.onnx`) or an `.onnx` file.
 * @returns The bytes to serve and the page's description of the model.
 * @throws {ServeError} If the path does not exist, a folder has no model.onnx, or the file is not
 *   an ONNX model.
 * @throws {ExportError} If the sidecar exists but is not valid JSON.
 * @example Usage
 * ```ts
 * import { writeOnnxExport } from "../export/export.ts";
 * import { loadServedModel } from "./model_info.ts";
 * const dir = await Deno.makeTempDir();
 * await writeOnnxExport({
 *   spec: { architecture: "tiny", inputShape: [1, 2, 1], numClasses: 2,
 *     layers: [{ type: "flatten" }, { type: "dense", inputs: 2, units: 2 }] },
 *   weightSets: [[new Float32Array([1, -1, -1, 1])]], batchNorms: [],
 * }, `${dir}/model.onnx`, { dataset: "mnist", normalization: { mean: [0.5], std: [0.5] } });
 * const { info } = await loadServedModel(dir);
 * if (info.problem !== null || info.classNames.join() !== "class 0,class 1") throw new Error();
 * if (info.input?.height !== 1 || info.input.width !== 2) throw new Error();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadServedModel(arg: string): Promise<ServedModel> {
  const file = await modelPath(arg);
  const bytes = await Deno.readFile(file);
  let facts: OnnxFacts;
  try {
    facts = readOnnxFacts(bytes);
  } catch (e) {
    throw new ServeError(`${file} is not an ONNX model (${(e as Error).message})`);
  }
  const sidecar = await readSidecar(file);
  const meta = exportMetadata(facts, sidecar);
  const input = imageInput(facts);
  const probs = facts.outputs.find((o) => o.name === "probabilities");
  const last = probs?.shape[probs.shape.length - 1];
  const classes = probs?.elemType === 1 && typeof last === "number" && last > 0 ? last : null;
  const problem = problemOf(file, meta, input, classes);
  const samples = problem === null ? facts.sampleProbabilities : [];
  const recorded = recordedClassNames(facts, sidecar);
  return {
    path: file,
    bytes: withOutputs(bytes, samples, classes ?? 0),
    info: {
      file: path.basename(file),
      bytes: bytes.length,
      architecture: meta?.architecture ?? null,
      dataset: meta?.dataset ?? null,
      labelMode: meta?.labelMode ?? "fine",
      classNames: recorded?.length === classes
        ? recorded
        : classNames(meta?.dataset ?? null, classes ?? 0, meta?.labelMode),
      normalization: meta?.normalization ?? null,
      input: typeof input === "string" ? null : input,
      sampleOutputs: samples,
      weights: meta?.weights ?? null,
      testAccuracy: meta?.testAccuracy ?? null,
      metadataFrom: meta?.from ?? null,
      problem,
    },
  };
}
