/**
 * The cache of decoded image folders, so that a second run on the same folder starts in
 * seconds: one file per split in `<cache>/image-folders/`, named
 * `<folder>-<split>-<key>.bin`, where the key is a SHA-256 of everything the pixels depend on —
 * the file list with each file's size and modification time, the labels, the output size and
 * channels, and the decoder's version. A changed, added or removed file gives another key,
 * hence a fresh decode.
 *
 * The file is `BNNIMG01`, a little-endian uint32 header length, the header as JSON (`count`,
 * `height`, `width`, `channels`, `numClasses`, `sha256`: the split's checksum), then
 * the NHWC pixels, then one label byte per image. It is written to a temp file and renamed
 * (../temp_files.ts), so a killed or failed run leaves no partial entry (the temp files of killed
 * runs are removed by the next write); an entry that does not read back whole is ignored and
 * written again.
 *
 * @module
 */

import path from "node:path";
import { createHash } from "node:crypto";
import type { ImageDataset } from "./dataset.ts";
import type { ImageFile } from "./image_folder.ts";
import { removeDeadTemps, tempPathFor } from "../temp_files.ts";

const MAGIC = new TextEncoder().encode("BNNIMG01");

/** What a cached split holds besides its pixels. */
export interface CachedSplit {
  dataset: ImageDataset;
  /** The split's checksum: see {@linkcode splitChecksum}. */
  sha256: string;
}

/**
 * The checksum of a split's files: SHA-256 over one line `<path under the split>\0<file's
 * SHA-256>\n` per image, in load order. Equal for equal files, whatever their mtimes.
 *
 * @param files The images, in load order.
 * @param sha256 Each file's hex SHA-256, in the same order.
 * @returns 64 hex digits.
 *
 * @example Usage
 * ```ts
 * import { splitChecksum } from "./image_cache.ts";
 * const a = splitChecksum([{ rel: "cat/1.png" }], ["00"]);
 * if (a === splitChecksum([{ rel: "dog/1.png" }], ["00"]) || a.length !== 64) throw new Error();
 * ```
 */
export function splitChecksum(
  files: readonly Pick<ImageFile, "rel">[],
  sha256: readonly string[],
): string {
  const hash = createHash("sha256");
  files.forEach((f, i) => hash.update(`${f.rel}\0${sha256[i]}\n`));
  return hash.digest("hex");
}

/**
 * The cache file of a split: see the module doc.
 *
 * @param cacheDir The cache folder.
 * @param root The image folder.
 * @param split `train` or `test`.
 * @param files The scanned files.
 * @param size The side of the decoded images.
 * @param channels 1 or 3.
 * @param decoder The decoder's version (see `decoderVersion`).
 * @returns The path (the folder may not exist yet).
 *
 * @example Usage
 * ```ts
 * import { imageCachePath } from "./image_cache.ts";
 * const f = [{ path: "/d/train/a/1.png", rel: "a/1.png", size: 9, mtime: 1, label: 0 }];
 * const p = imageCachePath("/c", "/d", "train", f, 28, 1, "sharp 1");
 * if (!p.startsWith("/c/image-folders/d-train-")) throw new Error(p);
 * if (p === imageCachePath("/c", "/d", "train", [{ ...f[0], mtime: 2 }], 28, 1, "sharp 1")) throw new Error();
 * ```
 */
export function imageCachePath(
  cacheDir: string,
  root: string,
  split: string,
  files: readonly ImageFile[],
  size: number,
  channels: number,
  decoder: string,
): string {
  const hash = createHash("sha256");
  hash.update(JSON.stringify({ v: 1, decoder, size, channels }));
  for (const f of files) hash.update(`${f.rel}\0${f.size}\0${f.mtime}\0${f.label}\n`);
  const key = hash.digest("hex").slice(0, 24);
  const name = path.basename(path.resolve(root)).replace(/[^\w.-]/g, "_") || "folder";
  return path.join(cacheDir, "image-folders", `${name}-${split}-${key}.bin`);
}

/**
 * Reads a cached split, or null when there is none or it does not read back whole.
 *
 * @param file The cache file.
 * @param name The dataset name to give it.
 * @returns The dataset and the split's checksum, or null.
 *
 * @example Usage
 * ```ts
 * import { readImageCache } from "./image_cache.ts";
 * if (await readImageCache("/nonexistent/x.bin", "x") !== null) throw new Error();
 * ```
 */
export async function readImageCache(file: string, name: string): Promise<CachedSplit | null> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(file);
  } catch {
    return null;
  }
  if (bytes.length < 12 || MAGIC.some((b, i) => bytes[i] !== b)) return null;
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  let h: Record<string, unknown>;
  try {
    h = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerLength)));
  } catch {
    return null;
  }
  const [count, height, width, channels, numClasses] = [
    h.count,
    h.height,
    h.width,
    h.channels,
    h.numClasses,
  ].map(Number);
  const pixels = count * height * width * channels;
  const start = 12 + headerLength;
  if (!(pixels > 0) || bytes.length !== start + pixels + count || typeof h.sha256 !== "string") {
    return null;
  }
  return {
    dataset: {
      name,
      images: bytes.subarray(start, start + pixels),
      labels: bytes.subarray(start + pixels),
      count,
      height,
      width,
      channels,
      numClasses,
    },
    sha256: h.sha256,
  };
}

/**
 * Writes a cached split atomically (temp file, then rename). A failure (disk full, no
 * permission) removes the temp file and returns the error's one line rather than throwing:
 * the run goes on without the cache.
 *
 * @param file The cache file.
 * @param split The decoded split and its checksum.
 * @returns null when written, else why not.
 *
 * @example Usage
 * ```ts
 * import { readImageCache, writeImageCache } from "./image_cache.ts";
 * const dir = await Deno.makeTempDir();
 * const dataset = { name: "t", images: new Uint8Array([7, 8]), labels: new Uint8Array([1, 0]),
 *   count: 2, height: 1, width: 1, channels: 1, numClasses: 2 };
 * await writeImageCache(`${dir}/x.bin`, { dataset, sha256: "ab" });
 * const back = await readImageCache(`${dir}/x.bin`, "t");
 * await Deno.remove(dir, { recursive: true });
 * if (back?.dataset.images.join() !== "7,8" || back.dataset.labels.join() !== "1,0") throw new Error();
 * ```
 */
export async function writeImageCache(file: string, split: CachedSplit): Promise<string | null> {
  const { dataset: d, sha256 } = split;
  const header = new TextEncoder().encode(JSON.stringify({
    count: d.count,
    height: d.height,
    width: d.width,
    channels: d.channels,
    numClasses: d.numClasses,
    sha256,
  }));
  const head = new Uint8Array(12);
  head.set(MAGIC);
  new DataView(head.buffer).setUint32(8, header.length, true);
  const temp = tempPathFor(file);
  try {
    await Deno.mkdir(path.dirname(file), { recursive: true });
    await removeDeadTemps(path.dirname(file)); // what killed runs left
    const f = await Deno.open(temp, { write: true, createNew: true });
    try {
      for (const part of [head, header, d.images, d.labels]) {
        for (let off = 0; off < part.length;) off += await f.write(part.subarray(off));
      }
    } finally {
      f.close();
    }
    await Deno.rename(temp, file);
    return null;
  } catch (e) {
    await Deno.remove(temp).catch(() => {});
    return `cannot write the decoded-image cache ${file}: ${
      (e instanceof Error ? e.message : String(e)).split("\n")[0]
    }`;
  }
}
