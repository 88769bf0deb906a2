/**
 * `--engine local`: the sweep's jobs one after another on this machine, each a `train` process
 * (./job_command.ts) with the console passed through. They run seed by seed — every config with
 * the first seed, then every config with the second, … — so a sweep stopped halfway has results
 * for every config. A finished job (its `summary.json` says so)
 * is skipped, an unfinished one continues with `--resume`, so running the same sweep again picks
 * up where it stopped; a job another process is running (its run lock is held) is skipped. A
 * failed job is recorded (./exit_record.ts) and the next one runs. Ctrl-C
 * or SIGTERM stops the sweep after the running job has stopped (SIGTERM is passed on to it, which
 * then checkpoints, see train/preemption.ts); so does a job that was told to stop on its own (a
 * SIGTERM or SIGUSR1 sent to the trainer alone: it checkpoints and exits 75), which is not a
 * failure.
 * @module
 */
import {
  freshArgs,
  type JobSettings,
  resumeArgs,
  shouldResume,
  trainerPrefix,
} from "./job_command.ts";
import type { SweepJob } from "./grid.ts";
import { heldByLiveProcess, readJobProgress } from "./job_progress.ts";
import { writeExit } from "./exit_record.ts";
import { PREEMPTED_EXIT_CODE } from "../train/preemption.ts";
import type { SweepPaths } from "./sweep_folder.ts";

/** Where the engine's own lines go. */
export type Print = (line: string) => void;

/** How a local sweep ended. */
export interface LocalOutcome {
  done: number;
  failed: SweepJob[];
  /** Stopped by Ctrl-C or SIGTERM before every job ran. */
  interrupted: boolean;
}

/**
 * A one-line name of a job.
 *
 * @example Usage
 * ```ts
 * import { jobLabel } from "./local_engine.ts";
 * if (jobLabel({ configName: "mnist_ste", seed: 2 } as never) !== "mnist_ste seed 2") throw new Error();
 * ```
 */
export function jobLabel(job: SweepJob): string {
  return `${job.configName} seed ${job.seed}`;
}

/**
 * The order the local engine runs `jobs` in: by seed (in the grid's order), then by config.
 *
 * @example Usage
 * ```ts
 * import { localOrder } from "./local_engine.ts";
 * const job = (index: number, configName: string, seed: number) => ({ index, configName, seed }) as never;
 * const order = localOrder([job(0, "a", 1), job(1, "a", 2), job(2, "b", 1), job(3, "b", 2)]);
 * if (order.map((j) => j.index).join() !== "0,2,1,3") throw new Error();
 * ```
 */
export function localOrder(jobs: readonly SweepJob[]): SweepJob[] {
  const seeds = [...new Set(jobs.map((j) => j.seed))];
  return [...jobs].sort((a, b) =>
    seeds.indexOf(a.seed) - seeds.indexOf(b.seed) || a.index - b.index
  );
}

/** Runs the trainer for `job` with the console passed through; resolves to its exit code. */
async function runJob(job: SweepJob, settings: JobSettings, stop: { signal: Deno.Signal | null }) {
  const args = (await shouldResume(job)) ? resumeArgs(job, settings) : freshArgs(job, settings);
  const [deno, ...rest] = [...trainerPrefix(), ...args];
  const child = new Deno.Command(deno!, { args: rest, stdin: "null" }).spawn();
  const forward = () => {
    stop.signal ??= "SIGTERM";
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
  };
  const interrupt = () => void (stop.signal ??= "SIGINT"); // the terminal signals the child too
  Deno.addSignalListener("SIGTERM", forward);
  Deno.addSignalListener("SIGINT", interrupt);
  try {
    const status = await child.status;
    return status.signal === null ? status.code : 128 + signalNumber(status.signal);
  } finally {
    Deno.removeSignalListener("SIGTERM", forward);
    Deno.removeSignalListener("SIGINT", interrupt);
  }
}

/** The number of the few signals a job may end by. */
function signalNumber(signal: Deno.Signal): number {
  return { SIGINT: 2, SIGKILL: 9, SIGUSR1: 10, SIGTERM: 15 }[signal as string] ?? 0;
}

/**
 * Runs the jobs one after another.
 *
 * @param jobs The sweep's jobs.
 * @param settings How they run.
 * @param paths The sweep folder (exit codes are recorded there).
 * @param print Where the engine's lines go (the jobs' own output goes to the console).
 * @returns How many finished, which failed, whether it was interrupted.
 *
 * @example Usage
 * ```ts ignore
 * const outcome = await runLocal(jobsOf(manifest), manifest.settings, paths, console.log);
 * ```
 */
export async function runLocal(
  jobs: readonly SweepJob[],
  settings: JobSettings,
  paths: SweepPaths,
  print: Print,
): Promise<LocalOutcome> {
  const outcome: LocalOutcome = { done: 0, failed: [], interrupted: false };
  const stop = { signal: null as Deno.Signal | null };
  for (const [n, job] of localOrder(jobs).entries()) {
    const head = `[${n + 1}/${jobs.length}] ${jobLabel(job)}`;
    const before = await readJobProgress(job.runDir);
    if (before.finished) {
      print(`${head}: done already (${job.runDir})`);
      outcome.done += 1;
      continue;
    }
    if (await heldByLiveProcess(job.runDir)) {
      print(`${head}: running in another process (its run.lock is held): skipped`);
      continue;
    }
    print(
      `${head}: ${
        before.started ? `continuing after epoch ${before.epochsDone}` : "starting"
      } in ${job.runDir}`,
    );
    const code = await runJob(job, settings, stop);
    await writeExit(paths, job.index, code);
    const stoppedBy = stop.signal ??
      (code === PREEMPTED_EXIT_CODE
        ? "a signal to its trainer (exit 75, checkpoint written)"
        : null);
    if (code === 0) outcome.done += 1;
    else if (stoppedBy === null) {
      print(`${head}: failed with exit code ${code} (its lines above say why)`);
      outcome.failed.push(job);
    }
    if (stoppedBy !== null) {
      print(`${head}: stopped by ${stoppedBy}; run the same command again to continue`);
      outcome.interrupted = true;
      break;
    }
  }
  return outcome;
}
