/**
 * `loadDataset(name, split)`: finds a built-in dataset's files (data folder, then cache),
 * downloads and checks them if they are missing, and loads them as an NHWC
 * {@linkcode ImageDataset}.
 *
 * For each needed file, in order:
 * 1. look in every search folder (`dataDir` or `$BNN_DATA_DIR`, then the cache; see
 *    `searchDirs`) under each of the dataset's folders (see `DATASETS`), also as `X.xz`
 *    (decompressed once into the cache with `xz`, MD5-checked when the MD5 is known) or,
 *    for MNIST, as the raw ungzipped `X`;
 * 2. CIFAR: else look for the official archive (`cifar-10-binary.tar.gz`,
 *    `cifar-100-binary.tar.gz`) and extract its data folder into the cache;
 * 3. else, unless `download: false`, download the file or archive from the mirrors (see
 *    `mirrorUrls`) into the cache, MD5-checked and atomically.
 *
 * Only the cache folder is ever written to.
 *
 * @module
 */

import path from "node:path";
import { DataError } from "./data_error.ts";
import type { ImageDataset } from "./dataset.ts";
import { cacheDir, type DataDirOptions, mirrorUrls, searchDirs } from "./data_dir.ts";
import { type DatasetInfo, type DatasetName, DATASETS, type Split } from "./datasets.ts";
import { downloadFile } from "./download.ts";
import { md5File } from "./md5.ts";
import { loadIdxDataset } from "./idx.ts";
import { loadCifarBinary } from "./cifar_binary.ts";
import { extractTar } from "./tar.ts";
import { decompressXzCached } from "./xz.ts";

/** Options for {@linkcode loadDataset}. */
export interface LoadDatasetOptions extends DataDirOptions {
  /** CIFAR-100: `"fine"` (100 classes, the default) or `"coarse"` (20 classes). */
  labels?: "fine" | "coarse";
  /** Base URL(s) to download from instead of the official ones (default `$BNN_DATA_MIRROR`). */
  mirror?: string | readonly string[];
  /** Whether missing files may be downloaded (default true). */
  download?: boolean;
  /** The `fetch` used for downloads (default: the global one). */
  fetch?: typeof fetch;
}

/**
 * Loads a split of a built-in dataset.
 *
 * The image and label counts of MNIST and CIFAR-10 are checked against the official ones.
 * CIFAR-100 files only need to be whole records (so subsets in its format load too).
 *
 * @param name `"mnist"`, `"cifar10"` or `"cifar100"`.
 * @param split `"train"` or `"test"`.
 * @param options Where to look, the cache, CIFAR-100 label kind, mirrors, downloading.
 * @returns The dataset, NHWC uint8.
 * @throws {RangeError} On an unknown name, split or label kind.
 * @throws {DataError} If a file is missing (and cannot be downloaded) or damaged.
 *
 * @example Usage
 * ```ts ignore
 * import { loadDataset } from "./load_dataset.ts";
 * const test = await loadDataset("cifar10", "test", { dataDir: "../shared/data" });
 * console.log(test.count, test.height, test.width, test.channels); // 10000 32 32 3
 * ```
 */
export async function loadDataset(
  name: DatasetName,
  split: Split,
  options: LoadDatasetOptions = {},
): Promise<ImageDataset> {
  if (!Object.hasOwn(DATASETS, name)) {
    throw new RangeError(
      `Cannot load dataset as name must be one of ${
        Object.keys(DATASETS).join(", ")
      }: current value is "${name}"`,
    );
  }
  if (split !== "train" && split !== "test") {
    throw new RangeError(
      `Cannot load ${name} as split must be "train" or "test": current value is "${split}"`,
    );
  }
  const labels = options.labels ?? "fine";
  if (labels !== "fine" && !(labels === "coarse" && name === "cifar100")) {
    throw new RangeError(
      `Cannot load ${name} as labels must be ${
        name === "cifar100" ? '"fine" or "coarse"' : '"fine"'
      }: current value is "${labels}"`,
    );
  }
  const info = DATASETS[name];
  const files = await locateFiles(info, split, options);
  try {
    return await loadFiles(name, info, split, labels, files);
  } catch (e) {
    // a damaged file that came out of an .xz: name the .xz, not its copy in the cache
    const source = e instanceof DataError ? XZ_SOURCES.get(e.file) : undefined;
    if (source === undefined) throw e;
    throw new DataError(
      source,
      `after xz -d (into ${(e as DataError).file}): ${
        (e as Error).message.slice((e as DataError).file.length + 2)
      }`,
      { cause: e },
    );
  }
}

/** The decompressed copies in the cache of the `.xz` files found, and their sources. */
const XZ_SOURCES = new Map<string, string>();

async function loadFiles(
  name: DatasetName,
  info: DatasetInfo,
  split: Split,
  labels: "fine" | "coarse",
  files: string[],
): Promise<ImageDataset> {
  if (name === "mnist") {
    const ds = await loadIdxDataset({
      images: files[0],
      labels: files[1],
      name,
      numClasses: info.numClasses,
    });
    checkShape(ds, info, split, files[0]);
    return ds;
  }
  const coarse = labels === "coarse";
  const ds = await loadCifarBinary(files, {
    name,
    numClasses: coarse ? info.coarseClasses! : info.numClasses,
    labelBytes: name === "cifar100" ? 2 : 1,
    labelIndex: name === "cifar100" && !coarse ? 1 : 0,
  });
  if (name === "cifar10") checkShape(ds, info, split, files.join(", "));
  return ds;
}

/** The paths of a split's files (raw or gzipped, never xz), fetching them if needed. */
async function locateFiles(
  info: DatasetInfo,
  split: Split,
  options: LoadDatasetOptions,
): Promise<string[]> {
  const dirs = searchDirs(options);
  const cache = cacheDir(options);
  const names = info.files[split];
  let found = await Promise.all(names.map((f) => findMember(info, dirs, f)));
  await Promise.all(found.map((f) => f === null ? null : checkOfficial(f, info)));
  if (found.every((f) => f !== null)) {
    return await Promise.all(found.map((f) => unxz(f, info, cache)));
  }

  const download = options.download ?? true;
  const archive = info.archive;
  if (archive === undefined) {
    // MNIST: one download per missing file.
    const urls = mirrorUrls(info.urls, options.mirror);
    for (let i = 0; i < names.length; i++) {
      if (found[i] !== null) continue;
      if (!download) throw notFound(info, names[i], dirs);
      found[i] = await explainDownload(
        info,
        names[i],
        dirs,
        downloadFile(
          urls.map((base) => base + names[i]),
          path.join(cache, info.folders[0], names[i]),
          { md5: info.md5[names[i]], fetch: options.fetch },
        ),
      );
    }
    return await Promise.all(found.map((f) => unxz(f!, info, cache)));
  }

  // CIFAR: extract the data folder of the official archive into the cache.
  let tgz = await findFile(dirs.flatMap((d) => [path.join(d, archive.dir), d]), [archive.file]);
  if (tgz === null) {
    const missing = names[found.indexOf(null)];
    if (!download) throw notFound(info, missing, dirs);
    tgz = await explainDownload(
      info,
      missing,
      dirs,
      downloadFile(
        mirrorUrls(info.urls, options.mirror).map((base) => base + archive.file),
        path.join(cache, archive.dir, archive.file),
        { md5: archive.md5, fetch: options.fetch },
      ),
    );
  }
  const prefix = `${archive.folder}/`;
  await extractTar(tgz, path.join(cache, archive.dir), (m) => m.startsWith(prefix));
  found = await Promise.all(names.map((f) => findMember(info, dirs, f)));
  const missing = found.indexOf(null);
  if (missing >= 0) {
    throw new DataError(tgz, `archive has no member ${prefix}${names[missing]}`);
  }
  return await Promise.all(found.map((f) => unxz(f!, info, cache)));
}

/** The first existing `<dir>/<folder>/<name>` (or `.xz`, or MNIST's ungzipped name). */
function findMember(info: DatasetInfo, dirs: readonly string[], name: string) {
  const variants = [name, `${name}.xz`];
  if (name.endsWith(".gz")) variants.push(name.slice(0, -3));
  return findFile(dirs.flatMap((d) => info.folders.map((f) => path.join(d, f))), variants);
}

async function findFile(dirs: readonly string[], names: readonly string[]): Promise<string | null> {
  for (const dir of dirs) {
    for (const name of names) {
      const file = path.join(dir, name);
      try {
        const stat = await Deno.stat(file);
        if (stat.isFile) return file;
        if (stat.isDirectory) throw new DataError(file, "is a folder, not a file");
      } catch (e) {
        if (e instanceof DataError) throw e;
        if (!(e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory)) throw e;
      }
    }
  }
  return null;
}

/**
 * Checks a local copy of an official file against its published MD5, as a download is: a file
 * under an official name must be the official file (another set in the format is `idx:DIR` or
 * `cifar:DIR`). Files without a published MD5 (MNIST ungzipped) and `.xz` files (checked once
 * decompressed) pass.
 */
async function checkOfficial(file: string, info: DatasetInfo): Promise<void> {
  const want = info.md5[path.basename(file)];
  if (want === undefined) return;
  const got = await md5File(file);
  if (got !== want) {
    throw new DataError(
      file,
      `MD5 ${got} is not the official ${want}: not ${info.name}'s file (for another dataset in this format use --dataset ${
        info.name === "mnist" ? "idx" : "cifar"
      }:DIR)`,
    );
  }
}

async function unxz(file: string, info: DatasetInfo, cache: string): Promise<string> {
  if (!file.endsWith(".xz")) return file;
  const md5 = info.md5[path.basename(file, ".xz")];
  const out = await decompressXzCached(file, { cacheDir: cache, md5 });
  XZ_SOURCES.set(out, file);
  return out;
}

/**
 * Awaits a download of a missing file; a failure becomes one line that also says where the
 * file was looked for and how to point at a folder that has it.
 */
async function explainDownload(
  info: DatasetInfo,
  file: string,
  dirs: readonly string[],
  download: Promise<string>,
): Promise<string> {
  try {
    return await download;
  } catch (e) {
    if (!(e instanceof DataError)) throw e;
    const where = dirs.flatMap((d) => info.folders.map((f) => path.join(d, f))).join(", ");
    const failure = e.message.slice(e.file.length + 2);
    throw new DataError(
      file,
      `not found in ${where}${
        info.archive ? ` (nor ${info.archive.file})` : ""
      }, and ${failure} (pass --data-dir DIR or set BNN_DATA_DIR to a folder that has it)`,
      { cause: e },
    );
  }
}

function notFound(info: DatasetInfo, file: string, dirs: readonly string[]): DataError {
  const where = dirs.flatMap((d) => info.folders.map((f) => path.join(d, f))).join(", ");
  return new DataError(
    file,
    `not found in ${where}${
      info.archive ? ` (nor ${info.archive.file})` : ""
    } and downloading is off; pass dataDir or set BNN_DATA_DIR`,
  );
}

function checkShape(ds: ImageDataset, info: DatasetInfo, split: Split, file: string): void {
  const expected = info.counts[split];
  if (ds.count !== expected || ds.height !== info.height || ds.width !== info.width) {
    throw new DataError(
      file,
      `expected ${expected} images of ${info.height}×${info.width} for ${info.name} ${split}, found ${ds.count} of ${ds.height}×${ds.width} (for another dataset in this format use --dataset ${
        info.name === "mnist" ? "idx" : "cifar"
      }:DIR)`,
    );
  }
}
