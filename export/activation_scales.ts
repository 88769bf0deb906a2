/**
 * Static activation scales for the int8 graph ({@linkcode ./onnx/int8_graph.ts}), calibrated on
 * a few training batches. The float graph, with the post-ReLU tensor of every quantized block
 * added as an output ({@linkcode int8ProbeTensors}), runs through ONNX Runtime twice over the
 * batches: first for each tensor's maximum M, then for a histogram of its values on [0, M]
 * (2048 bins; exact zeros, half of a ReLU's outputs, counted apart). A clip value c gives the
 * uint8 scale s = c/255 (zero point 0), chosen by one of:
 *
 * - `minmax`: c = M (no value clipped; the coarsest steps);
 * - `percentile`: c = the 99.99th percentile of the values;
 * - `mse`: c minimizing the expected squared error E[(x − Q_c(x))²] ≈
 *   Σ_{x > c} (x − c)² + n_{0 < x ≤ c}·s²/12 over the histogram (clipping against rounding,
 *   the rounding error of a non-zero value taken as uniform on ±s/2; zeros are exact).
 *
 * The input image is not calibrated: its range is known, the normalized pixel range
 * [min_c (0 − mean_c)/std_c, max_c (1 − mean_c)/std_c], quantized asymmetrically
 * ({@linkcode inputQuantization}).
 * @module
 */
import { ort } from "./ort.ts";
import type { ScaleMethod, TensorScale } from "./deploy_options.ts";
import { ortSessionOptions } from "./session_options.ts";
import type { Normalization } from "../train/data/normalization.ts";
import { layerOutputShapes } from "../train/models/shapes.ts";
import { buildOnnxModel, type FrozenNet } from "./onnx/graph.ts";
import { type ActivationScales, int8ProbeTensors } from "./onnx/int8_graph.ts";
import type { Quantization } from "./onnx/_qlayers.ts";
import { DataType, encodeModel, type ValueInfo } from "./onnx/proto.ts";

const BINS = 2048;
const PERCENTILE = 99.99;

/** One probed tensor's calibration values: maximum, zeros and a histogram of the rest. */
export interface TensorStats {
  name: string;
  max: number;
  /** Values exactly 0. */
  zeros: number;
  /** Counts of the non-zero values in BINS equal bins of (0, max]. */
  histogram: Float64Array;
}

/**
 * The asymmetric uint8 quantization of the normalized pixel range (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { inputQuantization } from "./activation_scales.ts";
 * const q = inputQuantization({ mean: [0.5], std: [0.5] }); // range [−1, 1]
 * if (Math.abs(q.scale - 2 / 255) > 1e-12 || q.zeroPoint !== 128) throw new Error();
 * ```
 */
export function inputQuantization(norm: Normalization): Quantization {
  const lo = Math.min(0, ...norm.mean.map((m, c) => (0 - m) / norm.std[c]));
  const hi = Math.max(0, ...norm.mean.map((m, c) => (1 - m) / norm.std[c]));
  const scale = (hi - lo) / 255;
  return { scale, zeroPoint: Math.min(255, Math.max(0, Math.round(-lo / scale))) };
}

/**
 * The clip value of a tensor by `method` (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { chooseClip } from "./activation_scales.ts";
 * const histogram = new Float64Array(2048);
 * histogram[100] = 1e8; // a mass near 0.05·M …
 * histogram[2047] = 1; // … and one outlier at M = 1
 * const stats = { name: "t", max: 1, zeros: 0, histogram };
 * if (chooseClip(stats, "minmax") !== 1) throw new Error();
 * if (!(chooseClip(stats, "mse") < 0.2)) throw new Error(String(chooseClip(stats, "mse")));
 * ```
 */
export function chooseClip(stats: TensorStats, method: ScaleMethod): number {
  const { max, histogram: h } = stats;
  if (method === "minmax" || !(max > 0)) return max;
  const width = max / BINS;
  const nonZero = h.reduce((a, v) => a + v, 0);
  if (method === "percentile") {
    const target = ((stats.zeros + nonZero) * PERCENTILE) / 100 - stats.zeros;
    let seen = 0;
    for (let b = 0; b < BINS; b++) {
      seen += h[b];
      if (seen >= target) return (b + 1) * width;
    }
    return max;
  }
  let best = max, bestErr = Infinity;
  for (let j = 1; j <= BINS; j++) {
    const c = j * width, s = c / 255;
    let err = 0, below = 0;
    for (let b = 0; b < BINS; b++) {
      const v = (b + 0.5) * width;
      if (v > c) err += h[b] * (v - c) ** 2;
      else below += h[b];
    }
    err += (below * s * s) / 12;
    if (err < bestErr) [best, bestErr] = [c, err];
  }
  return best;
}

/** The probe model: the float graph with the probed tensors as extra outputs. */
function probeModel(net: FrozenNet, names: string[]): Uint8Array {
  const { model } = buildOnnxModel(net, { weights: "float" });
  const shapes = layerOutputShapes(net.spec);
  const extra: ValueInfo[] = names.map((name) => {
    const s = shapes[Number(/L(\d+)_/.exec(name)![1])];
    return {
      name,
      elemType: DataType.FLOAT,
      shape: s.length === 3 ? ["N", s[2], s[0], s[1]] : ["N", ...s],
    };
  });
  return encodeModel({ ...model, outputs: [...model.outputs, ...extra] });
}

/** Runs the probe over the batches, calling `visit` with each probed tensor's values. */
async function probe(
  session: ort.InferenceSession,
  batches: ort.Tensor[],
  names: string[],
  visit: (t: number, v: Float32Array) => void,
): Promise<void> {
  for (const x of batches) {
    const out = await session.run({ image: x }, names);
    names.forEach((n, t) => visit(t, out[n].data as Float32Array));
  }
}

/**
 * Calibrates the activation scales of `net`'s int8 graph on `batches` of normalized NCHW images
 * (see the module doc).
 *
 * @example Usage
 * ```ts ignore
 * import { calibrateActivations } from "./activation_scales.ts";
 * const { scales } = await calibrateActivations(net, batches, { mean: [0.1307], std: [0.3081] }, "mse");
 * ```
 */
export async function calibrateActivations(
  net: FrozenNet,
  batches: ort.Tensor[],
  norm: Normalization,
  method: ScaleMethod,
): Promise<{ scales: ActivationScales; tensors: TensorScale[] }> {
  const names = int8ProbeTensors(net.spec, net.weightSets.length);
  const session = await ort.InferenceSession.create(probeModel(net, names), ortSessionOptions());
  try {
    const stats: TensorStats[] = names.map((name) => ({
      name,
      max: 0,
      zeros: 0,
      histogram: new Float64Array(BINS),
    }));
    await probe(session, batches, names, (t, v) => {
      for (let i = 0; i < v.length; i++) if (v[i] > stats[t].max) stats[t].max = v[i];
    });
    await probe(session, batches, names, (t, v) => {
      const s = stats[t], per = BINS / (s.max || 1);
      for (let i = 0; i < v.length; i++) {
        if (v[i] <= 0) s.zeros++;
        else s.histogram[Math.min(BINS - 1, Math.floor(v[i] * per))]++;
      }
    });
    const tensors = stats.map((s) => {
      // A tensor that stayed 0 on every batch still needs a positive scale.
      const clip = chooseClip(s, method) || 1;
      return { tensor: s.name, max: s.max, clip, scale: clip / 255 };
    });
    const outputs = Object.fromEntries(tensors.map((t) => [t.tensor, t.scale]));
    return { scales: { input: inputQuantization(norm), outputs }, tensors };
  } finally {
    await session.release();
  }
}
