/**
 * A sweep's grid: every config × every seed is one job, a `train:*` run of the config with that
 * seed in its own run folder, `ROOT/NAME/<config>/seed-<s>` (./sweep_folder.ts). Configs are named
 * as in `configs/` (`mnist_bayesbinn`) or given as JSON files; the optimizer is the file's
 * `"optimizer"` key. The command line's config overrides (`--epochs 10`) apply to every config,
 * and each config is resolved once, up front, by the trainer's own resolver — so an unknown key or
 * a bad value stops the sweep before anything runs or is submitted.
 * @module
 */
import path from "node:path";
import { UsageError } from "../cli/errors.ts";
import { closest } from "../cli/closest.ts";
import { type Config, resolveConfig } from "../train/config/mod.ts";
import { isOptimizerKind, type OptimizerKind } from "../train/optimizers/optimizer_kind.ts";
import { jobRunDir } from "./sweep_folder.ts";

/** The repository's `configs/` folder, where config names are looked up. */
export const CONFIGS_DIR: string = new URL("../configs/", import.meta.url).pathname;

/** One config of the grid, resolved with the sweep's overrides (the seed aside). */
export interface GridConfig {
  /** The name the sweep knows it by: the file name without `.json`. */
  name: string;
  /** The file it came from. */
  file: string;
  optimizer: OptimizerKind;
  /** The resolved config, as `configToJson` writes it. */
  config: Config;
}

/** One job: a config with one seed. */
export interface SweepJob {
  /** Position in the grid (configs outer, seeds inner); the Slurm array index. */
  index: number;
  configName: string;
  optimizer: OptimizerKind;
  seed: number;
  /** The job's run folder. */
  runDir: string;
  /** The job's resolved config, seed included. */
  config: Config;
}

/** The known config names (`configs/*.json`). */
function knownConfigs(): string[] {
  try {
    return [...Deno.readDirSync(CONFIGS_DIR)]
      .filter((e) => e.isFile && e.name.endsWith(".json"))
      .map((e) => e.name.slice(0, -".json".length))
      .sort();
  } catch {
    return [];
  }
}

/** The file a config argument names: a path (with `/` or `.json`), else `configs/<name>.json`. */
function configFileOf(arg: string): string {
  if (arg.includes("/") || arg.endsWith(".json")) return arg;
  const file = path.join(CONFIGS_DIR, `${arg}.json`);
  try {
    Deno.statSync(file);
    return file;
  } catch {
    const near = closest(arg, knownConfigs());
    throw new UsageError(
      `unknown config ${JSON.stringify(arg)}${
        near ? ` (did you mean ${near}?)` : ""
      }: give a name from configs/ (${knownConfigs().join(", ")}) or a JSON file`,
    );
  }
}

/** The optimizer a config file declares in its `"optimizer"` key. */
function optimizerOf(file: string): OptimizerKind {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Deno.readTextFileSync(file));
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound ? "does not exist" : "is not readable JSON";
    throw new UsageError(`config ${file} ${why}`);
  }
  const optimizer = (parsed as { optimizer?: unknown } | null)?.optimizer;
  if (typeof optimizer !== "string" || !isOptimizerKind(optimizer)) {
    throw new UsageError(
      `config ${file} has no "optimizer" key of "bayesbinn" or "ste": a sweep needs it to pick train:bayesbinn or train:ste`,
    );
  }
  return optimizer;
}

/**
 * Resolves each config argument with `overrides` (config keys, as the trainer takes them).
 *
 * @param args Config names (`mnist_ste`) or JSON files.
 * @param overrides Config flag → raw value, e.g. `{ epochs: "10" }`; `seed` is refused (the
 *   sweep's seeds set it).
 * @returns The grid's configs, in the order given.
 * @throws {UsageError} On an unknown config, a file without `"optimizer"`, two configs of one name.
 * @throws {ConfigError} On an override the trainer would refuse.
 *
 * @example Usage
 * ```ts
 * import { resolveGridConfigs } from "./grid.ts";
 * const [c] = resolveGridConfigs(["mnist_ste"], { epochs: "3" });
 * if (c!.name !== "mnist_ste" || c!.optimizer !== "ste" || c!.config.epochs !== 3) throw new Error();
 * ```
 */
export function resolveGridConfigs(
  args: readonly string[],
  overrides: Readonly<Record<string, string>>,
): GridConfig[] {
  if (args.length === 0) throw new UsageError("give at least one CONFIG (e.g. mnist_bayesbinn)");
  if ("seed" in overrides) {
    throw new UsageError("--seed is set per job by the sweep: give --seeds RANGE instead");
  }
  const configs: GridConfig[] = [];
  for (const arg of args) {
    const file = configFileOf(arg);
    const name = path.basename(file, ".json");
    if (configs.some((c) => c.name === name)) {
      throw new UsageError(`config ${name} is given twice (its jobs would share run folders)`);
    }
    const optimizer = optimizerOf(file);
    configs.push({ name, file, optimizer, config: resolveConfig(optimizer, file, overrides) });
  }
  return configs;
}

/**
 * The jobs of `configs` × `seeds` in the sweep folder `dir`: configs outer, seeds inner.
 *
 * @example Usage
 * ```ts
 * import { expandGrid, resolveGridConfigs } from "./grid.ts";
 * const jobs = expandGrid(resolveGridConfigs(["mnist_ste", "mnist_bayesbinn"], {}), [1, 2], "s");
 * if (jobs.length !== 4 || jobs[3]!.runDir !== "s/mnist_bayesbinn/seed-2") throw new Error();
 * if (jobs[3]!.config.seed !== 2 || jobs[3]!.index !== 3) throw new Error();
 * ```
 */
export function expandGrid(
  configs: readonly GridConfig[],
  seeds: readonly number[],
  dir: string,
): SweepJob[] {
  const jobs: SweepJob[] = [];
  for (const c of configs) {
    for (const seed of seeds) {
      jobs.push({
        index: jobs.length,
        configName: c.name,
        optimizer: c.optimizer,
        seed,
        runDir: jobRunDir(dir, c.name, seed),
        config: Object.freeze({ ...c.config, seed }) as Config,
      });
    }
  }
  return jobs;
}
