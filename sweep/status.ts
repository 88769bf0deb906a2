/**
 * `deno task sweep status NAME`: the state of every job — done, running, queued, failed, stopped
 * (interrupted or preempted, to be continued) or not started — with its last finished epoch.
 * It reads the run folders (./job_progress.ts), the run locks (a live `train` holds one), the
 * recorded exit codes (./exit_record.ts) and, for a Slurm sweep, `squeue` about the submitted
 * array (pending tasks are queued; a requeued task is queued again).
 * @module
 */
import type { SweepJob } from "./grid.ts";
import { isFailure, readExit } from "./exit_record.ts";
import { heldByLiveProcess, readJobProgress } from "./job_progress.ts";
import { jobsOf, type Manifest } from "./manifest.ts";
import type { SlurmQueue } from "./slurm_engine.ts";
import type { SweepPaths } from "./sweep_folder.ts";

/** The states a job can be in. */
export const JOB_STATES = [
  "done",
  "running",
  "queued",
  "failed",
  "stopped",
  "not started",
] as const;
/** A job's state. */
export type JobState = typeof JOB_STATES[number];

/** One job's status. */
export interface JobStatus {
  job: SweepJob;
  state: JobState;
  /** Finished epochs (lines of `metrics.jsonl`). */
  epochsDone: number;
  /** The last attempt's exit code, if recorded. */
  exitCode: number | null;
}

/** The state of one job from its folder, lock, exit code and queue entry. */
function stateOf(
  finished: boolean,
  started: boolean,
  running: boolean,
  queued: string | undefined,
  exitCode: number | null,
): JobState {
  if (finished) return "done";
  if (running || queued === "RUNNING" || queued === "COMPLETING") return "running";
  if (queued !== undefined) return "queued";
  if (exitCode !== null && isFailure(exitCode)) return "failed";
  return started ? "stopped" : "not started";
}

/**
 * The status of every job of the sweep.
 *
 * @param queue Slurm's view of the tasks (see {@linkcode slurmQueue}), if any.
 *
 * @example Usage
 * ```ts
 * import { sweepStatus } from "./status.ts";
 * import { sweepPaths } from "./sweep_folder.ts";
 * const job = { index: 0, config_name: "c", optimizer: "ste", seed: 1,
 *   run_dir: `${await Deno.makeTempDir()}/none`, command: [], resume_command: [], config: {} };
 * const [s] = await sweepStatus({ jobs: [job] } as never, sweepPaths("/nonexistent", "s"));
 * if (s!.state !== "not started" || s!.epochsDone !== 0) throw new Error(s!.state);
 * ```
 */
export async function sweepStatus(
  manifest: Manifest,
  paths: SweepPaths,
  queue: SlurmQueue | null = null,
): Promise<JobStatus[]> {
  const out: JobStatus[] = [];
  for (const job of jobsOf(manifest)) {
    const p = await readJobProgress(job.runDir);
    const exitCode = await readExit(paths, job.index);
    const running = p.started && !p.finished && (await heldByLiveProcess(job.runDir));
    const state = stateOf(p.finished, p.started, running, queue?.get(job.index), exitCode);
    out.push({ job, state, epochsDone: p.epochsDone, exitCode });
  }
  return out;
}

/**
 * The status as text: one line per job, then the counts.
 *
 * @example Usage
 * ```ts
 * import { formatStatus } from "./status.ts";
 * const job = { index: 0, configName: "mnist_ste", optimizer: "ste" as const, seed: 2,
 *   runDir: "r", config: { epochs: 10 } as never };
 * const text = formatStatus("t2", [{ job, state: "running", epochsDone: 3, exitCode: null }]);
 * if (!text.includes("mnist_ste  seed 2  running      epoch 3/10")) throw new Error(text);
 * if (!text.endsWith("0 done, 1 running, 0 queued, 0 failed, 0 stopped, 0 not started\n")) throw new Error(text);
 * ```
 */
export function formatStatus(name: string, statuses: readonly JobStatus[]): string {
  const width = Math.max(...statuses.map((s) => s.job.configName.length), 6);
  const lines = statuses.map((s) => {
    const code = s.state === "failed" || s.state === "stopped"
      ? s.exitCode === null ? "" : `  (exit code ${s.exitCode})`
      : "";
    return `${s.job.configName.padEnd(width)}  seed ${s.job.seed}  ${
      s.state.padEnd(11)
    }  epoch ${s.epochsDone}/${s.job.config.epochs}${code}`
      .replace(/ +$/, "");
  });
  const counts = JOB_STATES.map((st) => `${statuses.filter((s) => s.state === st).length} ${st}`);
  return `sweep ${name}: ${statuses.length} jobs\n${lines.join("\n")}\n${counts.join(", ")}\n`;
}
