/**
 * What bnn's command-line tools share: the bad-input error kinds and the one exit-code policy
 * ({@linkcode ./errors.ts}), the runner and argument parser of the one-argument CLIs
 * ({@linkcode ./run_cli.ts}), the one-line wording of `node:util` parseArgs errors
 * ({@linkcode ./parse_args_error.ts}) and the "did you mean" suggestions ({@linkcode ./closest.ts}).
 *
 * @example Usage
 * ```ts
 * import { exitCodeFor, UsageError } from "./mod.ts";
 * if (exitCodeFor(new UsageError("--port must be an integer")) !== 2) throw new Error();
 * ```
 * @module
 */
export * from "./errors.ts";
export * from "./run_cli.ts";
export * from "./parse_args_error.ts";
export * from "./closest.ts";
