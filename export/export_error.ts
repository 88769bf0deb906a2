/**
 * The error of the export and eval tools: a bad input (run directory, checkpoint,
 * model file, dataset/model mismatch, CLI flag). Its message is one line naming the
 * file or flag and the problem, so a CLI prints `error.message` as is.
 * @module
 */

import { UserError } from "../cli/errors.ts";

/**
 * An input to `bnn export` or `bnn eval` that cannot be used.
 *
 * @example Usage
 * ```ts
 * import { ExportError } from "./export_error.ts";
 * const e = new ExportError("runs/x has no checkpoint (looked for best.ckpt, last.ckpt)");
 * if (e.name !== "ExportError") throw new Error(e.name);
 * ```
 */
export class ExportError extends UserError {
  /** @param message One line naming the input and the problem. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ExportError";
  }
}
