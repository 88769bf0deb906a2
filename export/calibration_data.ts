/**
 * The data an export calibrates on, re-derived from the run's config exactly as `train/main.ts`
 * splits it: the run's training split (`loadRunData`: a built-in or custom dataset, the first
 * `limit_train` examples), then `splitData(…, validation_split, seed)`. Activation scales ({@linkcode ./activation_scales.ts})
 * use K seeded batches of the *training* part (never the validation or test examples); the
 * temperature ({@linkcode ./temperature_scaling.ts}) is fitted on the *validation* part.
 * @module
 */
import type { ImageDataset } from "../train/data/dataset.ts";
import type { LabelMode } from "../train/data/datasets.ts";
import { loadRunData } from "../train/data/run_data.ts";
import { indicesOf, splitData } from "../train/data_source.ts";
import { Rng } from "../train/random.ts";
import { ExportError } from "./export_error.ts";

/** A run's training examples and its training/validation split. */
export interface RunSplits {
  dataset: ImageDataset;
  train: Uint32Array;
  /** Null when the run had no validation split. */
  val: Uint32Array | null;
}

/**
 * Loads the run's training set and re-derives its split (see the module doc).
 *
 * @param inputShape The model's `[height, width, channels]` (a custom folder's decoding size).
 * @throws {DataError} If the dataset files are missing or damaged.
 * @example Usage
 * ```ts ignore
 * import { runSplits } from "./calibration_data.ts";
 * const config = { dataset: "mnist", validation_split: 0.1, seed: 1 };
 * const s = await runSplits(config, [28, 28, 1], "../shared/data");
 * console.log(s.train.length, s.val?.length); // 54000 6000
 * ```
 */
export async function runSplits(
  config: Record<string, unknown>,
  inputShape: [number, number, number],
  dataDir?: string,
): Promise<RunSplits> {
  const dataset = config.dataset;
  if (typeof dataset !== "string") {
    throw new ExportError("cannot calibrate: the run's config names no dataset");
  }
  const num = (v: unknown) => (typeof v === "number" ? v : 0);
  const { train: ds } = await loadRunData({
    dataset,
    label_mode: (config.label_mode ?? "fine") as LabelMode,
    limit_train: num(config.limit_train),
    limit_test: num(config.limit_test),
  }, { dataDir, size: inputShape[0], channels: inputShape[2] === 1 ? 1 : 3 });
  const fraction = typeof config.validation_split === "number" ? config.validation_split : 0;
  const seed = typeof config.seed === "number" ? config.seed : 0;
  const { train, val } = splitData(ds, fraction, seed);
  return { dataset: ds, train: indicesOf(train), val: val ? indicesOf(val) : null };
}

/**
 * `batches` × `batchSize` distinct examples of `pool`, drawn with `new Rng(seed, stream)`
 * (a partial Fisher–Yates shuffle): the same seed gives the same examples. All of `pool` when
 * it is smaller.
 *
 * @example Usage
 * ```ts
 * import { seededSample } from "./calibration_data.ts";
 * const pool = Uint32Array.from({ length: 100 }, (_, i) => i);
 * const a = seededSample(pool, 2, 5, 1, "x"), b = seededSample(pool, 2, 5, 1, "x");
 * if (a.length !== 10 || a.join() !== b.join() || new Set(a).size !== 10) throw new Error();
 * ```
 */
export function seededSample(
  pool: Uint32Array,
  batches: number,
  batchSize: number,
  seed: number,
  stream: string,
): Uint32Array {
  const a = Uint32Array.from(pool);
  const n = Math.min(a.length, batches * batchSize);
  const rng = new Rng(seed, stream);
  for (let i = 0; i < n; i++) {
    const j = i + rng.int(a.length - i);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.subarray(0, n);
}
