/**
 * How far one job's run folder has come, read from the files the trainer writes
 * (`train/run_folder.ts`): `summary.json` says whether the run finished, `metrics.jsonl` has one
 * line per finished epoch.
 * @module
 */
import { runPaths } from "../train/run_folder.ts";
import { assertRunFolderFree, RunLockError } from "../train/run_lock.ts";

/** What a job's run folder says about it. */
export interface JobProgress {
  /** The run folder exists. */
  started: boolean;
  /** `summary.json` says `"finished": true`. */
  finished: boolean;
  /** Epochs in `metrics.jsonl`. */
  epochsDone: number;
  /** The parsed `summary.json`, when there is one. */
  summary: Record<string, unknown> | null;
}

/** The parsed JSON of `file`, or null when it is missing or not JSON. */
async function readJson(file: string): Promise<Record<string, unknown> | null> {
  try {
    const v = JSON.parse(await Deno.readTextFile(file));
    return typeof v === "object" && v !== null ? v : null;
  } catch {
    return null;
  }
}

/** The number of epoch lines in `metrics.jsonl` (0 when missing). */
async function countEpochs(file: string): Promise<number> {
  const text = await Deno.readTextFile(file).catch(() => "");
  return text.split("\n").filter((l) => l.trim() !== "").length;
}

/**
 * Reads the progress of the run folder `runDir`.
 *
 * @example Usage
 * ```ts
 * import { readJobProgress } from "./job_progress.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/metrics.jsonl`, '{"epoch":0}\n{"epoch":1}\n');
 * await Deno.writeTextFile(`${dir}/summary.json`, '{"finished":true}');
 * const p = await readJobProgress(dir);
 * if (!p.finished || p.epochsDone !== 2) throw new Error(JSON.stringify(p));
 * ```
 */
export async function readJobProgress(runDir: string): Promise<JobProgress> {
  const p = runPaths(runDir);
  const started = await Deno.stat(runDir).then(() => true, () => false);
  if (!started) return { started, finished: false, epochsDone: 0, summary: null };
  const summary = await readJson(p.summary);
  return {
    started,
    finished: summary?.finished === true,
    epochsDone: await countEpochs(p.metrics),
    summary,
  };
}

/**
 * Whether a live process holds the run folder's lock (`train/run_lock.ts`): the job is running.
 *
 * @example Usage
 * ```ts
 * import { heldByLiveProcess } from "./job_progress.ts";
 * if (await heldByLiveProcess(await Deno.makeTempDir())) throw new Error();
 * ```
 */
export async function heldByLiveProcess(runDir: string): Promise<boolean> {
  try {
    await assertRunFolderFree(runDir);
    return false;
  } catch (e) {
    if (e instanceof RunLockError) return true;
    throw e;
  }
}
