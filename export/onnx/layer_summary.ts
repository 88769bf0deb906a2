/**
 * The per-layer summary of an export: the training summary (`summarize`) in ONNX layout, with
 * the binary parameters of all K weight sets.
 * @module
 */
import type { LayerSpec, ModelSpec } from "../../train/models/spec.ts";
import { summarize } from "../../train/models/summary.ts";

/** One row of the export summary. */
export interface ExportLayerSummary {
  /** Position in `spec.layers`. */
  index: number;
  type: LayerSpec["type"];
  /** Output shape per example, ONNX layout (`C×H×W` or `F`). */
  outputShape: number[];
  /** Binary (±1) parameters, summed over all exported weight sets. */
  binary: number;
  /** Real-valued parameters (BatchNorm running mean/variance and γ/β). */
  real: number;
}

/**
 * The export summary of every layer of `spec`, exported with `K` weight sets.
 *
 * @throws {RangeError} If the spec is inconsistent.
 * @example Usage
 * ```ts
 * import { exportLayerSummaries } from "./layer_summary.ts";
 * const rows = exportLayerSummaries({
 *   architecture: "tiny", inputShape: [2, 3, 4], numClasses: 2,
 *   layers: [{ type: "flatten" }, { type: "dense", inputs: 24, units: 2 }],
 * }, 3);
 * if (rows[1].binary !== 3 * 48 || rows[0].outputShape.join() !== "24") throw new Error();
 * ```
 */
export function exportLayerSummaries(spec: ModelSpec, K: number): ExportLayerSummary[] {
  return summarize(spec).layers.map((l, index) => ({
    index,
    type: spec.layers[index].type,
    outputShape: l.outputShape.length === 3
      ? [l.outputShape[2], l.outputShape[0], l.outputShape[1]]
      : [...l.outputShape],
    binary: l.binaryParams * K,
    real: l.realParams,
  }));
}
