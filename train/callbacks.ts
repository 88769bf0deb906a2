/**
 * The callbacks a training run uses: {@linkcode ModelCheckpoint} (`checkpoints/last.ckpt` every
 * epoch and every K steps, `checkpoints/best.ckpt` at each new best validation accuracy),
 * {@linkcode RunLogger} (`metrics.jsonl`, `curves.svg`, `summary.json`) and
 * {@linkcode ProgressLogger} (the console).
 * @module
 */
import path from "node:path";
import { encodeCheckpoint, writeFileAtomic } from "./checkpoint.ts";
import { type EpochMetrics, selectBest } from "./metrics_log.ts";
import { plotCurves } from "./plot.ts";
import { renderEpochEnd, renderProgress } from "./progress.ts";
import type { BatchLogs, Callback, Model } from "./trainer.ts";
import { writeError } from "./write_error.ts";
import { RUN_FILES } from "./run_folder.ts";

/**
 * Saves `last.ckpt` after every epoch and every `every` steps within an epoch, and `best.ckpt`
 * whenever an epoch becomes the best by validation accuracy (the latest epoch without validation);
 * with `atStart`, also `last.ckpt` when training begins, so a run folder has a checkpoint from its
 * first moment on. All writes are atomic; at an epoch's end `best.ckpt` is written before
 * `last.ckpt`, so a process killed between the two resumes from the previous `last.ckpt` and
 * writes that `best.ckpt` again, as a run never interrupted does.
 *
 * @example Usage
 * ```ts ignore
 * await model.fit(train, { ...opts, callbacks: [new ModelCheckpoint("runs/x/checkpoints", 100)] });
 * ```
 */
export class ModelCheckpoint implements Callback {
  #model: Model | null = null;
  /**
   * @param dir The checkpoints folder (created if missing).
   * @param every Steps between mid-epoch saves of `last.ckpt`; 0 = only at epoch ends.
   * @param extra Metadata stored in every checkpoint (config, spec, ...).
   * @param options `atStart`: save `last.ckpt` in `onTrainBegin` too (a run's first checkpoint).
   * @throws {RangeError} If `every` is not a non-negative integer.
   */
  constructor(
    readonly dir: string,
    readonly every = 0,
    readonly extra: Record<string, unknown> = {},
    readonly options: { atStart?: boolean } = {},
  ) {
    if (!Number.isInteger(every) || every < 0) {
      throw new RangeError(
        `Cannot create ModelCheckpoint as every must be a non-negative integer: current value is ${every}`,
      );
    }
  }

  /** The path of `last.ckpt`. */
  get lastPath(): string {
    return path.join(this.dir, RUN_FILES.lastCheckpoint);
  }

  /** The path of `best.ckpt`. */
  get bestPath(): string {
    return path.join(this.dir, RUN_FILES.bestCheckpoint);
  }

  /** Keeps the model, creates the folder and, with `atStart`, saves `last.ckpt`. */
  async onTrainBegin(model: Model): Promise<void> {
    this.#model = model;
    await mkdirOrFail(this.dir);
    if (this.options.atStart) {
      await writeFileAtomic(
        this.lastPath,
        encodeCheckpoint(await model.checkpointAsync(this.extra)),
      );
    }
  }

  /** Saves `last.ckpt` every `every` steps, except at the epoch's last step. */
  async onBatchEnd(logs: BatchLogs): Promise<void> {
    if (this.every > 0 && logs.step % this.every === 0 && logs.step < logs.steps) {
      await writeFileAtomic(
        this.lastPath,
        encodeCheckpoint(await this.#model!.checkpointAsync(this.extra)),
      );
    }
  }

  /** Saves `best.ckpt` when this epoch is the best so far, then `last.ckpt`. */
  async onEpochEnd(m: EpochMetrics): Promise<void> {
    const model = this.#model!;
    const bytes = encodeCheckpoint(await model.checkpointAsync(this.extra));
    if (model.state!.bestEpoch === m.epoch) await writeFileAtomic(this.bestPath, bytes);
    await writeFileAtomic(this.lastPath, bytes);
  }
}

/** `Deno.mkdir(dir, { recursive: true })`, a failure as one line (see ./write_error.ts). */
async function mkdirOrFail(dir: string): Promise<void> {
  try {
    await Deno.mkdir(dir, { recursive: true });
  } catch (e) {
    throw writeError(dir, e) ?? e;
  }
}

/** Run facts that `summary.json` carries besides the metrics. */
export interface RunInfo {
  config_name: string;
  optimizer: string;
  dataset: string;
  seed: number;
  backend: string;
  epochs: number;
  [key: string]: unknown;
}

/**
 * Writes the run folder's logs after every epoch: `metrics.jsonl` (one JSON object per finished
 * epoch, rewritten from the model's history, so a resumed run never duplicates lines),
 * `curves.svg` and `summary.json` (the reporting protocol of {@linkcode selectBest}, timing and
 * run facts).
 *
 * @example Usage
 * ```ts ignore
 * const logger = new RunLogger("runs/x", { config_name: "mnist", optimizer: "bayesbinn",
 *   dataset: "mnist", seed: 1, backend: "wasm", epochs: 5 });
 * ```
 */
export class RunLogger implements Callback {
  #model: Model | null = null;
  #startedAt = 0;
  /**
   * @param dir The run folder.
   * @param info Facts copied into `summary.json`.
   */
  constructor(readonly dir: string, readonly info: RunInfo) {}

  /** Keeps the model. */
  async onTrainBegin(model: Model): Promise<void> {
    this.#model = model;
    this.#startedAt = performance.now();
    await mkdirOrFail(this.dir);
  }

  /** Rewrites `metrics.jsonl`, `curves.svg` and `summary.json`. */
  async onEpochEnd(_m: EpochMetrics): Promise<void> {
    await this.write(false);
  }

  /** Writes the final `summary.json`. */
  async onTrainEnd(_history: EpochMetrics[]): Promise<void> {
    await this.write(true);
  }

  /**
   * Writes the three files from the model's history.
   *
   * @param finished Whether training has ended.
   */
  async write(finished: boolean): Promise<void> {
    const history = this.#model?.state?.history ?? [];
    await writeFileAtomic(
      path.join(this.dir, RUN_FILES.metrics),
      history.map((m) => JSON.stringify(m) + "\n").join(""),
    );
    await writeFileAtomic(
      path.join(this.dir, RUN_FILES.curves),
      plotCurves(
        history,
        `${this.info.optimizer} on ${this.info.dataset} (${this.info.config_name}, seed ${this.info.seed})`,
      ),
    );
    await writeFileAtomic(
      path.join(this.dir, RUN_FILES.summary),
      JSON.stringify(runSummary(history, this.info, finished, this.#startedAt), null, 2) + "\n",
    );
  }
}

/**
 * The content of `summary.json`: the protocol's selection, timing and run facts; in continual
 * learning also the last epoch's test accuracy per task seen (`final_test_acc_per_task`), their
 * mean (`final_test_acc_average`) and the task it was trained on (`final_task`).
 *
 * @param history The finished epochs.
 * @param info Run facts.
 * @param finished Whether training has ended.
 * @param startedAt `performance.now()` when this process started training.
 * @returns The summary object.
 *
 * @example Usage
 * ```ts
 * import { runSummary } from "./callbacks.ts";
 * const s = runSummary([], { config_name: "c", optimizer: "ste", dataset: "mnist", seed: 1,
 *   backend: "cpu", epochs: 1 }, false, 0);
 * if (s.best_val_epoch !== null) throw new Error("no epochs yet");
 * ```
 */
export function runSummary(
  history: EpochMetrics[],
  info: RunInfo,
  finished: boolean,
  startedAt: number,
): Record<string, unknown> {
  const sel = selectBest(history);
  const secs = history.map((m) => m.seconds);
  const rates = history.map((m) => m.examples_per_s);
  const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : null);
  const perTask = history.at(-1)?.test_acc_per_task;
  return {
    ...sel,
    ...(perTask === undefined ? {} : {
      final_task: history.at(-1)!.task ?? null,
      final_test_acc_per_task: perTask,
      final_test_acc_average: mean(perTask),
    }),
    epochs_done: history.length,
    finished,
    ...info,
    mean_epoch_seconds: mean(secs),
    mean_examples_per_s: mean(rates),
    total_epoch_seconds: secs.reduce((a, b) => a + b, 0),
    process_seconds: (performance.now() - startedAt) / 1000,
  };
}

/** The width of the terminal on stdout, or Infinity when there is none. */
function terminalColumns(): number {
  try {
    return Deno.consoleSize().columns || Infinity;
  } catch {
    return Infinity;
  }
}

/**
 * Console progress: on a terminal a bar per epoch redrawn in place; when piped one line per epoch,
 * plus a progress line every `pipedIntervalMs` (default a minute) within a longer epoch.
 *
 * @example Usage
 * ```ts
 * import { ProgressLogger } from "./callbacks.ts";
 * const out: string[] = [];
 * const progress = new ProgressLogger(false, (s) => void out.push(s), 1);
 * progress.onEpochEnd({ epoch: 0, lr: 0.01, train_loss: 0.5, train_acc: 0.9, val_acc: null,
 *   val_loss: null, test_acc: 0.93, test_loss: 0.3, steps: 10, seconds: 2, examples_per_s: 500 });
 * if (!out[0]!.startsWith("epoch 1/1 ")) throw new Error(out[0]);
 * ```
 */
export class ProgressLogger implements Callback {
  #epochs = 0;
  #last = 0;
  /**
   * @param tty Whether to draw the in-place bar.
   * @param write Where text goes.
   * @param epochs The total epochs, for display.
   * @param minIntervalMs Minimum time between bar redraws.
   * @param columns The terminal's width, asked at each redraw (default: stdout's, else unlimited).
   * @param pipedIntervalMs When piped, the time between progress lines within an epoch.
   */
  constructor(
    readonly tty: boolean,
    readonly write: (text: string) => void,
    epochs: number,
    readonly minIntervalMs = 100,
    readonly columns: () => number = terminalColumns,
    readonly pipedIntervalMs = 60_000,
  ) {
    this.#epochs = epochs;
  }

  /** Starts the clock of the piped progress lines. */
  onEpochBegin(): void {
    this.#last = performance.now();
  }

  /**
   * Redraws the bar (TTY, at most every `minIntervalMs`) or prints a progress line (piped, at
   * most every `pipedIntervalMs`, not for the epoch's last step, whose epoch line follows).
   */
  onBatchEnd(l: BatchLogs): void {
    const now = performance.now();
    const quiet = this.tty
      ? now - this.#last < this.minIntervalMs && l.step < l.steps
      : now - this.#last < this.pipedIntervalMs || l.step >= l.steps;
    if (quiet) return;
    this.#last = now;
    this.write(renderProgress(
      {
        epoch: l.epoch,
        epochs: this.#epochs,
        step: l.step,
        steps: l.steps,
        loss: l.meanLoss,
        acc: l.meanAcc,
        examplesPerS: l.examplesPerS,
        etaS: l.examplesPerS > 0 ? ((l.steps - l.step) * l.size) / l.examplesPerS : Infinity,
      },
      this.tty,
      24,
      this.tty ? this.columns() : Infinity,
    ));
  }

  /** Prints the epoch's line. */
  onEpochEnd(m: EpochMetrics): void {
    this.write(renderEpochEnd({ ...m, epochs: this.#epochs }, this.tty));
  }
}
