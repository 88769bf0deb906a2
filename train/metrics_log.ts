/**
 * Per-epoch metrics and the paper's reporting protocol: the test accuracy at the epoch of best
 * validation accuracy (Meng et al. 2020, §4.2 and App. B.2), plus the final epoch's.
 * @module
 */

/** One finished epoch: a line of `metrics.jsonl`. Accuracies are fractions in [0, 1]. */
export interface EpochMetrics {
  /** 0-based epoch. */
  epoch: number;
  /** The learning rate this epoch trained with. */
  lr: number;
  /** Mean training cross-entropy over the epoch's examples (mean over MC samples per step). */
  train_loss: number;
  /** Training accuracy of the first MC sample's logits. */
  train_acc: number;
  /** Validation accuracy, null without a validation split. */
  val_acc: number | null;
  /** Validation cross-entropy of the predictive distribution, null without a split. */
  val_loss: number | null;
  /** Test accuracy, null when no test set is given. */
  test_acc: number | null;
  /** Test cross-entropy of the predictive distribution. */
  test_loss: number | null;
  /** Continual learning: the task trained this epoch (0-based); absent otherwise. */
  task?: number;
  /** Continual learning: test accuracy on each task seen so far (`test_acc` is their mean). */
  test_acc_per_task?: number[];
  /** Continual learning: test cross-entropy on each task seen so far. */
  test_loss_per_task?: number[];
  /** Steps trained this epoch. */
  steps: number;
  /** Wall-clock seconds of the epoch, evaluation included (timing field). */
  seconds: number;
  /** Training examples per second, evaluation excluded (timing field). */
  examples_per_s: number;
}

/** The keys of {@linkcode EpochMetrics} that measure time and so differ between identical runs. */
export const TIMING_KEYS = ["seconds", "examples_per_s"] as const;

/** The outcome of the reporting protocol. */
export interface BestSelection {
  /** Epoch with the highest validation accuracy (earliest on ties); null without validation. */
  best_val_epoch: number | null;
  best_val_acc: number | null;
  /** Test accuracy at `best_val_epoch`; null without validation or test data. */
  test_acc_at_best_val: number | null;
  /** Test accuracy of the last epoch; null when there is none. */
  final_test_acc: number | null;
  /** The last finished epoch; null when none finished. */
  final_epoch: number | null;
}

/**
 * Applies the protocol to a run's metrics: best validation accuracy wins, the earliest epoch on
 * ties (a later epoch must be strictly better).
 *
 * @param metrics The finished epochs in order.
 * @returns The selection.
 *
 * @example Usage
 * ```ts
 * import { selectBest } from "./metrics_log.ts";
 * const m = (epoch: number, val_acc: number, test_acc: number) => ({
 *   epoch, lr: 0, train_loss: 0, train_acc: 0, val_acc, val_loss: 0, test_acc, test_loss: 0,
 *   steps: 1, seconds: 0, examples_per_s: 0,
 * });
 * const s = selectBest([m(0, 0.9, 0.91), m(1, 0.95, 0.94), m(2, 0.93, 0.96)]);
 * if (s.best_val_epoch !== 1 || s.test_acc_at_best_val !== 0.94 || s.final_test_acc !== 0.96) {
 *   throw new Error("wrong selection");
 * }
 * ```
 */
export function selectBest(metrics: readonly EpochMetrics[]): BestSelection {
  let best: EpochMetrics | null = null;
  for (const m of metrics) {
    if (m.val_acc === null) continue;
    if (best === null || m.val_acc > best.val_acc!) best = m;
  }
  const last = metrics.length ? metrics[metrics.length - 1]! : null;
  return {
    best_val_epoch: best?.epoch ?? null,
    best_val_acc: best?.val_acc ?? null,
    test_acc_at_best_val: best?.test_acc ?? null,
    final_test_acc: last?.test_acc ?? null,
    final_epoch: last?.epoch ?? null,
  };
}

/**
 * Whether epoch `m` is a new best by validation accuracy given the previous best (the rule of
 * {@linkcode selectBest}); without validation every epoch is the newest "best".
 *
 * @param m The finished epoch.
 * @param bestValAcc The best validation accuracy so far, or null.
 * @returns True if `m` should become `best.ckpt`.
 *
 * @example Usage
 * ```ts
 * import { isNewBest } from "./metrics_log.ts";
 * if (!isNewBest({ val_acc: 0.9 }, null) || isNewBest({ val_acc: 0.9 }, 0.9)) {
 *   throw new Error("wrong rule");
 * }
 * ```
 */
export function isNewBest(m: Pick<EpochMetrics, "val_acc">, bestValAcc: number | null): boolean {
  if (m.val_acc === null) return true;
  return bestValAcc === null || m.val_acc > bestValAcc;
}

/**
 * Drops the timing fields, so two runs with the same seed can be compared bit for bit.
 *
 * @param m A metrics row.
 * @returns The row without {@linkcode TIMING_KEYS}.
 *
 * @example Usage
 * ```ts
 * import { withoutTiming } from "./metrics_log.ts";
 * const r = withoutTiming({ epoch: 0, seconds: 3, examples_per_s: 9 });
 * if ("seconds" in r) throw new Error("timing kept");
 * ```
 */
export function withoutTiming<T extends object>(
  m: T,
): Omit<T, (typeof TIMING_KEYS)[number]> {
  const out = { ...m } as Record<string, unknown>;
  for (const k of TIMING_KEYS) delete out[k];
  return out as Omit<T, (typeof TIMING_KEYS)[number]>;
}
