/**
 * Classification metrics of a predictive distribution p(y | x) over a labelled set of
 * n examples and K classes (p_i is example i's probability vector, y_i its label,
 * ŷ_i = argmax_c p_ic, the first maximum on ties, c_i = max_c p_ic its confidence):
 *
 * - accuracy = (1/n) Σ_i 1[ŷ_i = y_i], a fraction in [0, 1];
 * - NLL = −(1/n) Σ_i log p_{i,y_i}, computed from the logits z_i as
 *   logsumexp(z_i) − z_{i,y_i} when they are given (exact for softmax outputs and for
 *   bnn's sampled exports, whose logits are log p̄), else from p directly;
 * - ECE (expected calibration error, Guo et al. 2017) with B = 15 equal-width
 *   confidence bins, bin b = (b/B, (b+1)/B]: ECE = Σ_b (n_b/n)·|acc_b − conf_b|, acc_b
 *   and conf_b the mean correctness and mean confidence of the bin's examples;
 * - Brier score (multi-class, Brier 1950): (1/n) Σ_i Σ_c (p_ic − 1[c = y_i])², i.e.
 *   summed over classes and averaged over examples, in [0, 2];
 * - per-class accuracy: accuracy among the examples of each true class (null for a
 *   class with no example);
 * - confusion matrix: `confusion[true][predicted]` counts.
 * @module
 */

/** Number of equal-width confidence bins of the ECE and the reliability diagram. */
export const ECE_BINS = 15;

/** One confidence bin of the reliability diagram. */
export interface CalibrationBin {
  /** Bin bounds (lower, upper]. */
  lower: number;
  upper: number;
  count: number;
  /** Mean correctness of the bin's examples (null when empty). */
  accuracy: number | null;
  /** Mean confidence of the bin's examples (null when empty). */
  confidence: number | null;
}

/** The metrics of {@linkcode classificationMetrics}. */
export interface ClassificationMetrics {
  count: number;
  accuracy: number;
  nll: number;
  ece: number;
  brier: number;
  per_class_accuracy: (number | null)[];
  confusion: number[][];
  bins: CalibrationBin[];
}

/** Inputs of {@linkcode classificationMetrics}: row-major `[n, numClasses]` arrays. */
export interface MetricsInput {
  probabilities: Float32Array | number[];
  labels: ArrayLike<number>;
  numClasses: number;
  /** When given, NLL is computed as logsumexp(z) − z_y (numerically stable). */
  logits?: Float32Array | number[];
  bins?: number;
}

/**
 * The bin of a confidence c among `bins` equal-width bins (b/B, (b+1)/B]; c = 0 goes to bin 0.
 *
 * @example Usage
 * ```ts
 * import { confidenceBin } from "./metrics.ts";
 * if (confidenceBin(0.5, 2) !== 0 || confidenceBin(0.51, 2) !== 1) throw new Error("bins");
 * ```
 */
export function confidenceBin(c: number, bins = ECE_BINS): number {
  return Math.min(bins - 1, Math.max(0, Math.ceil(c * bins) - 1));
}

/**
 * Accuracy, NLL, ECE, Brier score, per-class accuracy and confusion matrix (see the
 * module doc for the definitions).
 *
 * @throws {RangeError} If the arrays do not have n·numClasses entries or a label is out of range.
 *
 * @example Usage
 * ```ts
 * import { classificationMetrics } from "./metrics.ts";
 * const m = classificationMetrics({
 *   probabilities: [0.9, 0.1, 0.4, 0.6], labels: [0, 0], numClasses: 2,
 * });
 * // accuracy 1/2; NLL −(ln 0.9 + ln 0.4)/2; Brier ((0.1² + 0.1²) + (0.6² + 0.6²))/2 = 0.37
 * if (m.accuracy !== 0.5 || Math.abs(m.brier - 0.37) > 1e-6) throw new Error(JSON.stringify(m));
 * ```
 */
export function classificationMetrics(input: MetricsInput): ClassificationMetrics {
  const { probabilities: p, labels, numClasses: k, logits } = input;
  const B = input.bins ?? ECE_BINS;
  const n = labels.length;
  if (!Number.isInteger(k) || k < 1) {
    throw new RangeError(`numClasses must be a positive integer: current value is ${k}`);
  }
  if (n === 0) throw new RangeError("Cannot compute metrics of an empty set: labels is empty");
  if (p.length !== n * k) {
    throw new RangeError(
      `probabilities must have ${n}·${k} = ${n * k} entries: current length is ${p.length}`,
    );
  }
  if (logits && logits.length !== n * k) {
    throw new RangeError(
      `logits must have ${n}·${k} = ${n * k} entries: current length is ${logits.length}`,
    );
  }
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const binCount = new Float64Array(B);
  const binCorrect = new Float64Array(B);
  const binConf = new Float64Array(B);
  let correct = 0;
  let nll = 0;
  let brier = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0 || y >= k) {
      throw new RangeError(`labels[${i}] must be an integer in [0, ${k}): current value is ${y}`);
    }
    const row = i * k;
    let best = 0;
    for (let c = 1; c < k; c++) if (p[row + c] > p[row + best]) best = c;
    const conf = p[row + best];
    const hit = best === y ? 1 : 0;
    correct += hit;
    confusion[y][best]++;
    const b = confidenceBin(conf, B);
    binCount[b]++;
    binCorrect[b] += hit;
    binConf[b] += conf;
    for (let c = 0; c < k; c++) {
      const d = p[row + c] - (c === y ? 1 : 0);
      brier += d * d;
    }
    if (logits) {
      let m = -Infinity;
      for (let c = 0; c < k; c++) m = Math.max(m, logits[row + c]);
      let s = 0;
      for (let c = 0; c < k; c++) s += Math.exp(logits[row + c] - m);
      nll += m + Math.log(s) - logits[row + y];
    } else {
      nll -= Math.log(p[row + y]);
    }
  }
  let ece = 0;
  const bins: CalibrationBin[] = [];
  for (let b = 0; b < B; b++) {
    const cnt = binCount[b];
    const acc = cnt ? binCorrect[b] / cnt : null;
    const cf = cnt ? binConf[b] / cnt : null;
    if (cnt) ece += (cnt / n) * Math.abs(acc! - cf!);
    bins.push({ lower: b / B, upper: (b + 1) / B, count: cnt, accuracy: acc, confidence: cf });
  }
  const perClass = confusion.map((row, c) => {
    const total = row.reduce((a, v) => a + v, 0);
    return total ? row[c] / total : null;
  });
  return {
    count: n,
    accuracy: correct / n,
    nll: nll / n,
    ece,
    brier: brier / n,
    per_class_accuracy: perClass,
    confusion,
    bins,
  };
}
