/**
 * `loadImageFolder(root, split)`: a split of a class-per-folder image dataset
 * (./image_folder.ts) as an NHWC {@linkcode ImageDataset}, decoded with `sharp`
 * (./decode_images.ts) to `size`×`size`×`channels`, or read back from the cache of decoded
 * folders (./image_cache.ts) when no file changed since.
 *
 * @module
 */

import path from "node:path";
import type { ImageDataset } from "./dataset.ts";
import type { Split } from "./datasets.ts";
import { decodeImageFiles, decoderVersion } from "./decode_images.ts";
import { scanImageFolder } from "./image_folder.ts";
import { imageCachePath, readImageCache, splitChecksum, writeImageCache } from "./image_cache.ts";

/** Options of {@linkcode loadImageFolder}. */
export interface ImageFolderOptions {
  /** The side of the square images (each is stretched to it). */
  size: number;
  /** 1 (grey) or 3 (RGB). */
  channels: 1 | 3;
  /** The cache folder (the decoded split is kept in `<cacheDir>/image-folders/`). */
  cacheDir: string;
  /** For the test split: the train split's classes. */
  trainClasses?: readonly string[];
  /** Called as images are decoded (not when the split comes from the cache). */
  onProgress?: (done: number, total: number) => void;
  /** Called with one line for what does not stop the load (an unwritable cache). */
  onWarning?: (line: string) => void;
}

/** A loaded split of an image folder. */
export interface ImageFolderSplit {
  /** The images; `name` is the folder's base name. */
  dataset: ImageDataset;
  /** The class names, in label order. */
  classes: string[];
  /** Stray non-image files skipped, under the split folder. */
  skipped: string[];
  /** The split's checksum (see `splitChecksum`). */
  sha256: string;
  /** Whether the pixels came from the cache. */
  fromCache: boolean;
}

/**
 * Loads a split of an image folder (see the module doc).
 *
 * @param root The dataset folder `PATH` (holding `train/` and `test/`).
 * @param split `"train"` or `"test"`.
 * @param options Output size and channels, the cache, progress.
 * @returns The dataset, classes, skipped files and checksum.
 * @throws {DataError} On a bad folder or file (see `scanImageFolder`, `decodeImage`); nothing
 *   is then written to the cache.
 *
 * @example Usage
 * ```ts
 * import sharp from "sharp";
 * import { loadImageFolder } from "./load_image_folder.ts";
 * const root = await Deno.makeTempDir();
 * for (const [c, v] of [["a", 0], ["b", 255]] as const) {
 *   await Deno.mkdir(`${root}/train/${c}`, { recursive: true });
 *   const bg = { r: v, g: v, b: v };
 *   await sharp({ create: { width: 4, height: 4, channels: 3, background: bg } }).png()
 *     .toFile(`${root}/train/${c}/x.png`);
 * }
 * const s = await loadImageFolder(root, "train", { size: 2, channels: 1, cacheDir: `${root}/cache` });
 * const again = await loadImageFolder(root, "train", { size: 2, channels: 1, cacheDir: `${root}/cache` });
 * await Deno.remove(root, { recursive: true });
 * if (s.dataset.images.join() !== "0,0,0,0,255,255,255,255" || !again.fromCache) throw new Error();
 * ```
 */
export async function loadImageFolder(
  root: string,
  split: Split,
  options: ImageFolderOptions,
): Promise<ImageFolderSplit> {
  const { size, channels } = options;
  const scan = await scanImageFolder(root, split, options.trainClasses);
  const name = path.basename(path.resolve(root));
  const { cacheDir } = options;
  const decoder = await decoderVersion();
  const cacheFile = imageCachePath(cacheDir, root, split, scan.files, size, channels, decoder);
  const base = { classes: scan.classes, skipped: scan.skipped };
  const cached = await readImageCache(cacheFile, name);
  if (cached !== null && cached.dataset.count === scan.files.length) {
    return { ...base, dataset: cached.dataset, sha256: cached.sha256, fromCache: true };
  }
  const total = scan.files.length;
  const { images, sha256 } = await decodeImageFiles(scan.files.map((f) => f.path), {
    size,
    channels,
    onProgress: (done) => options.onProgress?.(done, total),
  });
  const dataset: ImageDataset = {
    name,
    images,
    labels: Uint8Array.from(scan.files, (f) => f.label),
    count: total,
    height: size,
    width: size,
    channels,
    numClasses: scan.classes.length,
  };
  const checksum = splitChecksum(scan.files, sha256);
  const failed = await writeImageCache(cacheFile, { dataset, sha256: checksum });
  if (failed !== null) options.onWarning?.(failed);
  return { ...base, dataset, sha256: checksum, fromCache: false };
}
