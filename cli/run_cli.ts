/**
 * The plumbing of bnn's one-argument CLIs (export, eval, serve, …): their argument parser
 * ({@linkcode parseOneArg}) and {@linkcode runCli}, which reports a failure as the trainer does
 * (`reportError` in ./errors.ts: one line, exit 2 for bad input, 1 for a bug, the stack with
 * `BNN_DEBUG`).
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";
import { parseArgsErrorLine } from "./parse_args_error.ts";
import { reportError, UsageError } from "./errors.ts";

/**
 * Runs a CLI body; a failure becomes one line `bnn COMMAND: …` and its exit code (see
 * `reportError` in ./errors.ts: 2 for bad input, 1 for a bug).
 *
 * @example Usage
 * ```ts ignore
 * import { runCli } from "./run_cli.ts";
 * await runCli("export", async () => { throw new RangeError("--samples must be ≥ 0") });
 * ```
 */
export async function runCli(command: string, body: () => Promise<void>): Promise<never> {
  try {
    await body();
  } catch (e) {
    Deno.exit(reportError(`bnn ${command}`, e));
  }
  Deno.exit(0);
}

/** The flags `parseArgs` gives for the options `O` (strict, positionals allowed). */
export type ParsedFlags<O extends NonNullable<ParseArgsConfig["options"]>> = ReturnType<
  typeof parseArgs<{ args: string[]; allowPositionals: true; options: O; strict: true }>
>["values"];

/**
 * Parses a CLI's flags (node:util `parseArgs`, strict) and its one positional argument; a bad
 * flag or a missing/extra positional becomes a `UsageError` of one line. The
 * positional may be absent only with `--help`.
 *
 * @param args The command line (`Deno.args`).
 * @param options The flags, as for `parseArgs`; must include `help`.
 * @param what The positional's name for the message, e.g. `MODEL.onnx`.
 * @returns The parsed flags and the positional (undefined only with `--help`).
 * @throws {UsageError} On a bad flag or a wrong number of positionals.
 * @example Usage
 * ```ts
 * import { parseOneArg } from "./run_cli.ts";
 * const options = { out: { type: "string" }, help: { type: "boolean" } } as const;
 * const { values, positional } = parseOneArg(["run", "--out", "m.onnx"], options, "RUN_DIR");
 * if (positional !== "run" || values.out !== "m.onnx") throw new Error();
 * ```
 */
export function parseOneArg<const O extends NonNullable<ParseArgsConfig["options"]>>(
  args: string[],
  options: O,
  what: string,
): { values: ParsedFlags<O>; positional: string | undefined } {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options, strict: true });
  } catch (e) {
    const line = parseArgsErrorLine(e, Object.keys(options));
    if (line === null) throw e;
    throw new UsageError(`${line} (see --help)`);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 1 && !(values as Record<string, unknown>).help) {
    throw new UsageError(
      `expected one ${what} argument: got ${positionals.length}${
        positionals.length ? ` (${JSON.stringify(positionals)})` : ""
      }; see --help`,
    );
  }
  return { values, positional: positionals[0] };
}
