/**
 * The trainer command of a sweep job, the same for both engines: a job whose run folder holds a
 * checkpoint (or, from an older bnn, only `config.json`) continues with `--resume`, from where it
 * stopped — or from step 0 when it was stopped before its first checkpoint, which the trainer
 * handles; any other job starts with its config. A new job reads the sweep's resolved copy of its
 * config (`ROOT/NAME/configs/<config>.json`), so a later edit of `configs/` cannot change a running
 * sweep, and saves `last.ckpt` every `checkpointEvery` steps besides every epoch's end.
 * @module
 */
import path from "node:path";
import { runPaths } from "../train/run_folder.ts";
import type { SweepJob } from "./grid.ts";

/** The repository root (where `train/main.ts` and `deno.jsonc` are). */
export const REPO_ROOT: string = new URL("../", import.meta.url).pathname;

/** How the jobs of a sweep run, besides their configs. */
export interface JobSettings {
  /** The sweep's `configs/` folder (./sweep_folder.ts). */
  configsDir: string;
  /** Steps between mid-epoch checkpoints. */
  checkpointEvery: number;
  /** The trainer's `--data-dir`, if given. */
  dataDir?: string;
  /** The trainer's `--backend`, if given. */
  backend?: string;
}

/**
 * `deno run` of the trainer, with the repository's config (the working directory may be any).
 *
 * @example Usage
 * ```ts
 * import { trainerPrefix } from "./job_command.ts";
 * const argv = trainerPrefix("deno");
 * if (argv[0] !== "deno" || !argv.at(-1)!.endsWith("train/main.ts")) throw new Error(argv.join(" "));
 * ```
 */
export function trainerPrefix(deno: string = Deno.execPath()): string[] {
  return [
    deno,
    "run",
    "-A",
    "--config",
    path.join(REPO_ROOT, "deno.jsonc"),
    path.join(REPO_ROOT, "train/main.ts"),
  ];
}

/** The trainer's options both commands share. */
function sharedFlags(s: JobSettings): string[] {
  return [
    ...(s.dataDir === undefined ? [] : ["--data-dir", s.dataDir]),
    ...(s.backend === undefined ? [] : ["--backend", s.backend]),
  ];
}

/**
 * The trainer arguments that start `job` afresh.
 *
 * @example Usage
 * ```ts
 * import { freshArgs } from "./job_command.ts";
 * const job = { index: 0, configName: "mnist_ste", optimizer: "ste" as const, seed: 2,
 *   runDir: "s/mnist_ste/seed-2", config: {} as never };
 * const args = freshArgs(job, { configsDir: "s/configs", checkpointEvery: 200 });
 * if (args.join(" ") !== "ste s/configs/mnist_ste.json --seed 2 --out s/mnist_ste/seed-2 --checkpoint-every 200") {
 *   throw new Error(args.join(" "));
 * }
 * ```
 */
export function freshArgs(job: SweepJob, s: JobSettings): string[] {
  return [
    job.optimizer,
    path.join(s.configsDir, `${job.configName}.json`),
    "--seed",
    String(job.seed),
    "--out",
    job.runDir,
    "--checkpoint-every",
    String(s.checkpointEvery),
    ...sharedFlags(s),
  ];
}

/**
 * The trainer arguments that continue `job` from its run folder.
 *
 * @example Usage
 * ```ts
 * import { resumeArgs } from "./job_command.ts";
 * const job = { index: 0, configName: "c", optimizer: "bayesbinn" as const, seed: 1,
 *   runDir: "s/c/seed-1", config: {} as never };
 * const args = resumeArgs(job, { configsDir: "s/configs", checkpointEvery: 9, dataDir: "d" });
 * if (args.join(" ") !== "bayesbinn --resume s/c/seed-1 --data-dir d") throw new Error(args.join(" "));
 * ```
 */
export function resumeArgs(job: SweepJob, s: JobSettings): string[] {
  return [job.optimizer, "--resume", job.runDir, ...sharedFlags(s)];
}

/**
 * The files whose presence makes a job continue with `--resume` rather than start afresh.
 *
 * @example Usage
 * ```ts
 * import { resumeMarkers } from "./job_command.ts";
 * if (resumeMarkers("r").join() !== "r/checkpoints/last.ckpt,r/config.json") throw new Error();
 * ```
 */
export function resumeMarkers(runDir: string): string[] {
  const p = runPaths(runDir);
  return [p.lastCheckpoint, p.config];
}

/**
 * Whether `job` continues (its run folder has a checkpoint or a config) rather than starts.
 *
 * @example Usage
 * ```ts
 * import { shouldResume } from "./job_command.ts";
 * if (await shouldResume({ runDir: await Deno.makeTempDir() } as never)) throw new Error();
 * ```
 */
export async function shouldResume(job: SweepJob): Promise<boolean> {
  for (const file of resumeMarkers(job.runDir)) {
    if (await Deno.stat(file).then(() => true, () => false)) return true;
  }
  return false;
}
