/**
 * The one error type for bad dataset files: wrong magic number, truncated data, count
 * mismatch, bad record size, md5 mismatch, unsafe archive member, failed download.
 * The message is one line that names the file (or URL) and the problem, so a CLI can
 * print `error.message` as is.
 *
 * @module
 */

import { UserError } from "../../cli/errors.ts";

/**
 * A dataset file is missing, damaged or not in the expected format.
 *
 * @example Usage
 * ```ts
 * import { DataError } from "./data_error.ts";
 * const e = new DataError("/data/x.bin", "size 10 is not a multiple of the record size 3073");
 * if (e.message !== "/data/x.bin: size 10 is not a multiple of the record size 3073") {
 *   throw new Error(e.message);
 * }
 * ```
 */
export class DataError extends UserError {
  /** The file or URL the problem is about. */
  readonly file: string;

  /**
   * Makes the error; the message is `"<file>: <problem>"`.
   *
   * @param file The file or URL the problem is about.
   * @param problem What is wrong, in sentence case with no final period.
   * @param options `cause`: the underlying error, if any.
   */
  constructor(file: string, problem: string, options?: { cause?: unknown }) {
    super(`${file}: ${problem}`, options);
    this.name = "DataError";
    this.file = file;
  }
}
