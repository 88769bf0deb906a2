/**
 * Temperature scaling (Guo et al. 2017, "On Calibration of Modern Neural Networks"): one scalar
 * T > 0 for the whole model, p = softmax(z/T), fitted by minimizing the negative log-likelihood
 * of held-out labels (the run's validation split). With β = 1/T,
 *
 *   NLL(β) = (1/n) Σ_i [logsumexp(β·z_i) − β·z_{i,y_i}],
 *   NLL′(β) = (1/n) Σ_i [E_{p_i}(z_i) − z_{i,y_i}],  NLL″(β) = (1/n) Σ_i Var_{p_i}(z_i) ≥ 0,
 *
 * with p_i = softmax(β·z_i): NLL is convex in β, so Newton's method from β = 1 (halving steps
 * that do not lower the NLL, β kept in [1/100, 100]) finds the minimum. T divides the logits,
 * so every argmax, and the accuracy, stays as it was.
 * @module
 */
import { classificationMetrics } from "./metrics.ts";

/** The fitted temperature and the NLL/ECE before (T = 1) and after. */
export interface TemperatureFit {
  temperature: number;
  examples: number;
  nll_before: number;
  nll_after: number;
  ece_before: number;
  ece_after: number;
}

const BETA_MIN = 0.01, BETA_MAX = 100;

/**
 * NLL(β) and its first two derivatives (see the module doc) of row-major `[n, k]` logits.
 *
 * @example Usage
 * ```ts
 * import { temperatureNll } from "./temperature_scaling.ts";
 * // one example, logits (1, 0), label 0, β = 1: NLL = ln(1 + e⁻¹); NLL′ = E_p[z] − z_y = p₀ − 1
 * const r = temperatureNll([1, 0], [0], 2, 1);
 * const p0 = 1 / (1 + Math.exp(-1));
 * if (Math.abs(r.nll - Math.log(1 + Math.exp(-1))) > 1e-12) throw new Error();
 * if (Math.abs(r.d1 - (p0 - 1)) > 1e-12 || Math.abs(r.d2 - p0 * (1 - p0)) > 1e-12) throw new Error();
 * ```
 */
export function temperatureNll(
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  k: number,
  beta: number,
): { nll: number; d1: number; d2: number } {
  const n = labels.length;
  let nll = 0, d1 = 0, d2 = 0;
  for (let i = 0; i < n; i++) {
    const row = i * k;
    let m = -Infinity;
    for (let c = 0; c < k; c++) m = Math.max(m, beta * logits[row + c]);
    let s = 0, ez = 0, ez2 = 0;
    for (let c = 0; c < k; c++) {
      const z = logits[row + c], e = Math.exp(beta * z - m);
      s += e;
      ez += e * z;
      ez2 += e * z * z;
    }
    const zy = logits[row + labels[i]];
    const mean = ez / s;
    nll += m + Math.log(s) - beta * zy;
    d1 += mean - zy;
    d2 += Math.max(0, ez2 / s - mean * mean);
  }
  return { nll: nll / n, d1: d1 / n, d2: d2 / n };
}

function metricsAt(logits: Float32Array, labels: Uint8Array, k: number, t: number) {
  const z = logits.map((v) => v / t);
  const p = new Float32Array(z.length);
  for (let row = 0; row < z.length; row += k) {
    let m = -Infinity, s = 0;
    for (let c = 0; c < k; c++) m = Math.max(m, z[row + c]);
    for (let c = 0; c < k; c++) s += p[row + c] = Math.exp(z[row + c] - m);
    for (let c = 0; c < k; c++) p[row + c] /= s;
  }
  return classificationMetrics({ probabilities: p, logits: z, labels, numClasses: k });
}

/**
 * Fits the temperature of `logits` (row-major `[n, k]`) to `labels` (see the module doc).
 *
 * @throws {RangeError} If there are no examples or the arrays do not fit.
 * @example Usage
 * ```ts
 * import { fitTemperature } from "./temperature_scaling.ts";
 * // Under-confident logits: the right class wins by 0.5 three times in four.
 * const logits = new Float32Array([0.5, 0, 0.5, 0, 0.5, 0, 0, 0.5]);
 * const fit = fitTemperature(logits, new Uint8Array([0, 0, 0, 0]), 2);
 * // optimum: softmax(0.5/T) = 3/4, T = 0.5 / ln 3
 * if (Math.abs(fit.temperature - 0.5 / Math.log(3)) > 1e-6) throw new Error(String(fit.temperature));
 * ```
 */
export function fitTemperature(
  logits: Float32Array,
  labels: Uint8Array,
  k: number,
): TemperatureFit {
  const n = labels.length;
  if (n === 0 || logits.length !== n * k) {
    throw new RangeError(
      `Cannot fit a temperature to ${n} labels and ${logits.length} logits of ${k} classes`,
    );
  }
  let beta = 1, cur = temperatureNll(logits, labels, k, beta);
  for (let iter = 0; iter < 100; iter++) {
    let step = cur.d2 > 0 ? -cur.d1 / cur.d2 : -Math.sign(cur.d1) * beta;
    let next = cur, b = beta;
    for (let h = 0; h < 60; h++, step /= 2) {
      b = Math.min(BETA_MAX, Math.max(BETA_MIN, beta + step));
      next = temperatureNll(logits, labels, k, b);
      if (next.nll <= cur.nll) break;
    }
    if (next.nll > cur.nll) break;
    const moved = Math.abs(b - beta);
    beta = b;
    cur = next;
    if (moved < 1e-12 * Math.max(1, beta)) break;
  }
  const before = metricsAt(logits, labels, k, 1), after = metricsAt(logits, labels, k, 1 / beta);
  return {
    temperature: 1 / beta,
    examples: n,
    nll_before: before.nll,
    nll_after: after.nll,
    ece_before: before.ece,
    ece_after: after.ece,
  };
}
