/**
 * What the config key `dataset` names: a built-in dataset (`mnist`, `cifar10`, `cifar100`:
 * located in the data folder or the cache, downloaded if missing, with the published
 * normalization), or the user's own data in a folder:
 *
 * - `idx:DIR`: IDX files as MNIST's (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
 *   `t10k-…` or `test-…`, each raw or `.gz`), any image count and size, one channel;
 * - `cifar:DIR`: CIFAR-binary record files (`data_batch_*.bin` + `test_batch.bin` with one
 *   label byte, or `train.bin` + `test.bin` with two, as CIFAR-100), 3 channels, any count;
 * - `folder:PATH`: one folder per class, `PATH/train/<class>/*.png|jpg|jpeg|webp` and
 *   `PATH/test/<class>/…` (see ./image_folder.ts).
 *
 * A custom set is never completed from a download, and is named by its folder's base name in
 * the run name, summary, sidecar and eval. Its path is made absolute when the config is
 * resolved, so a saved config names the same files from any working folder.
 *
 * @module
 */

import path from "node:path";
import { type DatasetName, DATASETS } from "./datasets.ts";

/** The kinds of custom dataset, by the prefix of their `dataset` value. */
export type CustomKind = "idx" | "cifar" | "folder";

/** A parsed `dataset` value. */
export type DatasetRef =
  | { kind: "builtin"; name: DatasetName }
  | { kind: CustomKind; path: string };

/** The custom prefixes, in the order `--help` lists them, with the word for their path. */
export const CUSTOM_FORMS: Readonly<Record<CustomKind, string>> = {
  idx: "idx:DIR",
  cifar: "cifar:DIR",
  folder: "folder:PATH",
};

/**
 * Parses a `dataset` value, or says why it is not one.
 *
 * @param value `mnist`, `cifar10`, `cifar100`, `idx:DIR`, `cifar:DIR` or `folder:PATH`.
 * @returns The parsed reference (a custom path as given, not yet absolute), or a string saying
 *   what is wrong.
 *
 * @example Usage
 * ```ts
 * import { parseDatasetRef } from "./dataset_ref.ts";
 * const ref = parseDatasetRef("folder:data/flowers");
 * if (typeof ref === "string" || ref.kind !== "folder" || ref.path !== "data/flowers") throw new Error();
 * if (typeof parseDatasetRef("folder:") !== "string") throw new Error("needs a path");
 * ```
 */
export function parseDatasetRef(value: string): DatasetRef | string {
  if (Object.hasOwn(DATASETS, value)) return { kind: "builtin", name: value as DatasetName };
  const colon = value.indexOf(":");
  const kind = value.slice(0, colon);
  if (colon < 0 || !Object.hasOwn(CUSTOM_FORMS, kind)) return "is not a dataset";
  const where = value.slice(colon + 1);
  if (where.trim() === "") return `needs a folder after "${kind}:"`;
  return { kind: kind as CustomKind, path: where };
}

/**
 * A `dataset` value with its custom path made absolute (relative to the working folder);
 * built-in names and bad values are returned unchanged.
 *
 * @param value A `dataset` value.
 * @returns The value to save in the run's config.
 *
 * @example Usage
 * ```ts
 * import { absoluteDatasetValue } from "./dataset_ref.ts";
 * if (absoluteDatasetValue("mnist") !== "mnist") throw new Error();
 * if (!absoluteDatasetValue("idx:fashion").startsWith("idx:/")) throw new Error();
 * ```
 */
export function absoluteDatasetValue(value: string): string {
  const ref = parseDatasetRef(value);
  if (typeof ref === "string" || ref.kind === "builtin") return value;
  return `${ref.kind}:${path.resolve(ref.path)}`;
}

/**
 * The name a run, summary, sidecar and eval report use for a dataset: the built-in name, or
 * the base name of the user's folder (`folder:/data/flowers` → `flowers`).
 *
 * @param value A `dataset` value.
 * @returns The display name.
 *
 * @example Usage
 * ```ts
 * import { datasetLabel } from "./dataset_ref.ts";
 * if (datasetLabel("cifar10") !== "cifar10") throw new Error();
 * if (datasetLabel("idx:/data/fashion/") !== "fashion") throw new Error();
 * ```
 */
export function datasetLabel(value: string): string {
  const ref = parseDatasetRef(value);
  if (typeof ref === "string") return value;
  if (ref.kind === "builtin") return ref.name;
  return path.basename(path.resolve(ref.path)) || ref.kind;
}

/**
 * Whether a `dataset` value names the user's own data (`idx:`, `cifar:` or `folder:`).
 *
 * @param value A `dataset` value.
 * @returns True for a custom set.
 *
 * @example Usage
 * ```ts
 * import { isCustomDataset } from "./dataset_ref.ts";
 * if (isCustomDataset("mnist") || !isCustomDataset("folder:x")) throw new Error();
 * ```
 */
export function isCustomDataset(value: string): boolean {
  const ref = parseDatasetRef(value);
  return typeof ref !== "string" && ref.kind !== "builtin";
}
