/**
 * Small helpers shared by the dataset readers (private to train/data).
 *
 * @module
 */

import { DataError } from "./data_error.ts";

/**
 * Reads a whole file, turning "not found", "is a directory" and the other file-system errors
 * (no permission, ...) into a {@linkcode DataError} naming it.
 *
 * @param file The path.
 * @returns The bytes.
 * @throws {DataError} If the file does not exist, is a folder, or cannot be read.
 *
 * @example Usage
 * ```ts
 * import { readFileOrFail } from "./_util.ts";
 * try {
 *   await readFileOrFail("/nonexistent/file");
 *   throw new Error("read a missing file");
 * } catch (e) {
 *   if ((e as Error).name !== "DataError") throw e;
 * }
 * ```
 */
export async function readFileOrFail(file: string): Promise<Uint8Array> {
  try {
    // a FIFO or device would block or never end: only regular files are read
    const stat = await Deno.stat(file);
    if (!stat.isFile && !stat.isDirectory) throw new DataError(file, "is not a regular file");
    return await Deno.readFile(file);
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw readError(file, e) ?? e;
  }
}

/**
 * The {@linkcode DataError} for a failed read or stat of `file` (not found, a folder, no
 * permission, ...), or null when `e` is not a file-system error.
 *
 * @param file The path.
 * @param e What the read threw.
 * @returns The one-line error, or null.
 *
 * @example Usage
 * ```ts
 * import { readError } from "./_util.ts";
 * const e = readError("/data/x.bin", new Deno.errors.IsADirectory("Is a directory (os error 21)"));
 * if (e?.message !== "/data/x.bin: is a folder, not a file") throw new Error(e?.message);
 * if (readError("x", new TypeError("bug")) !== null) throw new Error();
 * ```
 */
export function readError(file: string, e: unknown): DataError | null {
  if (e instanceof Deno.errors.NotFound) return new DataError(file, "file not found", { cause: e });
  if (e instanceof Deno.errors.IsADirectory) {
    return new DataError(file, "is a folder, not a file", { cause: e });
  }
  if (!(e instanceof Error) || !(e.name in Deno.errors)) return null;
  // Deno's message ends with the operation and the path (": readfile '/x'"): keep the cause only
  const why = e.message.split("\n")[0].replace(/:\s*\w+ '.*'$/, "");
  return new DataError(file, `cannot read the file: ${why}`, { cause: e });
}

/**
 * Checks every label is below `numClasses`; labels sit every `stride` bytes from `offset`.
 *
 * @param bytes The bytes holding the labels.
 * @param numClasses The number of classes (a positive integer ≤ 256).
 * @param file The file name, for error messages.
 * @param stride The distance between labels in bytes.
 * @param offset The position of the first label.
 * @throws {RangeError} If `numClasses` is not an integer in [1, 256].
 * @throws {DataError} If a label is out of range.
 *
 * @example Usage
 * ```ts
 * import { checkLabels } from "./_util.ts";
 * checkLabels(new Uint8Array([0, 9, 3]), 10, "labels", 1, 0);
 * ```
 */
export function checkLabels(
  bytes: Uint8Array,
  numClasses: number,
  file: string,
  stride: number,
  offset: number,
): void {
  if (!Number.isInteger(numClasses) || numClasses < 1 || numClasses > 256) {
    throw new RangeError(
      `Cannot load ${file} as numClasses must be an integer in [1, 256]: current value is ${numClasses}`,
    );
  }
  for (let i = offset, n = 0; i < bytes.length; i += stride, n++) {
    if (bytes[i] >= numClasses) {
      throw new DataError(
        file,
        `label ${bytes[i]} of example ${n} is out of range for ${numClasses} classes`,
      );
    }
  }
}

/**
 * A byte count in decimal units for messages: `1.7 TB`, `30.7 MB`, `512 bytes`.
 *
 * @param bytes The count.
 * @returns The count with a unit (one decimal below 10 of the unit).
 *
 * @example Usage
 * ```ts
 * import { formatBytes } from "./_util.ts";
 * if (formatBytes(2 ** 31 * 784) !== "1.7 TB" || formatBytes(176160768) !== "176 MB") throw new Error();
 * if (formatBytes(512) !== "512 bytes") throw new Error();
 * ```
 */
export function formatBytes(bytes: number): string {
  const units = ["kB", "MB", "GB", "TB", "PB", "EB"];
  if (bytes < 1000) return `${bytes} bytes`;
  let v = bytes / 1000, u = 0;
  while (v >= 1000 && u < units.length - 1) v /= 1000, u++;
  return `${v >= 9.95 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}
