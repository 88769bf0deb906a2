/**
 * The names of a sweep folder's files, in one place (as `train/run_folder.ts` is for a run
 * folder): the engines, `sweep status` and `report` all take them from here.
 *
 * ```
 * ROOT/NAME/sweep.json                 the manifest: grid, every job's resolved config, commands
 * ROOT/NAME/configs/<config>.json      each config of the grid, resolved (overrides applied)
 * ROOT/NAME/<config>/seed-<s>/         one job's run folder (train/run_folder.ts)
 * ROOT/NAME/exits/<index>              the exit code of a job's last attempt
 * ROOT/NAME/sweep.sbatch               the Slurm job-array script (--engine slurm)
 * ROOT/NAME/slurm.json                 the submitted array's job id and when
 * ROOT/NAME/logs/task-<index>.log      a Slurm task's output, every attempt appended
 * ROOT/NAME/report.{md,json,svg}       what `deno task report` writes
 * ```
 *
 * `ROOT` is `runs/sweeps` unless `--root` says otherwise.
 * @module
 */
import path from "node:path";

/** Where sweeps live by default, relative to the working directory. */
export const DEFAULT_SWEEPS_ROOT = "runs/sweeps";

/** The paths of one sweep folder's files. */
export interface SweepPaths {
  dir: string;
  manifest: string;
  configs: string;
  exits: string;
  script: string;
  slurm: string;
  logs: string;
  reportMarkdown: string;
  reportJson: string;
  reportSvg: string;
}

/**
 * The paths of sweep `name` under `root`.
 *
 * @example Usage
 * ```ts
 * import { sweepPaths } from "./sweep_folder.ts";
 * const p = sweepPaths("runs/sweeps", "t2");
 * if (p.manifest !== "runs/sweeps/t2/sweep.json") throw new Error(p.manifest);
 * ```
 */
export function sweepPaths(root: string, name: string): SweepPaths {
  const dir = path.join(root, name);
  return {
    dir,
    manifest: path.join(dir, "sweep.json"),
    configs: path.join(dir, "configs"),
    exits: path.join(dir, "exits"),
    script: path.join(dir, "sweep.sbatch"),
    slurm: path.join(dir, "slurm.json"),
    logs: path.join(dir, "logs"),
    reportMarkdown: path.join(dir, "report.md"),
    reportJson: path.join(dir, "report.json"),
    reportSvg: path.join(dir, "report.svg"),
  };
}

/**
 * The run folder of the job of config `configName` and seed `seed` in the sweep folder `dir`.
 *
 * @example Usage
 * ```ts
 * import { jobRunDir } from "./sweep_folder.ts";
 * if (jobRunDir("runs/sweeps/t2", "mnist_ste", 3) !== "runs/sweeps/t2/mnist_ste/seed-3") throw new Error();
 * ```
 */
export function jobRunDir(dir: string, configName: string, seed: number): string {
  return path.join(dir, configName, `seed-${seed}`);
}

/**
 * The file holding the exit code of job `index`'s last attempt.
 *
 * @example Usage
 * ```ts
 * import { exitFile, sweepPaths } from "./sweep_folder.ts";
 * if (exitFile(sweepPaths("r", "s"), 4) !== "r/s/exits/4") throw new Error();
 * ```
 */
export function exitFile(paths: SweepPaths, index: number): string {
  return path.join(paths.exits, String(index));
}

/**
 * The log file of Slurm array task `index` (`%a` in the script's `--output`).
 *
 * @example Usage
 * ```ts
 * import { taskLog, sweepPaths } from "./sweep_folder.ts";
 * if (taskLog(sweepPaths("r", "s"), "%a") !== "r/s/logs/task-%a.log") throw new Error();
 * ```
 */
export function taskLog(paths: SweepPaths, index: number | "%a"): string {
  return path.join(paths.logs, `task-${index}.log`);
}
