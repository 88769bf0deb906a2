/**
 * The error of `bnn serve`: a bad input (model file, flag, port). Its message is one line naming
 * the input and the problem; the CLI prints it and exits with code 2 (`cli/errors.ts`).
 * @module
 */
import { UserError } from "../cli/errors.ts";

/**
 * An input to `bnn serve` that cannot be used.
 *
 * @example Usage
 * ```ts
 * import { ServeError } from "./serve_error.ts";
 * import { exitCodeFor } from "../cli/errors.ts";
 * const e = new ServeError("port 8080 on 127.0.0.1 is in use");
 * if (e.name !== "ServeError" || exitCodeFor(e) !== 2) throw new Error();
 * ```
 */
export class ServeError extends UserError {
  /** @param message One line naming the input and the problem. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ServeError";
  }
}
