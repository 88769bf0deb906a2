/**
 * bnn's one exit-code policy for its command-line tools (`train/main.ts`, `export/main.ts`,
 * `export/eval_main.ts`): a bad input — a flag, config key or value, dataset file, checkpoint or
 * model file — is a {@linkcode UserError} (or one of the built-in kinds treated as bad input) and
 * ends the tool with one line on stderr and exit code 2; anything else is a bug and exits 1.
 * (Training stopped by a NaN or Inf, exit 3, is handled by the trainer's CLI before this.)
 * @module
 */

/**
 * A bad input the user must fix: the tools print its message, one line naming the file, flag or
 * key and the problem, and exit with code 2. bnn's input errors (`DataError`, `CheckpointError`,
 * `ConfigError`, `ExportError`, `UsageError`, `WandbError`) extend it.
 *
 * @example Usage
 * ```ts
 * import { exitCodeFor, UserError } from "./errors.ts";
 * class ModelFileError extends UserError {}
 * const e = new ModelFileError("m.onnx: not an ONNX model");
 * if (!(e instanceof UserError) || exitCodeFor(e) !== 2) throw new Error();
 * ```
 */
export class UserError extends Error {
  /**
   * @param message One line naming the input and the problem.
   * @param options `cause`: the underlying error, if any.
   */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "UserError";
  }
}

/**
 * A bad command line (an unknown flag, a missing or wrong value); the CLI prints its message as
 * one line. A {@linkcode UserError}.
 *
 * @example Usage
 * ```ts
 * import { exitCodeFor, UsageError } from "./errors.ts";
 * const e = new UsageError("--epochs must be an integer ≥ 1: current value is \"x\"");
 * if (e.name !== "UsageError" || exitCodeFor(e) !== 2) throw e;
 * ```
 */
export class UsageError extends UserError {
  /** @param message One line naming the flag or argument and what is allowed. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * The built-in error kinds bnn treats as bad input too: its own argument checks throw
 * `RangeError` / `TypeError` with one-line messages (e.g. `loadDataset` on an unknown dataset).
 */
const BAD_INPUT_NAMES: ReadonlySet<string> = new Set(["RangeError", "TypeError"]);

/**
 * The exit code a CLI ends with after `e`: 2 for a bad input (a {@linkcode UserError}, a
 * `RangeError` or `TypeError`, or a missing file, `Deno.errors.NotFound`), 1 for anything else.
 *
 * @param e What was thrown.
 * @returns 2 or 1.
 *
 * @example Usage
 * ```ts
 * import { exitCodeFor, UserError } from "./errors.ts";
 * if (exitCodeFor(new UserError("x.json: not valid JSON")) !== 2) throw new Error();
 * if (exitCodeFor(new RangeError("--limit must be ≥ 0")) !== 2) throw new Error();
 * if (exitCodeFor(new Deno.errors.NotFound("no such file")) !== 2) throw new Error();
 * if (exitCodeFor(new Error("bug")) !== 1 || exitCodeFor("thrown string") !== 1) throw new Error();
 * ```
 */
export function exitCodeFor(e: unknown): number {
  if (e instanceof UserError || e instanceof Deno.errors.NotFound) return 2;
  return e instanceof Error && BAD_INPUT_NAMES.has(e.name) ? 2 : 1;
}

/**
 * `text` as one readable line for an error message: control characters (line breaks included),
 * U+FEFF and U+FFFD — which a damaged file's bytes quoted in a message can bring — written as
 * `\uXXXX`, and the text cut to `max` characters with `…`.
 *
 * @param text The text, e.g. a parser's message quoting the file.
 * @param max The most characters kept (default: all).
 * @returns The escaped line.
 *
 * @example Usage
 * ```ts
 * import { oneLine } from "./errors.ts";
 * if (oneLine('bad "a\nb"') !== 'bad "a\\u000ab"') throw new Error();
 * if (oneLine("x".repeat(100), 10) !== "xxxxxxxxx…") throw new Error();
 * ```
 */
export function oneLine(text: string, max = Infinity): string {
  let out = "";
  for (const c of text) {
    const code = c.charCodeAt(0);
    const control = code < 0x20 || (code >= 0x7f && code < 0xa0) || code === 0xfeff ||
      code === 0xfffd;
    out += control ? `\\u${code.toString(16).padStart(4, "0")}` : c;
  }
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}

/** `BNN_DEBUG` set: print stacks too (false when env access is not granted). */
function debugEnabled(): boolean {
  try {
    return Boolean(Deno.env.get("BNN_DEBUG"));
  } catch {
    return false;
  }
}

/**
 * The one way bnn's CLIs report a failure: one line `PREFIX: message` (its first line), the
 * stack after it when `BNN_DEBUG` is set, and the exit code of {@linkcode exitCodeFor}.
 *
 * @param prefix What starts the line: `error` for `train`, `bnn export` / `bnn eval`.
 * @param e What was thrown.
 * @param write Where the line goes (default: stderr).
 * @returns The exit code to end with.
 *
 * @example Usage
 * ```ts
 * import { reportError, UserError } from "./errors.ts";
 * const lines: string[] = [];
 * const code = reportError("bnn eval", new UserError("m.onnx: not a model\nmore"), (l) => lines.push(l));
 * if (code !== 2 || lines.join() !== "bnn eval: m.onnx: not a model") throw new Error(lines.join());
 * ```
 */
export function reportError(
  prefix: string,
  e: unknown,
  write: (line: string) => void = (line) => console.error(line),
): number {
  const message = e instanceof Error ? e.message ?? "" : String(e);
  write(`${prefix}: ${message.split("\n")[0]}`);
  if (debugEnabled() && e instanceof Error && e.stack) write(e.stack);
  return exitCodeFor(e);
}
