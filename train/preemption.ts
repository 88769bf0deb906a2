/**
 * A preempted training stops cleanly and says so. Cluster schedulers stop a job with a signal
 * before they kill it: Slurm sends SIGTERM to every process of a job it preempts or requeues
 * (then SIGKILL after `KillWait`, 30 s by default), and with `--signal=B:USR1@120` SIGUSR1 to the
 * batch script two minutes before the time limit (bnn's sweep script passes it on to `train`).
 *
 * On SIGTERM or SIGUSR1, {@linkcode Preemption} lets the current training step finish, writes
 * `last.ckpt` atomically with the same metadata as the run's own checkpoints (the epoch's end
 * checkpoint and logs are written first when the step was the epoch's last), and stops the run
 * with a {@linkcode PreemptedError}; the CLI exits with {@linkcode PREEMPTED_EXIT_CODE} (75,
 * sysexits' EX_TEMPFAIL: "try again later"), which the sweep's Slurm script reads as "requeue
 * me". `--resume` then continues bit for bit, as from any checkpoint. A second signal while the
 * checkpoint is written changes nothing; a signal before training starts (data loading) stops the
 * run at its first step, after its step-0 checkpoint.
 * @module
 */
import { encodeCheckpoint, writeFileAtomic } from "./checkpoint.ts";
import type { EpochMetrics } from "./metrics_log.ts";
import type { BatchLogs, Callback, Model } from "./trainer.ts";

/** The exit code of a run stopped by a preemption signal, with its checkpoint written. */
export const PREEMPTED_EXIT_CODE = 75;

/** The signals that preempt a run. */
export const PREEMPTION_SIGNALS: readonly Deno.Signal[] = ["SIGTERM", "SIGUSR1"];

/**
 * The run stopped on a preemption signal after writing its checkpoint.
 *
 * @example Usage
 * ```ts
 * import { PreemptedError } from "./preemption.ts";
 * const e = new PreemptedError("SIGTERM", "r/checkpoints/last.ckpt", 2, 17);
 * if (e.name !== "PreemptedError" || !e.message.includes("epoch 3, step 17")) throw new Error(e.message);
 * ```
 */
export class PreemptedError extends Error {
  /**
   * @param signal The signal received.
   * @param checkpoint The checkpoint written.
   * @param epoch The 0-based epoch the run stopped in.
   * @param step Steps done in that epoch.
   */
  constructor(
    readonly signal: Deno.Signal,
    readonly checkpoint: string,
    readonly epoch: number,
    readonly step: number,
  ) {
    super(
      `preempted by ${signal}: stopped at epoch ${
        epoch + 1
      }, step ${step}, checkpoint ${checkpoint} written; continue with --resume`,
    );
    this.name = "PreemptedError";
  }
}

/** Where the run's checkpoints go (a `ModelCheckpoint` fits). */
export interface CheckpointTarget {
  /** The path of `last.ckpt`. */
  readonly lastPath: string;
  /** The metadata of the run's checkpoints. */
  readonly extra: Record<string, unknown>;
}

/**
 * The preemption callback; put it last in the run's callbacks (after the checkpoint and log
 * writers, whose epoch-end files it relies on). {@linkcode Preemption.listen} installs the signal
 * handlers, {@linkcode Preemption.dispose} removes them — the owner's job, however the run ends
 * (continual learning calls `fit` once per task, so the end of one fit is not the run's).
 *
 * @example Usage
 * ```ts
 * import { Preemption } from "./preemption.ts";
 * const p = new Preemption({ lastPath: "r/checkpoints/last.ckpt", extra: {} }, 3).listen();
 * if (p.signal !== null) throw new Error("no signal yet");
 * p.dispose();
 * ```
 */
export class Preemption implements Callback {
  /** The first preemption signal received, null until one is. */
  signal: Deno.Signal | null = null;
  #model: Model | null = null;
  #handlers: [Deno.Signal, () => void][] = [];

  /**
   * @param target Where `last.ckpt` goes and its metadata.
   * @param epochs The run's epochs (per task): a signal during the last epoch's end lets the run
   *   finish.
   */
  constructor(readonly target: CheckpointTarget, readonly epochs: number) {}

  /** Installs the SIGTERM and SIGUSR1 handlers (which only note the signal); returns `this`. */
  listen(): this {
    for (const signal of PREEMPTION_SIGNALS) {
      const handler = () => void (this.signal ??= signal);
      Deno.addSignalListener(signal, handler);
      this.#handlers.push([signal, handler]);
    }
    return this;
  }

  /** Removes the handlers: the signals kill the process again. */
  dispose(): void {
    for (const [signal, handler] of this.#handlers) Deno.removeSignalListener(signal, handler);
    this.#handlers = [];
  }

  /** Keeps the model, to checkpoint it. */
  onTrainBegin(model: Model): void {
    this.#model = model;
  }

  /** After a step within an epoch: when signalled, writes `last.ckpt` and stops. */
  async onBatchEnd(logs: BatchLogs): Promise<void> {
    if (this.signal === null || logs.step >= logs.steps) return; // the epoch's end saves
    const model = this.#model!;
    await writeFileAtomic(
      this.target.lastPath,
      encodeCheckpoint(await model.checkpointAsync(this.target.extra)),
    );
    throw new PreemptedError(this.signal, this.target.lastPath, logs.epoch, logs.step);
  }

  /** After an epoch's end (its checkpoint and logs written): when signalled, stops. */
  onEpochEnd(m: EpochMetrics): void {
    if (this.signal === null || m.epoch + 1 >= this.epochs) return;
    throw new PreemptedError(this.signal, this.target.lastPath, m.epoch + 1, 0);
  }
}
