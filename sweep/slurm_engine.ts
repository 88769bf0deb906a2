/**
 * `--engine slurm`: writes the sweep's job-array script (./slurm_script.ts) and submits it with
 * `sbatch`, for the jobs not finished yet (a sweep submitted again sends only those); the array's
 * job id goes to `slurm.json`, which `sweep status` reads to ask `squeue` about the tasks.
 * @module
 */
import { UserError } from "../cli/errors.ts";
import { writeFileAtomic } from "../train/checkpoint.ts";
import type { SweepJob } from "./grid.ts";
import type { Manifest } from "./manifest.ts";
import { jobsOf } from "./manifest.ts";
import { readJobProgress } from "./job_progress.ts";
import { slurmScript } from "./slurm_script.ts";
import type { SweepPaths } from "./sweep_folder.ts";

/** What `slurm.json` holds. */
export interface SlurmRecord {
  job_id: string;
  submitted: string;
  /** The array indices submitted. */
  tasks: number[];
  sbatch_args: string[];
}

/** Slurm is missing, or refused the submission (exit code 2). */
export class SlurmError extends UserError {
  /** @param message One line. */
  constructor(message: string) {
    super(message);
    this.name = "SlurmError";
  }
}

/**
 * Runs a Slurm client command to the end.
 *
 * @throws {Deno.errors.NotFound} When it is not installed.
 *
 * @example Usage
 * ```ts ignore
 * const { code, stdout } = await slurmCommand("squeue", ["-h", "-j", "1234"]);
 * ```
 */
export async function slurmCommand(
  command: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  return { code: r.code, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr) };
}

/**
 * Refuses at once when `sbatch` is not installed.
 *
 * @throws {SlurmError} One line: install Slurm or use `--engine local`.
 *
 * @example Usage
 * ```ts ignore
 * await assertSbatch(); // before anything of the sweep is written
 * ```
 */
export async function assertSbatch(sbatch = "sbatch"): Promise<void> {
  try {
    await slurmCommand(sbatch, ["--version"]);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound || e instanceof Deno.errors.PermissionDenied)) throw e;
    throw new SlurmError(
      `${sbatch} not found: install Slurm (Debian: slurm-client) or use --engine local`,
    );
  }
}

/**
 * Array indices as sbatch's `--array` takes them, with the throttle.
 *
 * @example Usage
 * ```ts
 * import { arraySpec } from "./slurm_engine.ts";
 * if (arraySpec([0, 1, 2, 3, 5, 7, 8], 2) !== "0-3,5,7-8%2") throw new Error();
 * ```
 */
export function arraySpec(indices: readonly number[], parallel: number): string {
  const parts: string[] = [];
  for (let i = 0; i < indices.length;) {
    let j = i;
    while (j + 1 < indices.length && indices[j + 1] === indices[j]! + 1) j++;
    parts.push(i === j ? `${indices[i]}` : `${indices[i]}-${indices[j]}`);
    i = j + 1;
  }
  return `${parts.join(",")}%${parallel}`;
}

/** The jobs whose run folder does not say finished. */
async function unfinished(jobs: readonly SweepJob[]): Promise<SweepJob[]> {
  const out: SweepJob[] = [];
  for (const job of jobs) if (!(await readJobProgress(job.runDir)).finished) out.push(job);
  return out;
}

/**
 * Writes the script and submits the unfinished jobs; returns the record (null: nothing to run).
 *
 * @throws {SlurmError} When the sweep's last submission is still queued or running (two arrays
 *   would run the same jobs), or when sbatch refuses (its first line quoted).
 */
export async function submitSlurm(
  manifest: Manifest,
  paths: SweepPaths,
  o: { parallel: number; slurmArgs: string[]; provenance: string; sbatch?: string },
): Promise<SlurmRecord | null> {
  const queued = await queueOf(paths);
  if (queued !== null && queued.size > 0) {
    const record = await readSlurmRecord(paths.slurm);
    throw new SlurmError(
      `sweep ${manifest.name} is still in Slurm's queue as job ${record?.job_id} (${queued.size} tasks): wait for it (deno task sweep status ${manifest.name}) or scancel it first`,
    );
  }
  const jobs = jobsOf(manifest);
  const todo = await unfinished(jobs);
  if (todo.length === 0) return null;
  const script = slurmScript({
    name: manifest.name,
    jobs,
    settings: manifest.settings,
    paths,
    workDir: Deno.cwd(),
    parallel: o.parallel,
    deno: Deno.execPath(),
    provenance: o.provenance,
  });
  await Deno.mkdir(paths.logs, { recursive: true });
  await writeFileAtomic(paths.script, script);
  const sbatchArgs = [
    "--parsable",
    `--array=${arraySpec(todo.map((j) => j.index), o.parallel)}`,
    ...o.slurmArgs,
    paths.script,
  ];
  const r = await slurmCommand(o.sbatch ?? "sbatch", sbatchArgs);
  if (r.code !== 0) {
    const why = (r.stderr.trim() || r.stdout.trim()).split("\n")[0];
    throw new SlurmError(`sbatch refused the sweep (exit code ${r.code}): ${why}`);
  }
  const record: SlurmRecord = {
    job_id: r.stdout.trim().split(";")[0]!,
    submitted: new Date().toISOString(),
    tasks: todo.map((j) => j.index),
    sbatch_args: sbatchArgs,
  };
  await writeFileAtomic(paths.slurm, JSON.stringify(record, null, 2) + "\n");
  return record;
}

/**
 * The last submission's record, or null.
 *
 * @example Usage
 * ```ts
 * import { readSlurmRecord } from "./slurm_engine.ts";
 * if (await readSlurmRecord(`${await Deno.makeTempDir()}/slurm.json`) !== null) throw new Error();
 * ```
 */
export async function readSlurmRecord(file: string): Promise<SlurmRecord | null> {
  try {
    const r = JSON.parse(await Deno.readTextFile(file));
    return typeof r?.job_id === "string" ? r : null;
  } catch {
    return null;
  }
}

/** What Slurm says about the array's tasks: index → squeue state (PENDING, RUNNING, …). */
export type SlurmQueue = Map<number, string>;

/**
 * The queue state of the tasks of array job `jobId`: null when `squeue` is not there.
 *
 * @example Usage
 * ```ts ignore
 * const queue = await slurmQueue("1234"); // Map { 0 => "RUNNING", 1 => "PENDING" }
 * ```
 */
export async function slurmQueue(jobId: string): Promise<SlurmQueue | null> {
  let r;
  try {
    r = await slurmCommand("squeue", ["-h", "-r", "-j", jobId, "-o", "%K %T"]);
  } catch {
    return null;
  }
  const queue: SlurmQueue = new Map();
  if (r.code !== 0) return queue; // the job has left the queue (squeue: invalid job id)
  for (const line of r.stdout.split("\n")) {
    const [index, state] = line.trim().split(/\s+/);
    if (index !== undefined && state !== undefined && /^\d+$/.test(index)) {
      queue.set(Number(index), state);
    }
  }
  return queue;
}

/**
 * The Slurm queue of the sweep's last submission, if it was submitted and squeue is there.
 *
 * @example Usage
 * ```ts
 * import { queueOf } from "./slurm_engine.ts";
 * import { sweepPaths } from "./sweep_folder.ts";
 * if (await queueOf(sweepPaths(await Deno.makeTempDir(), "never-submitted")) !== null) throw new Error();
 * ```
 */
export async function queueOf(paths: SweepPaths): Promise<SlurmQueue | null> {
  const record = await readSlurmRecord(paths.slurm);
  return record === null ? null : await slurmQueue(record.job_id);
}
