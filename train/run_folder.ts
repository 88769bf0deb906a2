/**
 * The names of a run folder's files, in one place (the README's "Run folder" table describes
 * them): the trainer CLI, its callbacks, the lock and the exporter all take them from here.
 *
 * ```
 * RUN_DIR/config.json             the resolved config
 * RUN_DIR/metrics.jsonl           one JSON object per epoch
 * RUN_DIR/summary.json            best-validation epoch, test accuracy there, timing
 * RUN_DIR/curves.svg              the loss and accuracy curves
 * RUN_DIR/checkpoints/last.ckpt   the last state, to resume from
 * RUN_DIR/checkpoints/best.ckpt   the best-validation state, which export prefers
 * RUN_DIR/run.lock                held while a train writes the folder
 * RUN_DIR/model.onnx              export's default output (+ model.onnx.json)
 * ```
 * @module
 */
import path from "node:path";

/** File names inside a run folder. */
export const RUN_FILES = {
  config: "config.json",
  metrics: "metrics.jsonl",
  summary: "summary.json",
  curves: "curves.svg",
  checkpoints: "checkpoints",
  lastCheckpoint: "last.ckpt",
  bestCheckpoint: "best.ckpt",
  lock: "run.lock",
  model: "model.onnx",
} as const;

/** The paths of one run folder's files. */
export interface RunPaths {
  dir: string;
  config: string;
  metrics: string;
  summary: string;
  curves: string;
  checkpoints: string;
  lastCheckpoint: string;
  bestCheckpoint: string;
  lock: string;
  model: string;
}

/**
 * The paths of the files of the run folder `dir`.
 *
 * @example Usage
 * ```ts
 * import { runPaths } from "./run_folder.ts";
 * const p = runPaths("runs/a");
 * if (p.lastCheckpoint !== "runs/a/checkpoints/last.ckpt") throw new Error(p.lastCheckpoint);
 * ```
 */
export function runPaths(dir: string): RunPaths {
  const checkpoints = path.join(dir, RUN_FILES.checkpoints);
  return {
    dir,
    config: path.join(dir, RUN_FILES.config),
    metrics: path.join(dir, RUN_FILES.metrics),
    summary: path.join(dir, RUN_FILES.summary),
    curves: path.join(dir, RUN_FILES.curves),
    checkpoints,
    lastCheckpoint: path.join(checkpoints, RUN_FILES.lastCheckpoint),
    bestCheckpoint: path.join(checkpoints, RUN_FILES.bestCheckpoint),
    lock: path.join(dir, RUN_FILES.lock),
    model: path.join(dir, RUN_FILES.model),
  };
}
