/**
 * Decoding PNG, JPEG and WebP files to raw pixels with `sharp` (libvips, whose prebuilt library
 * comes inside its npm packages), for image-folder datasets.
 *
 * Each image is decoded to 8-bit sRGB with any alpha channel dropped (as PIL's
 * `convert("RGB")`), stretched to `size`×`size` when it has another size (libvips' Lanczos-3,
 * as torchvision's `Resize((s, s))` stretches), and, for one channel, turned grey with PIL's
 * `convert("L")` integer formula
 *
 *   L = (19595·R + 38470·G + 7471·B + 2¹⁵) >> 16    (ITU-R 601-2 luma)
 *
 * which maps a grey pixel (R = G = B = v) to v exactly: a grey PNG gives back its own bytes.
 *
 * `sharp` is imported on first use only: it loads a native library (FFI), which nothing else
 * needs, so the CLIs that never decode an image run without it.
 *
 * Files are read and decoded a few at a time (libvips decodes on its own threads), and each
 * file's SHA-256 is taken on the way, so the split's checksum costs no second read.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { DataError } from "./data_error.ts";
import { readError } from "./_util.ts";

let sharpModule: Promise<typeof import("sharp").default> | undefined;

/** `sharp`, imported on first use. */
function loadSharp(): Promise<typeof import("sharp").default> {
  sharpModule ??= import("sharp").then((m) => m.default);
  return sharpModule;
}

/**
 * The decoder and its library versions, for the cache key of decoded images.
 *
 * @returns A JSON string naming sharp's and libvips' versions.
 *
 * @example Usage
 * ```ts
 * import { decoderVersion } from "./decode_images.ts";
 * if (!(await decoderVersion()).includes('"sharp"')) throw new Error();
 * ```
 */
export async function decoderVersion(): Promise<string> {
  const sharp = await loadSharp();
  return JSON.stringify({ sharp: sharp.versions.sharp, vips: sharp.versions.vips });
}

/**
 * Decodes one image to `size`×`size`×`channels` bytes (HWC), as the module doc says.
 *
 * @param bytes The file's bytes.
 * @param file Its path, for error messages.
 * @param size The side of the square output.
 * @param channels 1 (grey) or 3 (RGB).
 * @returns The pixels, row by row, channels interleaved.
 * @throws {DataError} If the bytes are not a readable PNG, JPEG or WebP image.
 *
 * @example Usage
 * ```ts
 * import sharp from "sharp";
 * import { decodeImage } from "./decode_images.ts";
 * const raw = new Uint8Array([0, 64, 128, 255]);
 * const png = await sharp(raw, { raw: { width: 2, height: 2, channels: 1 } }).png().toBuffer();
 * const back = await decodeImage(png, "x.png", 2, 1);
 * if (back.join() !== "0,64,128,255") throw new Error(back.join());
 * ```
 */
export async function decodeImage(
  bytes: Uint8Array,
  file: string,
  size: number,
  channels: 1 | 3,
): Promise<Uint8Array> {
  const sharp = await loadSharp();
  let rgb: Uint8Array;
  try {
    // (sharp skips the resize of an image that has the size already: its pixels stay as they are)
    const image = sharp(bytes).removeAlpha().toColourspace("srgb").resize(size, size, {
      fit: "fill",
    });
    const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || info.width !== size || info.height !== size) {
      throw new Error(`decoded to ${info.width}×${info.height}×${info.channels}`);
    }
    rgb = new Uint8Array(data.buffer, data.byteOffset, data.length);
  } catch (e) {
    const why = (e instanceof Error ? e.message : String(e)).split("\n")[0];
    throw new DataError(file, `cannot decode the image: ${why}`, { cause: e });
  }
  if (channels === 3) return rgb;
  const grey = new Uint8Array(size * size);
  for (let i = 0, j = 0; i < grey.length; i++, j += 3) {
    grey[i] = (19595 * rgb[j] + 38470 * rgb[j + 1] + 7471 * rgb[j + 2] + 0x8000) >>> 16;
  }
  return grey;
}

/**
 * Reads an image file synchronously: the files are small, and a synchronous read costs a tenth
 * of an asynchronous one while libvips decodes the others on its own threads. The scan has
 * already refused what is not a regular file.
 */
function readSmallFile(file: string): Uint8Array {
  try {
    return Deno.readFileSync(file);
  } catch (e) {
    throw readError(file, e) ?? e;
  }
}

/** Options of {@linkcode decodeImageFiles}. */
export interface DecodeOptions {
  /** The side of the square output images. */
  size: number;
  /** 1 (grey) or 3 (RGB). */
  channels: 1 | 3;
  /** Called after each image with the number done so far. */
  onProgress?: (done: number) => void;
  /** Images read and decoded at once (default 8). */
  parallel?: number;
}

/**
 * Decodes files in order into one NHWC byte array, and their SHA-256s.
 *
 * @param files The image paths.
 * @param options The output size and channels, progress, parallelism.
 * @returns `images` (`files.length`·size·size·channels bytes) and one hex SHA-256 per file.
 * @throws {DataError} Naming the first file that cannot be read or decoded.
 *
 * @example Usage
 * ```ts
 * import sharp from "sharp";
 * import { decodeImageFiles } from "./decode_images.ts";
 * const dir = await Deno.makeTempDir();
 * const red = { r: 255, g: 0, b: 0 };
 * await sharp({ create: { width: 3, height: 5, channels: 3, background: red } }).png().toFile(`${dir}/a.png`);
 * const { images } = await decodeImageFiles([`${dir}/a.png`], { size: 2, channels: 3 });
 * await Deno.remove(dir, { recursive: true });
 * if (images.join() !== "255,0,0,".repeat(4).slice(0, -1)) throw new Error(images.join());
 * ```
 */
export async function decodeImageFiles(
  files: readonly string[],
  options: DecodeOptions,
): Promise<{ images: Uint8Array; sha256: string[] }> {
  const { size, channels } = options;
  const pixels = size * size * channels;
  const images = new Uint8Array(files.length * pixels);
  const sha256 = new Array<string>(files.length);
  let next = 0;
  let done = 0;
  let failed = false;
  const worker = async () => {
    while (next < files.length && !failed) {
      const i = next++;
      try {
        const bytes = readSmallFile(files[i]);
        sha256[i] = createHash("sha256").update(bytes).digest("hex");
        images.set(await decodeImage(bytes, files[i], size, channels), i * pixels);
      } catch (e) {
        failed = true; // the other workers stop at their next file
        throw e;
      }
      options.onProgress?.(++done);
    }
  };
  const parallel = Math.max(1, Math.min(options.parallel ?? 8, files.length));
  await Promise.all(Array.from({ length: parallel }, worker));
  return { images, sha256 };
}
