/**
 * The "binary version" of CIFAR-10 and CIFAR-100 (Krizhevsky, 2009), and any custom dataset
 * in the same layout.
 *
 * A file is a sequence of fixed-size records with no header. A CIFAR-10 record is 3073 bytes:
 * `<1 label byte><1024 R><1024 G><1024 B>`; a CIFAR-100 record is 3074 bytes:
 * `<coarse label><fine label><1024 R><1024 G><1024 B>`. Each colour plane is a 32×32 image
 * stored row by row (CHW order), which is converted here to NHWC:
 *
 *   images[((n·H + y)·W + x)·C + c] = record_n[labelBytes + c·H·W + y·W + x]
 *
 * @module
 */

import path from "node:path";
import { DataError } from "./data_error.ts";
import type { ImageDataset } from "./dataset.ts";
import { checkLabels, formatBytes, readError, readFileOrFail } from "./_util.ts";
import { decompressXzCached } from "./xz.ts";
import { cacheDir as defaultCacheDir } from "./data_dir.ts";

/** The record layout and label choice for {@linkcode loadCifarBinary}. */
export interface CifarBinaryOptions {
  /** The dataset's name. */
  name: string;
  /** The number of classes of the chosen label (10 for CIFAR-10, 100 fine or 20 coarse). */
  numClasses: number;
  /** Label bytes at the start of each record: 1 (CIFAR-10) or 2 (CIFAR-100). Default 1. */
  labelBytes?: number;
  /** Which label byte to use, 0-based (CIFAR-100: 0 coarse, 1 fine). Default `labelBytes − 1`. */
  labelIndex?: number;
  /** Image height (default 32). */
  height?: number;
  /** Image width (default 32). */
  width?: number;
  /** Channels (default 3). */
  channels?: number;
  /** Where `.xz` inputs are decompressed to (default: the cache folder, see `cacheDir`). */
  cacheDir?: string;
}

/**
 * Loads one or more CIFAR-binary files, concatenated in the given order, as an NHWC
 * {@linkcode ImageDataset}. A path ending in `.xz` is decompressed with `xz` into the cache
 * first (see `decompressXzCached`).
 *
 * @param files The record files (e.g. `data_batch_1.bin` … `data_batch_5.bin`).
 * @param options The name, number of classes and record layout.
 * @returns The dataset.
 * @throws {DataError} If a file is missing, its size is not a multiple of the record size,
 *   or a label is out of range.
 * @throws {RangeError} If a layout option is not a positive integer or `labelIndex` ≥ `labelBytes`.
 *
 * @example Usage
 * ```ts
 * import { loadCifarBinary } from "./cifar_binary.ts";
 * const dir = await Deno.makeTempDir();
 * // One 1×2 RGB image with label 1: planes R = [1, 2], G = [3, 4], B = [5, 6].
 * await Deno.writeFile(`${dir}/b.bin`, new Uint8Array([1, 1, 2, 3, 4, 5, 6]));
 * const ds = await loadCifarBinary([`${dir}/b.bin`], { name: "t", numClasses: 2, height: 1, width: 2 });
 * await Deno.remove(dir, { recursive: true });
 * if (ds.images.join() !== "1,3,5,2,4,6" || ds.labels[0] !== 1) throw new Error(ds.images.join());
 * ```
 */
export async function loadCifarBinary(
  files: readonly string[],
  options: CifarBinaryOptions,
): Promise<ImageDataset> {
  const labelBytes = options.labelBytes ?? 1;
  const labelIndex = options.labelIndex ?? labelBytes - 1;
  const height = options.height ?? 32;
  const width = options.width ?? 32;
  const channels = options.channels ?? 3;
  for (const [key, value] of Object.entries({ labelBytes, height, width, channels })) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(
        `Cannot load CIFAR-binary data as ${key} must be a positive integer: current value is ${value}`,
      );
    }
  }
  if (!Number.isInteger(labelIndex) || labelIndex < 0 || labelIndex >= labelBytes) {
    throw new RangeError(
      `Cannot load CIFAR-binary data as labelIndex must be an integer in [0, ${labelBytes}): current value is ${labelIndex}`,
    );
  }
  const pixels = height * width * channels;
  const recordSize = labelBytes + pixels;

  const paths: string[] = [];
  for (const file of files) {
    paths.push(
      file.endsWith(".xz")
        ? await decompressXzCached(file, { cacheDir: options.cacheDir ?? defaultCacheDir() })
        : file,
    );
  }
  const counts: number[] = [];
  const memory = memoryBytes();
  let count = 0;
  for (let i = 0; i < paths.length; i++) {
    counts.push(await recordCount(paths[i], files[i], recordSize));
    count += counts[i];
    if (count * recordSize > memory) {
      throw new DataError(
        files[i],
        `${counts[i]} records of ${recordSize} bytes (${
          formatBytes(counts[i] * recordSize)
        }) do not fit in this machine's memory (${formatBytes(memory)}); is this a ${
          path.basename(files[i])
        } in CIFAR-binary format?`,
      );
    }
  }
  const images = allocate(count * pixels, files);
  const labels = allocate(count, files);
  let n = 0;
  for (let i = 0; i < paths.length; i++) {
    const bytes = await readFileOrFail(paths[i]);
    if (bytes.length !== counts[i] * recordSize) {
      throw new DataError(files[i], `file changed while loading (size ${bytes.length})`);
    }
    checkLabels(bytes, options.numClasses, files[i], recordSize, labelIndex);
    chwRecordsToNhwc(bytes, counts[i], labelBytes, labelIndex, height * width, channels, {
      images: images.subarray(n * pixels),
      labels: labels.subarray(n),
    });
    n += counts[i];
  }
  return {
    name: options.name,
    images,
    labels,
    count,
    height,
    width,
    channels,
    numClasses: options.numClasses,
  };
}

/** The machine's memory in bytes (unbounded when the `sys` permission is not granted). */
function memoryBytes(): number {
  try {
    return Deno.systemMemoryInfo().total;
  } catch {
    return Infinity;
  }
}

/** A zeroed byte array, or a DataError naming the files when the memory is not there. */
function allocate(n: number, files: readonly string[]): Uint8Array {
  try {
    return new Uint8Array(n);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new DataError(files.join(", "), `cannot allocate ${formatBytes(n)} for the images`, {
      cause: e,
    });
  }
}

async function recordCount(file: string, shown: string, recordSize: number): Promise<number> {
  let size: number;
  try {
    const stat = await Deno.stat(file);
    if (!stat.isFile) {
      throw new DataError(
        shown,
        stat.isDirectory ? "is a folder, not a file" : "is not a regular file",
      );
    }
    size = stat.size;
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw readError(shown, e) ?? e;
  }
  if (size === 0 || size % recordSize !== 0) {
    throw new DataError(
      shown,
      `bad record size: file size ${size} is not a ${
        size === 0 ? "positive " : ""
      }multiple of the record size ${recordSize} (${size % recordSize} bytes left over; ${
        path.basename(shown)
      } is truncated or not in this format)`,
    );
  }
  return size / recordSize;
}

function chwRecordsToNhwc(
  bytes: Uint8Array,
  count: number,
  labelBytes: number,
  labelIndex: number,
  plane: number,
  channels: number,
  out: { images: Uint8Array; labels: Uint8Array },
): void {
  const recordSize = labelBytes + plane * channels;
  for (let r = 0; r < count; r++) {
    const rec = r * recordSize;
    out.labels[r] = bytes[rec + labelIndex];
    const src = rec + labelBytes;
    const dst = r * plane * channels;
    for (let c = 0; c < channels; c++) {
      const s = src + c * plane;
      for (let p = 0; p < plane; p++) out.images[dst + p * channels + c] = bytes[s + p];
    }
  }
}
