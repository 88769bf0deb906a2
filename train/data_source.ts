/**
 * Where examples come from: a whole {@linkcode ImageDataset} or a subset of it named by indices
 * (a validation split, a limit), and the seeded training/validation split.
 * @module
 */
import type { ImageDataset } from "./data/dataset.ts";
import { splitValidation } from "./data/split_validation.ts";
import { Rng } from "./random.ts";

/** A dataset, or the subset of it given by `indices` (e.g. a validation split). */
export type DataSource = ImageDataset | { dataset: ImageDataset; indices: Uint32Array };

/**
 * The dataset behind a data source.
 *
 * @example Usage
 * ```ts
 * import { datasetOf } from "./data_source.ts";
 * const ds = { name: "x", images: new Uint8Array(2), labels: new Uint8Array(2), count: 2,
 *   height: 1, width: 1, channels: 1, numClasses: 2 };
 * if (datasetOf({ dataset: ds, indices: new Uint32Array([1]) }) !== ds) throw new Error();
 * ```
 */
export function datasetOf(d: DataSource): ImageDataset {
  return "dataset" in d ? d.dataset : d;
}

/**
 * The example indices of a data source (0..count−1 for a whole dataset).
 *
 * @example Usage
 * ```ts
 * import { indicesOf } from "./data_source.ts";
 * const ds = { name: "x", images: new Uint8Array(3), labels: new Uint8Array(3), count: 3,
 *   height: 1, width: 1, channels: 1, numClasses: 2 };
 * if (indicesOf(ds).join() !== "0,1,2") throw new Error();
 * ```
 */
export function indicesOf(d: DataSource): Uint32Array {
  if ("dataset" in d) return d.indices;
  const idx = new Uint32Array(d.count);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return idx;
}

/**
 * The number of examples in a data source.
 *
 * @example Usage
 * ```ts
 * import { sizeOf } from "./data_source.ts";
 * const ds = { name: "x", images: new Uint8Array(4), labels: new Uint8Array(4), count: 4,
 *   height: 1, width: 1, channels: 1, numClasses: 2 };
 * if (sizeOf({ dataset: ds, indices: new Uint32Array([1, 3]) }) !== 2) throw new Error("size");
 * ```
 */
export function sizeOf(d: DataSource): number {
  return "dataset" in d ? d.indices.length : d.count;
}

/**
 * Splits a training set into training and validation subsets with the data helper's seeded
 * shuffle (stream `"validation-split"`). A fraction of 0 gives no validation set.
 *
 * @param ds The training set.
 * @param fraction The validation fraction in [0, 1).
 * @param seed The run's seed.
 * @returns The two subsets (`val` null when `fraction` is 0).
 * @throws {RangeError} If the split leaves no training or no validation example.
 *
 * @example Usage
 * ```ts
 * import { sizeOf, splitData } from "./data_source.ts";
 * const ds = { name: "x", images: new Uint8Array(10), labels: new Uint8Array(10), count: 10,
 *   height: 1, width: 1, channels: 1, numClasses: 2 };
 * const { train, val } = splitData(ds, 0.2, 1);
 * if (sizeOf(train) !== 8 || val === null || sizeOf(val) !== 2) throw new Error("split");
 * ```
 */
export function splitData(
  ds: ImageDataset,
  fraction: number,
  seed: number,
): { train: DataSource; val: DataSource | null } {
  if (!(fraction > 0)) return { train: ds, val: null };
  const { train, val } = splitValidation(ds.count, fraction, new Rng(seed, "validation-split"));
  if (val.length === 0 || train.length === 0) {
    throw new RangeError(
      `Cannot split ${ds.count} examples with validation_split ${fraction}: it leaves ${train.length} training and ${val.length} validation examples`,
    );
  }
  return { train: { dataset: ds, indices: train }, val: { dataset: ds, indices: val } };
}

/**
 * The labels of a data source's examples, in its order.
 *
 * @example Usage
 * ```ts
 * import { labelsOf } from "./data_source.ts";
 * const ds = { name: "x", images: new Uint8Array(3), labels: new Uint8Array([5, 6, 7]), count: 3,
 *   height: 1, width: 1, channels: 1, numClasses: 8 };
 * if (labelsOf({ dataset: ds, indices: new Uint32Array([2, 0]) }).join() !== "7,5") throw new Error();
 * ```
 */
export function labelsOf(d: DataSource): Uint8Array {
  const ds = datasetOf(d);
  if (!("dataset" in d)) return ds.labels;
  const out = new Uint8Array(d.indices.length);
  for (let i = 0; i < out.length; i++) out[i] = ds.labels[d.indices[i]!]!;
  return out;
}
