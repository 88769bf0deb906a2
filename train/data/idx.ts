/**
 * The IDX format of MNIST (LeCun et al.), raw or gzipped, and datasets built from an
 * images file and a labels file in that format (MNIST, Fashion-MNIST, or any custom set).
 *
 * An IDX file is a big-endian header then the data: 2 zero bytes, a type byte (0x08 =
 * unsigned byte, the only type datasets use), the number of dimensions d, then d uint32
 * sizes, then the product of the sizes in bytes. Images are magic 0x00000803 (count, rows,
 * columns); labels are magic 0x00000801 (count).
 *
 * @module
 */

import path from "node:path";
import { DataError } from "./data_error.ts";
import type { ImageDataset } from "./dataset.ts";
import { gunzipStream, isGzip } from "./gunzip.ts";
import { checkLabels, formatBytes, readFileOrFail } from "./_util.ts";

/** A parsed IDX file of unsigned bytes. */
export interface IdxArray {
  /** The dimension sizes from the header. */
  dims: number[];
  /** The data, `dims` product bytes (a view into the file's bytes). */
  data: Uint8Array;
}

/**
 * Parses an IDX file of unsigned bytes.
 *
 * @param bytes The file's (decompressed) bytes.
 * @param file The file name, for error messages.
 * @param expectedDims If given, the number of dimensions the file must have (3 for images, 1 for labels).
 * @param headerOnly Check the magic number and header only, not the data's size.
 * @returns The dimension sizes and the data.
 * @throws {DataError} On a wrong magic number, a non-byte type, or a data size that does not
 *   match the header (truncated or with extra bytes).
 *
 * @example Usage
 * ```ts
 * import { parseIdx } from "./idx.ts";
 * const labels = parseIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 2, 7, 3]), "labels", 1);
 * if (labels.dims.join() !== "2" || labels.data.join() !== "7,3") throw new Error();
 * ```
 */
export function parseIdx(
  bytes: Uint8Array,
  file: string,
  expectedDims?: number,
  headerOnly = false,
): IdxArray {
  if (bytes.length < 4) {
    throw new DataError(file, `truncated IDX file: ${bytes.length} bytes, no 4-byte magic number`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  const ndims = bytes[3];
  const wanted = expectedDims === undefined ? "" : ` (expected 0x${magicFor(expectedDims)})`;
  if (
    bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 0x08 || ndims === 0 ||
    (expectedDims !== undefined && ndims !== expectedDims)
  ) {
    throw new DataError(
      file,
      `wrong magic number 0x${
        magic.toString(16).padStart(8, "0")
      }${wanted}; not an unsigned-byte IDX file${
        expectedDims === undefined
          ? ""
          : ` with ${expectedDims} dimension${expectedDims > 1 ? "s" : ""}`
      }`,
    );
  }
  const headerSize = 4 + 4 * ndims;
  if (bytes.length < headerSize) {
    throw new DataError(
      file,
      `truncated IDX header: ${bytes.length} bytes, expected ${headerSize}`,
    );
  }
  const dims: number[] = [];
  let size = 1;
  for (let i = 0; i < ndims; i++) {
    dims.push(view.getUint32(4 + 4 * i));
    size *= dims[i];
  }
  if (headerOnly) return { dims, data: bytes.subarray(headerSize) };
  const have = bytes.length - headerSize;
  if (have < size) {
    throw new DataError(
      file,
      `truncated IDX data: header says ${dims.join("×")} = ${size} bytes${
        size >= 1e6 ? ` (${formatBytes(size)})` : ""
      }, file has ${have}`,
    );
  }
  if (have > size) {
    throw new DataError(
      file,
      `IDX data size mismatch: header says ${dims.join("×")} = ${size} bytes, file has ${have} (${
        have - size
      } extra)`,
    );
  }
  return { dims, data: bytes.subarray(headerSize) };
}

/**
 * Reads and parses an IDX file, gunzipping it first if it starts with the gzip magic.
 *
 * @param file The path of the `.gz` or raw IDX file.
 * @param expectedDims The number of dimensions the file must have, if known.
 * @returns The dimension sizes and the data.
 * @throws {DataError} If the file is missing, not valid gzip, or not a valid IDX file.
 *
 * @example Usage
 * ```ts
 * import { readIdxFile } from "./idx.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeFile(`${dir}/l.idx`, new Uint8Array([0, 0, 8, 1, 0, 0, 0, 1, 5]));
 * const { data } = await readIdxFile(`${dir}/l.idx`, 1);
 * await Deno.remove(dir, { recursive: true });
 * if (data[0] !== 5) throw new Error();
 * ```
 */
export async function readIdxFile(file: string, expectedDims?: number): Promise<IdxArray> {
  let bytes = await readFileOrFail(file);
  if (isGzip(bytes)) bytes = await gunzipIdx(bytes, file, expectedDims);
  return parseIdx(bytes, file, expectedDims);
}

/**
 * Gunzips an IDX file, reading no more than its header declares: data past that is refused as
 * soon as it appears, so a small file that inflates to gigabytes (a gzip bomb) is never held.
 */
async function gunzipIdx(gz: Uint8Array, file: string, expectedDims?: number): Promise<Uint8Array> {
  const reader = gunzipStream(new Blob([gz as Uint8Array<ArrayBuffer>]).stream(), file).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let declared = Infinity; // header + data bytes, once the header is in
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.length;
      if (declared === Infinity && total >= 4) {
        const head = concat(chunks, Math.min(total, 4 + 4 * 255));
        const headerSize = 4 + 4 * head[3];
        if (head.length >= headerSize) {
          const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
          let size = 1;
          for (let i = 4; i < headerSize; i += 4) size *= view.getUint32(i);
          declared = headerSize + size;
          // deflate expands at most 1032:1, so more than that was never in the file
          if (declared > gz.length * 1032 + 1024) {
            const { dims } = parseIdx(head.subarray(0, headerSize), file, expectedDims, true);
            throw new DataError(
              file,
              `truncated IDX data: header says ${dims.join("×")} = ${size} bytes (${
                formatBytes(size)
              }), more than the ${gz.length}-byte gzip file can hold`,
            );
          }
        }
      }
      if (total > declared) {
        // the header's own checks first (magic, dimensions), then the size
        const { dims } = parseIdx(concat(chunks, declared), file, expectedDims);
        throw new DataError(
          file,
          `IDX data size mismatch: header says ${dims.join("×")} = ${
            declared - 4 - 4 * dims.length
          } bytes, the gzip data holds more`,
        );
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return concat(chunks, total);
}

/** The first `n` bytes of `chunks` joined. */
function concat(chunks: readonly Uint8Array[], n: number): Uint8Array {
  const out = new Uint8Array(n);
  let offset = 0;
  for (const chunk of chunks) {
    if (offset >= n) break;
    const part = chunk.subarray(0, n - offset);
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Options for {@linkcode loadIdxDataset}. */
export interface IdxDatasetOptions {
  /** The images file (magic 0x00000803), raw or gzipped. */
  images: string;
  /** The labels file (magic 0x00000801), raw or gzipped. */
  labels: string;
  /** The dataset's name (default: the images file's base name). */
  name?: string;
  /** The number of classes (default: the largest label + 1). */
  numClasses?: number;
}

/**
 * Loads an images file and a labels file in IDX format as a one-channel
 * {@linkcode ImageDataset}, e.g. Fashion-MNIST from explicit paths.
 *
 * @param options The two paths, the name and the number of classes.
 * @returns The dataset.
 * @throws {DataError} On a bad file, if the two counts differ, or if a label is ≥ `numClasses`.
 *
 * @example Usage
 * ```ts
 * import { loadIdxDataset } from "./idx.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeFile(`${dir}/i`, new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 9, 8]));
 * await Deno.writeFile(`${dir}/l`, new Uint8Array([0, 0, 8, 1, 0, 0, 0, 1, 4]));
 * const ds = await loadIdxDataset({ images: `${dir}/i`, labels: `${dir}/l`, name: "tiny", numClasses: 10 });
 * await Deno.remove(dir, { recursive: true });
 * if (ds.count !== 1 || ds.width !== 2 || ds.images.join() !== "9,8" || ds.labels[0] !== 4) throw new Error();
 * ```
 */
export async function loadIdxDataset(options: IdxDatasetOptions): Promise<ImageDataset> {
  const images = await readIdxFile(options.images, 3);
  const labels = await readIdxFile(options.labels, 1);
  const [count, height, width] = images.dims;
  if (count === 0 || height === 0 || width === 0) {
    throw new DataError(
      options.images,
      `header says ${count} images of ${height}×${width}: no ${count === 0 ? "images" : "pixels"}`,
    );
  }
  if (labels.dims[0] !== count) {
    throw new DataError(
      options.labels,
      `count mismatch: ${labels.dims[0]} labels but ${count} images in ${options.images}`,
    );
  }
  const numClasses = options.numClasses ?? maxOf(labels.data) + 1;
  checkLabels(labels.data, numClasses, options.labels, 1, 0);
  return {
    name: options.name ?? path.basename(options.images).replace(/\.gz$/, ""),
    images: images.data,
    labels: labels.data,
    count,
    height,
    width,
    channels: 1,
    numClasses,
  };
}

function maxOf(bytes: Uint8Array): number {
  let m = 0;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] > m) m = bytes[i];
  return m;
}

function magicFor(ndims: number): string {
  return (0x800 + ndims).toString(16).padStart(8, "0");
}
