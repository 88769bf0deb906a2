/**
 * How bnn's export and eval CLIs report a failure: expected input errors (a bad
 * flag, file, checkpoint, dataset or config) become one line on stderr and exit
 * status 2, as in the trainer; anything else is a bug and keeps its stack trace.
 * @module
 */

const EXPECTED = new Set([
  "ExportError",
  "CheckpointError",
  "DataError",
  "ConfigError",
  "RangeError",
  "TypeError",
]);

/**
 * The one-line message of an expected input error, or null for an unexpected one.
 *
 * @example Usage
 * ```ts
 * import { cliErrorLine } from "./cli_error.ts";
 * if (cliErrorLine("export", new RangeError("bad")) !== "bnn export: bad") throw new Error();
 * if (cliErrorLine("export", new Error("bug")) !== null) throw new Error();
 * ```
 */
export function cliErrorLine(command: string, e: unknown): string | null {
  if (!(e instanceof Error) || !EXPECTED.has(e.name)) return null;
  return `bnn ${command}: ${e.message.split("\n")[0]}`;
}

/**
 * Runs a CLI body, turning expected errors into one line and exit status 2.
 *
 * @example Usage
 * ```ts ignore
 * import { runCli } from "./cli_error.ts";
 * await runCli("export", async () => { throw new RangeError("--samples must be ≥ 0") });
 * ```
 */
export async function runCli(command: string, body: () => Promise<void>): Promise<never> {
  try {
    await body();
  } catch (e) {
    const line = cliErrorLine(command, e);
    if (line === null) throw e;
    console.error(line);
    Deno.exit(2);
  }
  Deno.exit(0);
}
