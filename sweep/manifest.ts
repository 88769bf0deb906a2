/**
 * A sweep's manifest, `ROOT/NAME/sweep.json`: the grid (configs, seeds, overrides), every job's
 * resolved config, run folder and trainer command, the settings the jobs run with and the bnn
 * version and commit that wrote it. It is written before the first job runs (atomically), and a
 * sweep started again under the same name must have the same grid — its jobs then continue where
 * they stopped; a different grid is refused rather than mixed into the same folders.
 * @module
 */
import { UserError } from "../cli/errors.ts";
import { writeFileAtomic } from "../train/checkpoint.ts";
import type { Config } from "../train/config/mod.ts";
import type { OptimizerKind } from "../train/optimizers/optimizer_kind.ts";
import type { SweepJob } from "./grid.ts";
import type { JobSettings } from "./job_command.ts";
import type { BnnVersion } from "./version.ts";

/** The engines a sweep runs on. */
export const ENGINES = ["local", "slurm"] as const;
/** An engine name. */
export type Engine = typeof ENGINES[number];

/** One job as the manifest records it. */
export interface ManifestJob {
  index: number;
  config_name: string;
  optimizer: OptimizerKind;
  seed: number;
  run_dir: string;
  /** The trainer command that starts it (`--resume` continues it). */
  command: string[];
  resume_command: string[];
  config: Config;
}

/** `sweep.json`. */
export interface Manifest {
  name: string;
  created: string;
  bnn: BnnVersion;
  /** The sweep's command line (the last one that started or continued it). */
  sweep_command: string[];
  engine: Engine;
  grid: {
    configs: { name: string; file: string; optimizer: OptimizerKind }[];
    seeds: number[];
    overrides: Record<string, string>;
  };
  settings: JobSettings;
  jobs: ManifestJob[];
}

/** A sweep name that exists with another grid, or an unreadable manifest (exit code 2). */
export class ManifestError extends UserError {
  /** @param message One line naming the manifest and the problem. */
  constructor(message: string) {
    super(message);
    this.name = "ManifestError";
  }
}

/**
 * The jobs of a manifest, as {@linkcode SweepJob}s.
 *
 * @example Usage
 * ```ts
 * import { jobsOf } from "./manifest.ts";
 * const jobs = jobsOf({ jobs: [{ index: 0, config_name: "c", optimizer: "ste", seed: 3,
 *   run_dir: "s/c/seed-3", command: [], resume_command: [], config: {} as never }] } as never);
 * if (jobs[0]!.runDir !== "s/c/seed-3" || jobs[0]!.seed !== 3) throw new Error();
 * ```
 */
export function jobsOf(m: Manifest): SweepJob[] {
  return m.jobs.map((j) => ({
    index: j.index,
    configName: j.config_name,
    optimizer: j.optimizer,
    seed: j.seed,
    runDir: j.run_dir,
    config: j.config,
  }));
}

/** What must match for a sweep to be the same grid: each job's folder and resolved config. */
function gridKey(m: Pick<Manifest, "jobs">): string[] {
  return m.jobs.map((j) => JSON.stringify([j.run_dir, j.config]));
}

/**
 * The first difference between the grids of two manifests, or null when they are the same.
 *
 * @example Usage
 * ```ts
 * import { gridDifference } from "./manifest.ts";
 * const job = (seed: number) => ({ run_dir: `s/c/seed-${seed}`, config: { seed } });
 * const a = { jobs: [job(1), job(2)] } as never, b = { jobs: [job(1)] } as never;
 * if (gridDifference(a, a) !== null || gridDifference(a, b) === null) throw new Error();
 * ```
 */
export function gridDifference(
  before: Pick<Manifest, "jobs">,
  now: Pick<Manifest, "jobs">,
): string | null {
  const a = gridKey(before), b = gridKey(now);
  if (a.length !== b.length) return `${a.length} jobs before, ${b.length} now`;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    const x = before.jobs[i]!, y = now.jobs[i]!;
    if (x.run_dir !== y.run_dir) return `job ${i} was ${x.run_dir}, now ${y.run_dir}`;
    const cx = x.config as unknown as Record<string, unknown>;
    const cy = y.config as unknown as Record<string, unknown>;
    const key = [...new Set([...Object.keys(cx), ...Object.keys(cy)])]
      .find((k) => JSON.stringify(cx[k]) !== JSON.stringify(cy[k]));
    return `${y.run_dir}: ${key} was ${JSON.stringify(cx[key!])}, now ${JSON.stringify(cy[key!])}`;
  }
  return null;
}

/**
 * Reads `sweep.json`; null when there is none.
 *
 * @throws {ManifestError} When it exists but is not a manifest.
 *
 * @example Usage
 * ```ts
 * import { readManifest } from "./manifest.ts";
 * if (await readManifest(`${await Deno.makeTempDir()}/sweep.json`) !== null) throw new Error();
 * ```
 */
export async function readManifest(file: string): Promise<Manifest | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw new ManifestError(`cannot read ${file}: ${(e as Error).message.split("\n")[0]}`);
  }
  let m: Manifest;
  try {
    m = JSON.parse(text);
  } catch {
    throw new ManifestError(`${file} is not valid JSON: not a sweep manifest`);
  }
  if (typeof m?.name !== "string" || !Array.isArray(m.jobs) || typeof m.grid !== "object") {
    throw new ManifestError(`${file} is not a sweep manifest (no name, grid or jobs)`);
  }
  return m;
}

/**
 * Writes `sweep.json` atomically (temp file, fsync, rename).
 *
 * @example Usage
 * ```ts
 * import { readManifest, writeManifest } from "./manifest.ts";
 * const file = `${await Deno.makeTempDir()}/sweep.json`;
 * await writeManifest(file, { name: "s", grid: {}, jobs: [] } as never);
 * if ((await readManifest(file))!.name !== "s") throw new Error();
 * ```
 */
export async function writeManifest(file: string, m: Manifest): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(m, null, 2) + "\n");
}
