/**
 * The sbatch job-array script of `--engine slurm`: one array task per job (the job's index in the
 * manifest), at most `parallel` running at once (`--array=0-(n-1)%parallel`), each task requeued
 * rather than lost (`--requeue`) and warned two minutes before its time limit
 * (`--signal=B:USR1@120`, to the script, which passes it on).
 *
 * A task runs its job's trainer command (./job_command.ts): with `--resume` when the run folder
 * holds a checkpoint (or a config), else afresh; the run folder's lock (`train/run_lock.ts`)
 * keeps a job from running twice at once. Preemption (train/preemption.ts):
 *
 * - Slurm preempts or requeues a task (`scontrol requeue`, a higher-priority job): it sends
 *   SIGTERM to every process of the task; `train` finishes its step, writes `last.ckpt` and exits
 *   75; Slurm puts the task back in the queue itself, and its next start resumes.
 * - The time limit comes near: the script gets SIGUSR1 and passes it to `train`, which stops as
 *   above; the script then requeues its own task (`scontrol requeue JOB_TASK`).
 *
 * Every attempt appends to `logs/task-<index>.log` and records its exit code in
 * `exits/<index>` (./sweep_folder.ts), which `sweep status` reads.
 * @module
 */
import path from "node:path";
import { PREEMPTED_EXIT_CODE } from "../train/preemption.ts";
import type { SweepJob } from "./grid.ts";
import {
  freshArgs,
  type JobSettings,
  resumeArgs,
  resumeMarkers,
  trainerPrefix,
} from "./job_command.ts";
import { type SweepPaths, taskLog } from "./sweep_folder.ts";

/** What the script is written for. */
export interface SlurmScriptOptions {
  name: string;
  jobs: readonly SweepJob[];
  settings: JobSettings;
  paths: SweepPaths;
  /** The working directory of the tasks (the relative paths start there). */
  workDir: string;
  /** Array tasks running at once (`%N`). */
  parallel: number;
  /** The Deno binary the tasks run. */
  deno: string;
  /** Seconds before the time limit at which SIGUSR1 comes. */
  warnSeconds?: number;
  /** One line saying which bnn wrote it. */
  provenance: string;
}

/**
 * `s` quoted for bash: as is when it holds only safe characters, else in single quotes.
 *
 * @example Usage
 * ```ts
 * import { shellQuote } from "./slurm_script.ts";
 * if (shellQuote("runs/a-1") !== "runs/a-1" || shellQuote("it's") !== `'it'\\''s'`) throw new Error();
 * ```
 */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/** A bash array literal of `argv`. */
function bashArray(argv: readonly string[]): string {
  return `(${argv.map(shellQuote).join(" ")})`;
}

/** The `case` branch of one job: its run folder and both commands. */
function jobCase(job: SweepJob, o: SlurmScriptOptions): string {
  const prefix = trainerPrefix(o.deno);
  const [lastCkpt, config] = resumeMarkers(job.runDir);
  return [
    `  ${job.index})  # ${job.configName}, seed ${job.seed}`,
    `    MARKERS=${bashArray([lastCkpt!, config!])}`,
    `    FRESH=${bashArray([...prefix, ...freshArgs(job, o.settings)])}`,
    `    RESUME=${bashArray([...prefix, ...resumeArgs(job, o.settings)])} ;;`,
  ].join("\n");
}

/**
 * The script's text.
 *
 * @example Usage
 * ```ts
 * import { slurmScript } from "./slurm_script.ts";
 * import { sweepPaths } from "./sweep_folder.ts";
 * const job = { index: 0, configName: "mnist_ste", optimizer: "ste" as const, seed: 1,
 *   runDir: "s/mnist_ste/seed-1", config: {} as never };
 * const text = slurmScript({ name: "s", jobs: [job, { ...job, index: 1, seed: 2 }],
 *   settings: { configsDir: "s/configs", checkpointEvery: 100 }, paths: sweepPaths("r", "s"),
 *   workDir: "/home/me/bnn", parallel: 4, deno: "/usr/bin/deno", provenance: "bnn 0.1.0" });
 * if (!text.includes("#SBATCH --array=0-1%4") || !text.includes("#SBATCH --requeue")) throw new Error();
 * ```
 */
export function slurmScript(o: SlurmScriptOptions): string {
  const last = o.jobs.length - 1;
  const exits = o.paths.exits; // exits/<index>, as exitFile names them
  return `#!/bin/bash
# bnn sweep ${o.name}: ${o.jobs.length} jobs, one array task each (written by deno task sweep; ${o.provenance})
#SBATCH --job-name=bnn-${o.name}
#SBATCH --array=0-${last}%${o.parallel}
#SBATCH --requeue
#SBATCH --signal=B:USR1@${o.warnSeconds ?? 120}
#SBATCH --chdir=${shellQuote(o.workDir)}
#SBATCH --output=${shellQuote(path.resolve(o.workDir, taskLog(o.paths, "%a")))}
#SBATCH --open-mode=append
set -u
PREEMPTED=${PREEMPTED_EXIT_CODE}
TASK=\${SLURM_ARRAY_TASK_ID:?this script runs as a Slurm array task}
case "$TASK" in
${o.jobs.map((j) => jobCase(j, o)).join("\n")}
  *) echo "bnn sweep: no job $TASK in this sweep" >&2; exit 2 ;;
esac
# OpenBLAS would start a thread per core of the node: use the task's CPUs
if [ -n "\${SLURM_CPUS_PER_TASK:-}" ]; then export OPENBLAS_NUM_THREADS=$SLURM_CPUS_PER_TASK; fi
CMD=("\${FRESH[@]}")
for marker in "\${MARKERS[@]}"; do [ -e "$marker" ] && CMD=("\${RESUME[@]}"); done
echo "bnn sweep ${o.name}: task $TASK, attempt $((\${SLURM_RESTART_COUNT:-0} + 1)), on $(hostname) at $(date -u +%FT%TZ): \${CMD[*]}"

# SIGTERM (preemption, scontrol requeue) and SIGUSR1 (time limit near) go on to train, which
# finishes its step, writes its checkpoint and exits $PREEMPTED.
SIGNALLED=""
CHILD=""
pass_on() { SIGNALLED=$1; [ -z "$CHILD" ] || kill -s "$1" "$CHILD" 2>/dev/null; }
trap 'pass_on USR1' USR1
trap 'pass_on TERM' TERM
"\${CMD[@]}" &
CHILD=$!
[ -z "$SIGNALLED" ] || kill -s "$SIGNALLED" "$CHILD" 2>/dev/null # signalled while starting it
while kill -0 "$CHILD" 2>/dev/null; do wait "$CHILD"; done
wait "$CHILD"
CODE=$?
mkdir -p ${shellQuote(exits)}
echo "$CODE" > ${shellQuote(exits)}/"$TASK.tmp.$$" && mv ${shellQuote(exits)}/"$TASK.tmp.$$" ${
    shellQuote(exits)
  }/"$TASK"
echo "bnn sweep ${o.name}: task $TASK ended with exit code $CODE\${SIGNALLED:+ after SIG$SIGNALLED}"
if [ "$SIGNALLED" = USR1 ] && [ "$CODE" != 0 ]; then
  scontrol requeue "\${SLURM_ARRAY_JOB_ID}_\${TASK}"
fi
exit "$CODE"
`;
}
