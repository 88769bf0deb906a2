/**
 * Turns `deno task sweep`'s arguments into a sweep folder ready to run: the grid resolved
 * (./grid.ts), checked against the manifest of a sweep of the same name (the same grid continues,
 * another is refused), each config's resolved copy in `configs/` and the manifest written
 * (./manifest.ts). Everything that can be refused is refused before anything is written.
 * @module
 */
import path from "node:path";
import { writeFileAtomic } from "../train/checkpoint.ts";
import { configToJson } from "../train/config/mod.ts";
import { DEFAULT_CHECKPOINT_EVERY, type StartArgs } from "./cli_args.ts";
import { expandGrid, type GridConfig, resolveGridConfigs, type SweepJob } from "./grid.ts";
import { freshArgs, type JobSettings, resumeArgs, trainerPrefix } from "./job_command.ts";
import {
  gridDifference,
  type Manifest,
  ManifestError,
  readManifest,
  writeManifest,
} from "./manifest.ts";
import { parseSeedRange } from "./seed_range.ts";
import { type SweepPaths, sweepPaths } from "./sweep_folder.ts";
import { bnnVersion } from "./version.ts";

/** A sweep ready to run. */
export interface PreparedSweep {
  manifest: Manifest;
  paths: SweepPaths;
  /** Whether a manifest of the same grid was there already. */
  continued: boolean;
}

/** The manifest of a new sweep (not yet written). */
function newManifest(
  args: StartArgs,
  configs: GridConfig[],
  seeds: number[],
  jobs: SweepJob[],
  settings: JobSettings,
): Manifest {
  return {
    name: args.name,
    created: new Date().toISOString(),
    bnn: bnnVersion(),
    sweep_command: ["deno", "task", "sweep", ...args.argv],
    engine: args.engine ?? "local",
    grid: {
      configs: configs.map((c) => ({ name: c.name, file: c.file, optimizer: c.optimizer })),
      seeds,
      overrides: args.overrides,
    },
    settings,
    jobs: jobs.map((j) => ({
      index: j.index,
      config_name: j.configName,
      optimizer: j.optimizer,
      seed: j.seed,
      run_dir: j.runDir,
      command: [...trainerPrefix("deno"), ...freshArgs(j, settings)],
      resume_command: [...trainerPrefix("deno"), ...resumeArgs(j, settings)],
      config: j.config,
    })),
  };
}

/** The settings of `args`, on top of `before` (a continued sweep's). */
function settingsOf(args: StartArgs, paths: SweepPaths, before?: JobSettings): JobSettings {
  const s: JobSettings = {
    configsDir: paths.configs,
    checkpointEvery: args.checkpointEvery ?? before?.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY,
  };
  const dataDir = args.dataDir ?? before?.dataDir;
  const backend = args.backend ?? before?.backend;
  if (dataDir !== undefined) s.dataDir = dataDir;
  if (backend !== undefined) s.backend = backend;
  return s;
}

/**
 * Prepares the sweep `args` asks for, writing its configs and manifest.
 *
 * @throws {UsageError} On an unknown config or a bad seed range.
 * @throws {ConfigError} On an override the trainer refuses.
 * @throws {ManifestError} When the name exists with another grid, or `--resume` names no sweep.
 *
 * @example Usage
 * ```ts
 * import { prepareSweep } from "./prepare.ts";
 * const root = await Deno.makeTempDir();
 * const args = { kind: "start" as const, argv: [], name: "t", configs: ["mnist_ste"], seeds: "1-2",
 *   overrides: { epochs: "1" }, resume: false, slurmArgs: [], root };
 * const { manifest } = await prepareSweep(args);
 * if (manifest.jobs.length !== 2 || manifest.jobs[1]!.config.seed !== 2) throw new Error();
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function prepareSweep(args: StartArgs): Promise<PreparedSweep> {
  const paths = sweepPaths(args.root, args.name);
  const before = await readManifest(paths.manifest);
  if (args.resume) {
    if (before === null) {
      throw new ManifestError(`no sweep ${args.name} to resume: ${paths.manifest} does not exist`);
    }
    const manifest = {
      ...before,
      sweep_command: ["deno", "task", "sweep", ...args.argv],
      settings: settingsOf(args, paths, before.settings),
    };
    if (args.engine !== undefined) manifest.engine = args.engine;
    await writeManifest(paths.manifest, manifest);
    return { manifest, paths, continued: true };
  }
  const seeds = parseSeedRange(args.seeds!);
  const configs = resolveGridConfigs(args.configs, args.overrides);
  const jobs = expandGrid(configs, seeds, paths.dir);
  const settings = settingsOf(args, paths, before?.settings);
  const fresh = newManifest(args, configs, seeds, jobs, settings);
  if (before !== null) {
    const diff = gridDifference(before, fresh);
    if (diff !== null) {
      throw new ManifestError(
        `sweep ${args.name} exists with a different grid (${diff}): choose another name, or continue it with deno task sweep ${args.name} --resume`,
      );
    }
  }
  const manifest = before === null ? fresh : { ...fresh, created: before.created, bnn: before.bnn };
  await Deno.mkdir(paths.configs, { recursive: true });
  for (const c of configs) {
    await writeFileAtomic(path.join(paths.configs, `${c.name}.json`), configToJson(c.config));
  }
  await writeManifest(paths.manifest, manifest);
  return { manifest, paths, continued: before !== null };
}
