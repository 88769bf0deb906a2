/**
 * One clear line for the errors of `node:util` `parseArgs` (strict mode), whose own messages
 * are several lines long or talk about positionals: an unknown flag (with a "did you mean"),
 * a flag without its value, a value given to a boolean flag.
 * @module
 */
import { closest } from "./closest.ts";

/**
 * The one-line message for a `parseArgs` error, or `null` when `e` is not one.
 *
 * @param e What `parseArgs` threw.
 * @param flags The flag names the command knows (without `--`), for the "did you mean".
 * @returns `unknown flag --x (did you mean --y?)`, `--x needs a value …`, `--x takes no value`.
 *
 * @example Usage
 * ```ts
 * import { parseArgs } from "node:util";
 * import { parseArgsErrorLine } from "./parse_args_error.ts";
 * try {
 *   parseArgs({ args: ["--epoch", "2"], options: { epochs: { type: "string" } } });
 *   throw new Error("not reached");
 * } catch (e) {
 *   const line = parseArgsErrorLine(e, ["epochs"]);
 *   if (line !== "unknown flag --epoch (did you mean --epochs?)") throw new Error(String(line));
 * }
 * ```
 */
export function parseArgsErrorLine(e: unknown, flags: readonly string[]): string | null {
  if (!(e instanceof Error)) return null;
  const code = (e as { code?: unknown }).code;
  const message = e.message;
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const flag = /^Unknown option '([^']*)'/.exec(message)?.[1] ?? "?";
    const near = flag.startsWith("--") ? closest(flag.slice(2), flags) : undefined;
    return `unknown flag ${flag}${near === undefined ? "" : ` (did you mean --${near}?)`}`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const flag = /^Option '(-[^' ]*)/.exec(message)?.[1] ?? "?";
    if (message.includes("does not take an argument")) return `${flag} takes no value`;
    if (message.includes("ambiguous")) {
      return `${flag} needs a value but is followed by another flag (a value that starts with "-" is written ${flag}=-VALUE)`;
    }
    return `${flag} needs a value`;
  }
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
    return `unexpected argument: ${message.split("\n")[0]}`;
  }
  return null;
}
