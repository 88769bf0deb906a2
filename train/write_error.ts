/**
 * A file that could not be written — disk full, no permission, read-only file system — as one
 * line naming the file and the cause in plain words, e.g.
 * `cannot write runs/x/checkpoints/last.ckpt: no space left on device`. {@linkcode writeError}
 * turns the operating system's error into it.
 * @module
 */
import { UserError } from "../cli/errors.ts";

/**
 * The plain words for the `code` of the file-system errors a user must act on (free space, fix
 * permissions); any other OS error keeps the system's own words (`Is a directory`, ...).
 */
const CAUSES: Record<string, string> = {
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
};

/**
 * A file that could not be written; its message is one line naming the file and the cause. A
 * {@linkcode UserError}: the CLIs print it and exit with code 2 (the user must free space or fix
 * permissions).
 *
 * @example Usage
 * ```ts
 * import { WriteError } from "./write_error.ts";
 * const e = new WriteError("runs/x/summary.json", "no space left on device");
 * if (e.message !== "cannot write runs/x/summary.json: no space left on device") throw e;
 * ```
 */
export class WriteError extends UserError {
  /**
   * @param file The file that was being written.
   * @param reason The cause in plain words, e.g. `no space left on device`.
   * @param options The underlying error.
   */
  constructor(readonly file: string, readonly reason: string, options?: { cause?: unknown }) {
    super(`cannot write ${file}: ${reason}`, options);
    this.name = "WriteError";
  }
}

/**
 * The {@linkcode WriteError} for a failed write of `file`, or null when `e` is not a
 * file-system error (a bug, to be rethrown as is).
 *
 * @param file The destination the caller was writing (not its temp file).
 * @param e What the write threw.
 * @returns The one-line error, or null.
 *
 * @example Usage
 * ```ts
 * import { writeError } from "./write_error.ts";
 * try {
 *   await Deno.writeTextFile("/nonexistent-folder/x.json", "{}");
 * } catch (e) {
 *   const w = writeError("/nonexistent-folder/x.json", e);
 *   if (w?.message !== "cannot write /nonexistent-folder/x.json: No such file or directory") {
 *     throw e;
 *   }
 * }
 * ```
 */
export function writeError(file: string, e: unknown): WriteError | null {
  if (e instanceof WriteError) return e;
  if (!(e instanceof Error)) return null;
  const code = (e as Error & { code?: unknown }).code;
  if (typeof code === "string" && Object.hasOwn(CAUSES, code)) {
    return new WriteError(file, CAUSES[code]!, { cause: e });
  }
  // another OS error: its text without Deno's "(os error N): op 'path'" tail (which may name
  // the temp file rather than `file`)
  const os = e.message.match(/^(.+?) \(os error \d+\)/);
  return os === null ? null : new WriteError(file, os[1]!, { cause: e });
}
