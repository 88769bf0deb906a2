/**
 * Small helpers shared by the dataset readers (private to train/data).
 *
 * @module
 */

import { DataError } from "./data_error.ts";

/**
 * Reads a whole file, turning "not found" into a {@linkcode DataError} naming it.
 *
 * @param file The path.
 * @returns The bytes.
 * @throws {DataError} If the file does not exist.
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
    return await Deno.readFile(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new DataError(file, "file not found", { cause: e });
    }
    throw e;
  }
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
