/**
 * Custom datasets in the official binary formats, from one folder, never downloaded:
 *
 * - `idx:DIR` — `train-images-idx3-ubyte` + `train-labels-idx1-ubyte` and
 *   `t10k-images-idx3-ubyte` + `t10k-labels-idx1-ubyte` (or `test-…`), each raw or `.gz`, as
 *   MNIST and Fashion-MNIST ship them; any count, any size; one channel.
 * - `cifar:DIR` — `data_batch_*.bin` (in numeric order) + `test_batch.bin`, records of one label
 *   byte (CIFAR-10's layout); or `train.bin` + `test.bin`, records of two (coarse, fine: CIFAR-100's
 *   layout, the fine label unless `labels: "coarse"`); 3 channels of `size`×`size` (default 32).
 *
 * The number of classes is the largest train label + 1; a test label beyond it is an error.
 * A missing file is an error naming it. Each split's checksum is a SHA-256 over its files' names
 * and SHA-256s (./image_cache.ts `splitChecksum`).
 *
 * @module
 */

import path from "node:path";
import { createHash } from "node:crypto";
import { DataError } from "./data_error.ts";
import type { ImageDataset } from "./dataset.ts";
import type { Split } from "./datasets.ts";
import { loadIdxDataset } from "./idx.ts";
import { loadCifarBinary } from "./cifar_binary.ts";
import { splitChecksum } from "./image_cache.ts";
import { readFileOrFail } from "./_util.ts";

/** Options of {@linkcode loadCustomBinary}. */
export interface CustomBinaryOptions {
  /** CIFAR records: the side of the images (default 32). */
  size?: number;
  /** CIFAR records with two label bytes: which one (default `"fine"`). */
  labels?: "fine" | "coarse";
  /** For the test split: the number of classes of the train split. */
  numClasses?: number;
}

/** A loaded split of a custom binary dataset. */
export interface CustomBinarySplit {
  /** The images; `name` is the folder's base name. */
  dataset: ImageDataset;
  /** The files read, in order. */
  files: string[];
  /** The split's checksum. */
  sha256: string;
}

/**
 * Loads a split of an `idx:DIR` or `cifar:DIR` dataset (see the module doc).
 *
 * @param kind `"idx"` or `"cifar"`.
 * @param dir The folder.
 * @param split `"train"` or `"test"`.
 * @param options CIFAR image size and label choice; the test split's class count.
 * @returns The dataset, the files and the checksum.
 * @throws {DataError} If a file is missing or damaged, there are fewer than 2 classes, or a
 *   test label is not a train class.
 *
 * @example Usage
 * ```ts
 * import { loadCustomBinary } from "./load_custom_binary.ts";
 * const dir = await Deno.makeTempDir();
 * // two 1×1 RGB records with labels 0 and 2
 * await Deno.writeFile(`${dir}/data_batch_1.bin`, new Uint8Array([0, 1, 2, 3, 2, 4, 5, 6]));
 * const s = await loadCustomBinary("cifar", dir, "train", { size: 1 });
 * await Deno.remove(dir, { recursive: true });
 * if (s.dataset.count !== 2 || s.dataset.numClasses !== 3 || s.dataset.images.join() !== "1,2,3,4,5,6") {
 *   throw new Error(JSON.stringify(s.dataset));
 * }
 * ```
 */
export async function loadCustomBinary(
  kind: "idx" | "cifar",
  dir: string,
  split: Split,
  options: CustomBinaryOptions = {},
): Promise<CustomBinarySplit> {
  const stat = await Deno.stat(dir).catch(() => null);
  if (stat === null || !stat.isDirectory) {
    throw new DataError(dir, `${stat === null ? "not found" : "is not a folder"} (${kind}:DIR)`);
  }
  const name = path.basename(path.resolve(dir));
  const loaded = kind === "idx"
    ? await loadIdxSplit(dir, split, name, options)
    : await loadCifarSplit(dir, split, name, options);
  const { dataset, files } = loaded;
  if (split === "train" && dataset.numClasses < 2) {
    throw new DataError(files.at(-1)!, "every label is 0: a classifier needs at least 2 classes");
  }
  const sums = await Promise.all(files.map(sha256File));
  const sha256 = splitChecksum(files.map((f) => ({ rel: path.basename(f) })), sums);
  return { dataset, files, sha256 };
}

async function sha256File(file: string): Promise<string> {
  return createHash("sha256").update(await readFileOrFail(file)).digest("hex");
}

/** The first of `names` (each also as `.gz`) that exists in `dir`, else a DataError. */
async function findOne(dir: string, names: readonly string[], what: string): Promise<string> {
  for (const n of names) {
    for (const file of [n, `${n}.gz`]) {
      const p = path.join(dir, file);
      if ((await Deno.stat(p).catch(() => null))?.isFile) return p;
    }
  }
  throw new DataError(
    path.join(dir, names[0]),
    `not found (nor .gz${
      names.length > 1 ? `, nor ${names.slice(1).join(", ")}` : ""
    }): the ${what} of a custom set must be there; nothing is downloaded for idx:DIR`,
  );
}

async function loadIdxSplit(
  dir: string,
  split: Split,
  name: string,
  options: CustomBinaryOptions,
): Promise<{ dataset: ImageDataset; files: string[] }> {
  const prefixes = split === "train" ? ["train"] : ["t10k", "test"];
  const images = await findOne(
    dir,
    prefixes.map((p) => `${p}-images-idx3-ubyte`),
    `${split} images`,
  );
  const labels = await findOne(
    dir,
    prefixes.map((p) => `${p}-labels-idx1-ubyte`),
    `${split} labels`,
  );
  const dataset = await loadIdxDataset({ images, labels, name, numClasses: options.numClasses });
  return { dataset, files: [images, labels] };
}

async function loadCifarSplit(
  dir: string,
  split: Split,
  name: string,
  options: CustomBinaryOptions,
): Promise<{ dataset: ImageDataset; files: string[] }> {
  const names = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name);
  const batches = names.filter((n) => /^data_batch_\d+\.bin$/.test(n))
    .sort((a, b) => parseInt(a.slice(11)) - parseInt(b.slice(11)));
  const tenStyle = batches.length > 0 || names.includes("test_batch.bin");
  const files = tenStyle
    ? (split === "train" ? batches : ["test_batch.bin"])
    : [split === "train" ? "train.bin" : "test.bin"];
  if (files.length === 0 || !files.every((f) => names.includes(f))) {
    const missing = files.find((f) => !names.includes(f)) ?? "data_batch_1.bin";
    throw new DataError(
      path.join(dir, missing),
      `not found: cifar:DIR needs data_batch_*.bin + test_batch.bin (1 label byte) or train.bin + test.bin (2 label bytes); nothing is downloaded for a custom set`,
    );
  }
  if (tenStyle && options.labels === "coarse") {
    throw new DataError(
      path.join(dir, files[0]),
      "has one label byte per record (CIFAR-10's layout): label_mode coarse needs train.bin + test.bin with two (CIFAR-100's)",
    );
  }
  const paths = files.map((f) => path.join(dir, f));
  const size = options.size ?? 32;
  const layout = {
    name,
    labelBytes: tenStyle ? 1 : 2,
    labelIndex: tenStyle ? 0 : options.labels === "coarse" ? 0 : 1,
    height: size,
    width: size,
    channels: 3,
  };
  const dataset = await loadCifarBinary(paths, {
    ...layout,
    numClasses: options.numClasses ?? 256,
  });
  if (options.numClasses === undefined) {
    let max = 0;
    for (const l of dataset.labels) if (l > max) max = l;
    dataset.numClasses = max + 1;
  }
  return { dataset, files: paths };
}
