/**
 * The exit code of each job's last attempt, one small file per job (`ROOT/NAME/exits/<index>`,
 * ./sweep_folder.ts), written atomically by the local engine and by the Slurm script, and read by
 * `sweep status` to tell a failed job from one that was stopped or never ran.
 * @module
 */
import { writeFileAtomic } from "../train/checkpoint.ts";
import { PREEMPTED_EXIT_CODE } from "../train/preemption.ts";
import { exitFile, type SweepPaths } from "./sweep_folder.ts";

/**
 * Records `code` as job `index`'s last exit code.
 *
 * @example Usage
 * ```ts
 * import { readExit, writeExit } from "./exit_record.ts";
 * import { sweepPaths } from "./sweep_folder.ts";
 * const paths = sweepPaths(await Deno.makeTempDir(), "s");
 * await writeExit(paths, 3, 2);
 * if (await readExit(paths, 3) !== 2 || await readExit(paths, 4) !== null) throw new Error();
 * ```
 */
export async function writeExit(paths: SweepPaths, index: number, code: number): Promise<void> {
  await Deno.mkdir(paths.exits, { recursive: true });
  await writeFileAtomic(exitFile(paths, index), `${code}\n`);
}

/**
 * Job `index`'s last exit code, or null when none was recorded (see {@linkcode writeExit}'s
 * example).
 */
export async function readExit(paths: SweepPaths, index: number): Promise<number | null> {
  const text = await Deno.readTextFile(exitFile(paths, index)).catch(() => null);
  const code = text === null ? NaN : Number(text.trim());
  return Number.isInteger(code) ? code : null;
}

/**
 * Whether an exit code means the job failed, rather than finished (0) or was stopped to be
 * continued (the trainer's preemption code, or killed by SIGTERM / SIGKILL / SIGINT / SIGUSR1).
 *
 * @example Usage
 * ```ts
 * import { isFailure } from "./exit_record.ts";
 * if (isFailure(0) || isFailure(75) || isFailure(143) || !isFailure(2) || !isFailure(1)) throw new Error();
 * ```
 */
export function isFailure(code: number): boolean {
  const stopped = [PREEMPTED_EXIT_CODE, 128 + 15, 128 + 9, 128 + 2, 128 + 10];
  return code !== 0 && !stopped.includes(code);
}
