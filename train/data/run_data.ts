/**
 * The data of a training run, whatever the `dataset` value (./dataset_ref.ts): the train and
 * test splits (each cut to `limit_train` / `limit_test`), and for a custom set its record —
 * what the run, its summary, the export's sidecar and eval say about the data:
 *
 * - `name`: the folder's base name; `dataset`: the config value (absolute path);
 * - `classes`: the class names in label order (a folder's sub-folder names; `"0"`, `"1"`, … for
 *   IDX and CIFAR labels);
 * - `normalization`: per-channel mean and std of the training split (after `limit_train`,
 *   before the validation split), see `computeNormalization`;
 * - per split: the image count, the checksum of its files, the stray files skipped.
 *
 * A built-in dataset loads exactly as before (`loadDataset`, published normalization) and has
 * no record, so its runs stay bit-identical.
 *
 * The last load is kept for the process, so resolving a config against the data and then
 * training on it reads the files once.
 *
 * @module
 */

import path from "node:path";
import type { ImageDataset } from "./dataset.ts";
import { absoluteDatasetValue, datasetLabel, parseDatasetRef } from "./dataset_ref.ts";
import { DataError } from "./data_error.ts";
import { cacheDir } from "./data_dir.ts";
import type { DatasetName, LabelMode, Split } from "./datasets.ts";
import { loadDataset } from "./load_dataset.ts";
import { loadImageFolder } from "./load_image_folder.ts";
import { loadCustomBinary } from "./load_custom_binary.ts";
import { computeNormalization, type Normalization } from "./normalization.ts";
import { takeFirst } from "./take_first.ts";

/** What is recorded about one split of a custom dataset. */
export interface SplitRecord {
  /** Images in the split (before any limit). */
  images: number;
  /** SHA-256 over the split's file names and contents (see `splitChecksum`). */
  sha256: string;
  /** Stray non-image files skipped (image folders). */
  skipped: number;
}

/** What a run records about its custom dataset (see the module doc). */
export interface DatasetRecord {
  name: string;
  dataset: string;
  classes: string[];
  image_shape: [number, number, number];
  normalization: Normalization;
  train: SplitRecord;
  test: SplitRecord;
}

/** The config keys the data depends on. */
export interface RunDataConfig {
  dataset: string;
  label_mode: LabelMode;
  limit_train: number;
  limit_test: number;
}

/** Options of {@linkcode loadRunData}. */
export interface RunDataOptions {
  /** Built-in datasets: where their files are (see `loadDataset`). */
  dataDir?: string;
  /** The cache folder (default: see `cacheDir`). */
  cacheDir?: string;
  /** `folder:` and `cifar:` sets: the side of the images. */
  size?: number;
  /** `folder:` sets: 1 (grey) or 3 (RGB). */
  channels?: 1 | 3;
  /** Where progress and warnings go (default: nowhere). */
  log?: { err: (s: string) => void; tty: boolean };
}

/** The data of a run. */
export interface RunData {
  train: ImageDataset;
  test: ImageDataset;
  /** Null for a built-in dataset. */
  record: DatasetRecord | null;
}

let last: { key: string; data: Promise<RunData> } | null = null;

/**
 * Loads a run's data (see the module doc).
 *
 * @param config The dataset, label mode and limits.
 * @param options Where built-in files are, the cache, a custom set's image size and channels.
 * @returns The splits and, for a custom set, its record.
 * @throws {DataError} On a missing or bad file or folder.
 *
 * @example Usage
 * ```ts
 * import { loadRunData } from "./run_data.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeFile(`${dir}/data_batch_1.bin`, new Uint8Array([0, 10, 10, 10, 1, 30, 30, 30]));
 * await Deno.writeFile(`${dir}/test_batch.bin`, new Uint8Array([1, 0, 0, 0]));
 * const cfg = { dataset: `cifar:${dir}`, label_mode: "fine", limit_train: 0, limit_test: 0 } as const;
 * const { record } = await loadRunData(cfg, { size: 1 });
 * await Deno.remove(dir, { recursive: true });
 * if (record?.classes.join() !== "0,1" || Math.abs(record.normalization.mean[0] - 20 / 255) > 1e-12) {
 *   throw new Error(JSON.stringify(record));
 * }
 * ```
 */
export function loadRunData(config: RunDataConfig, options: RunDataOptions = {}): Promise<RunData> {
  const { dataset, label_mode, limit_train, limit_test } = config;
  const { dataDir, size, channels } = options;
  const key = JSON.stringify([
    [dataset, label_mode, limit_train, limit_test],
    [dataDir, size, channels, cacheDir(options)],
  ]);
  if (last?.key !== key) {
    const data = load(config, options);
    last = { key, data };
    data.catch(() => {
      if (last?.data === data) last = null;
    });
  }
  return last!.data;
}

async function load(config: RunDataConfig, options: RunDataOptions): Promise<RunData> {
  const ref = parseDatasetRef(config.dataset);
  if (typeof ref === "string") throw new RangeError(`dataset ${config.dataset} ${ref}`);
  if (ref.kind === "builtin") {
    const opts = {
      dataDir: options.dataDir,
      cacheDir: options.cacheDir,
      labels: config.label_mode,
    };
    const name: DatasetName = ref.name;
    return {
      train: takeFirst(await loadDataset(name, "train", opts), config.limit_train),
      test: takeFirst(await loadDataset(name, "test", opts), config.limit_test),
      record: null,
    };
  }
  const splits = ref.kind === "folder"
    ? await loadFolder(ref.path, options)
    : await loadBinary(ref.kind, ref.path, config.label_mode, options);
  const train = takeFirst(splits.train.dataset, config.limit_train);
  const test = takeFirst(splits.test.dataset, config.limit_test);
  const { height, width, channels } = train;
  const record: DatasetRecord = {
    name: datasetLabel(config.dataset),
    dataset: absoluteDatasetValue(config.dataset),
    classes: splits.classes,
    image_shape: [height, width, channels],
    normalization: computeNormalization(train),
    train: splits.train.record,
    test: splits.test.record,
  };
  return { train, test, record };
}

/** The two splits of a custom set and its class names. */
interface CustomSplits {
  train: { dataset: ImageDataset; record: SplitRecord };
  test: { dataset: ImageDataset; record: SplitRecord };
  classes: string[];
}

async function loadFolder(root: string, options: RunDataOptions): Promise<CustomSplits> {
  const size = options.size ?? 32;
  const channels = options.channels ?? 3;
  const common = { size, channels, cacheDir: cacheDir(options) };
  const log = options.log;
  const one = async (split: Split, trainClasses?: string[]) => {
    const progress = decodeProgress(path.join(root, split), log);
    const s = await loadImageFolder(root, split, {
      ...common,
      trainClasses,
      onProgress: progress.update,
      onWarning: (line) => log?.err(`warning: ${line}\n`),
    });
    progress.end(s.dataset.count, s.fromCache);
    if (s.skipped.length > 0) {
      log?.err(
        `warning: skipped ${s.skipped.length} stray non-image file${
          s.skipped.length === 1 ? "" : "s"
        } in ${path.join(root, split)} (${s.skipped.slice(0, 3).join(", ")}${
          s.skipped.length > 3 ? ", …" : ""
        })\n`,
      );
    }
    const record = { images: s.dataset.count, sha256: s.sha256, skipped: s.skipped.length };
    return { dataset: s.dataset, record, classes: s.classes };
  };
  const train = await one("train");
  const test = await one("test", train.classes);
  return { train, test, classes: train.classes };
}

async function loadBinary(
  kind: "idx" | "cifar",
  dir: string,
  labels: LabelMode,
  options: RunDataOptions,
): Promise<CustomSplits> {
  const train = await loadCustomBinary(kind, dir, "train", { size: options.size, labels });
  const numClasses = train.dataset.numClasses;
  const test = await loadCustomBinary(kind, dir, "test", {
    size: options.size,
    labels,
    numClasses,
  });
  const { height, width } = train.dataset;
  if (test.dataset.height !== height || test.dataset.width !== width) {
    throw new DataError(
      test.files[0],
      `test images are ${test.dataset.height}×${test.dataset.width} but train images ${height}×${width}`,
    );
  }
  const record = (s: typeof train) => ({ images: s.dataset.count, sha256: s.sha256, skipped: 0 });
  return {
    train: { dataset: train.dataset, record: record(train) },
    test: { dataset: test.dataset, record: record(test) },
    classes: Array.from({ length: numClasses }, (_, k) => String(k)),
  };
}

/**
 * Progress while a folder decodes: a line rewritten in place on a terminal, else one line
 * every 5 s; then one line saying how many images took how long, or that they came from the
 * cache.
 */
function decodeProgress(dir: string, log: RunDataOptions["log"]) {
  const start = performance.now();
  let shown = start;
  return {
    update(done: number, total: number) {
      const now = performance.now();
      if (!log || now - shown < (log.tty ? 200 : 5000)) return;
      shown = now;
      const line = `decoding ${dir}: ${done}/${total} images`;
      log.err(log.tty ? `\r${line}` : `${line}\n`);
    },
    end(count: number, fromCache: boolean) {
      if (!log) return;
      const s = (performance.now() - start) / 1000;
      log.err(
        `${log.tty && !fromCache ? "\r\x1b[K" : ""}${
          fromCache
            ? `${dir}: ${count} decoded images from the cache`
            : `decoded ${dir}: ${count} images in ${s.toFixed(1)} s (${(count / s).toFixed(0)}/s)`
        }\n`,
      );
    },
  };
}

/**
 * Whether a value read back from a checkpoint or sidecar is a {@linkcode DatasetRecord}.
 *
 * @param x The value.
 * @returns True when it has the record's fields with the right types.
 *
 * @example Usage
 * ```ts
 * import { isDatasetRecord } from "./run_data.ts";
 * if (isDatasetRecord({ name: "x" }) || isDatasetRecord(null)) throw new Error();
 * ```
 */
export function isDatasetRecord(x: unknown): x is DatasetRecord {
  const r = x as DatasetRecord | null;
  const split = (s: SplitRecord | undefined) =>
    typeof s === "object" && s !== null && typeof s.sha256 === "string" &&
    typeof s.images === "number";
  return typeof r === "object" && r !== null && typeof r.name === "string" &&
    typeof r.dataset === "string" && Array.isArray(r.classes) &&
    r.classes.every((c) => typeof c === "string") && Array.isArray(r.image_shape) &&
    typeof r.normalization === "object" && r.normalization !== null &&
    Array.isArray(r.normalization.mean) && Array.isArray(r.normalization.std) &&
    split(r.train) && split(r.test);
}
