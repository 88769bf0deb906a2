/**
 * The command line of `deno task sweep`:
 *
 *     deno task sweep NAME CONFIG... --seeds RANGE [--<config key> VALUE ...]
 *       [--engine local|slurm] [--slurm-args "..."] [--parallel N] [--data-dir DIR]
 *       [--checkpoint-every N] [--backend NAME] [--root DIR]
 *     deno task sweep NAME --resume [--engine ...] [--slurm-args ...] [--data-dir DIR] [--root DIR]
 *     deno task sweep status NAME [--root DIR]
 *
 * Config keys are the trainer's (`--epochs 10`, `--limit-train 2000`), applied to every config.
 * @module
 */
import { parseArgs } from "node:util";
import { UsageError } from "../cli/errors.ts";
import { parseArgsErrorLine } from "../cli/parse_args_error.ts";
import { configOptions, pickConfigOverrides } from "../train/config/mod.ts";
import { parseBackendFlag } from "../train/backend/backend_flag.ts";
import { type Engine, ENGINES } from "./manifest.ts";
import { DEFAULT_SWEEPS_ROOT } from "./sweep_folder.ts";

/** Steps between a job's mid-epoch checkpoints unless `--checkpoint-every` says otherwise. */
export const DEFAULT_CHECKPOINT_EVERY = 200;
/** Slurm tasks running at once (`%N`) unless `--parallel` says otherwise. */
export const DEFAULT_PARALLEL = 8;

/** `deno task sweep NAME ...`: start (or continue) a sweep. */
export interface StartArgs {
  kind: "start";
  /** The command line as given (recorded in the manifest). */
  argv: string[];
  name: string;
  /** Config names or files; empty with `resume`. */
  configs: string[];
  /** The `--seeds` text; undefined with `resume`. */
  seeds?: string;
  overrides: Record<string, string>;
  /** Continue the sweep of this name as its manifest says. */
  resume: boolean;
  engine?: Engine;
  slurmArgs: string[];
  parallel?: number;
  dataDir?: string;
  checkpointEvery?: number;
  backend?: string;
  root: string;
}

/** `deno task sweep status NAME`. */
export interface StatusArgs {
  kind: "status";
  name: string;
  root: string;
}

/** A parsed command line. */
export type SweepArgs = StartArgs | StatusArgs | { kind: "help" };

const OWN_OPTIONS = {
  help: { type: "boolean", short: "h" },
  seeds: { type: "string" },
  resume: { type: "boolean" },
  engine: { type: "string" },
  "slurm-args": { type: "string" },
  parallel: { type: "string" },
  "data-dir": { type: "string" },
  "checkpoint-every": { type: "string" },
  backend: { type: "string" },
  root: { type: "string" },
} as const;

/** The names a sweep may have: a folder name, nothing that escapes the root. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Checks a sweep name: a folder name of letters, digits, `.`, `_`, `-`.
 *
 * @throws {UsageError} When it is missing or not such a name.
 *
 * @example Usage
 * ```ts
 * import { checkName } from "./cli_args.ts";
 * if (checkName("table2-mnist") !== "table2-mnist") throw new Error();
 * try {
 *   checkName("../x");
 *   throw new Error("not refused");
 * } catch (e) {
 *   if ((e as Error).name !== "UsageError") throw e;
 * }
 * ```
 */
export function checkName(name: string | undefined): string {
  if (name === undefined) throw new UsageError("give the sweep's NAME first (see --help)");
  if (!NAME.test(name)) {
    throw new UsageError(
      `sweep name ${JSON.stringify(name)} must be letters, digits, ".", "_" or "-" (a folder name)`,
    );
  }
  return name;
}

/** A positive integer flag. */
function positiveInt(flag: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === "" || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(
      `--${flag} must be an integer ≥ ${min}: current value is ${JSON.stringify(text)}`,
    );
  }
  return n;
}

/**
 * Parses `deno task sweep`'s arguments.
 *
 * @throws {UsageError} On an unknown flag, a bad engine, backend or number, a bad name, missing
 *   `--seeds`, configs given with `--resume`.
 *
 * @example Usage
 * ```ts
 * import { parseSweepArgs } from "./cli_args.ts";
 * const a = parseSweepArgs(["t2", "mnist_ste", "--seeds", "1-3", "--epochs", "10"]);
 * if (a.kind !== "start" || a.configs.join() !== "mnist_ste" || a.overrides.epochs !== "10") throw new Error();
 * const s = parseSweepArgs(["status", "t2"]);
 * if (s.kind !== "status" || s.name !== "t2") throw new Error();
 * ```
 */
export function parseSweepArgs(args: string[]): SweepArgs {
  const options = { ...configOptions(), ...OWN_OPTIONS };
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    const line = parseArgsErrorLine(e, Object.keys(options));
    throw new UsageError(`${line ?? (e as Error).message.split("\n")[0]} (see --help)`);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  const [first, ...rest] = parsed.positionals;
  if (v.help === true) return { kind: "help" };
  const root = (v.root as string | undefined) ?? DEFAULT_SWEEPS_ROOT;
  if (first === "status") {
    if (rest.length !== 1) throw new UsageError("give one sweep: deno task sweep status NAME");
    return { kind: "status", name: checkName(rest[0]), root };
  }
  const name = checkName(first);
  const engine = v.engine as string | undefined;
  if (engine !== undefined && !(ENGINES as readonly string[]).includes(engine)) {
    throw new UsageError(
      `--engine must be local or slurm: current value is ${JSON.stringify(engine)}`,
    );
  }
  const backend = parseBackendFlag(v.backend as string | undefined);
  const overrides = pickConfigOverrides(v);
  const resume = v.resume === true;
  if (resume && (rest.length > 0 || v.seeds !== undefined || Object.keys(overrides).length > 0)) {
    throw new UsageError(
      "--resume continues the sweep as its manifest says: drop the CONFIGs, --seeds and the config flags",
    );
  }
  if (!resume && v.seeds === undefined) {
    throw new UsageError("give the seeds: --seeds RANGE (e.g. --seeds 1-5)");
  }
  return {
    kind: "start",
    argv: [...args],
    name,
    configs: rest,
    seeds: v.seeds as string | undefined,
    overrides,
    resume,
    engine: engine as Engine | undefined,
    slurmArgs: ((v["slurm-args"] as string | undefined) ?? "").split(/\s+/).filter((a) => a !== ""),
    parallel: positiveInt("parallel", v.parallel as string | undefined, 1),
    dataDir: v["data-dir"] as string | undefined,
    checkpointEvery: positiveInt(
      "checkpoint-every",
      v["checkpoint-every"] as string | undefined,
      0,
    ),
    backend,
    root,
  };
}
