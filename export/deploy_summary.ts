/**
 * The lines `bnn export` prints about `--int8` and `--calibrate` under its size table: the
 * activation scales chosen and the temperature with the validation NLL/ECE it changed.
 * @module
 */
import type { ExportSidecar } from "./sidecar.ts";

/**
 * The printed lines of a sidecar's `quantization` and `calibration` records (none without them).
 *
 * @example Usage
 * ```ts
 * import { deployLines } from "./deploy_summary.ts";
 * const lines = deployLines({
 *   calibration: { temperature: 0.5, examples: 10, nll_before: 0.3, nll_after: 0.1,
 *     ece_before: 0.2, ece_after: 0.01 },
 * } as never);
 * if (!lines[0].startsWith("temperature T = 0.5000")) throw new Error(lines[0]);
 * ```
 */
export function deployLines(
  sidecar: Pick<ExportSidecar, "quantization" | "calibration">,
): string[] {
  const lines: string[] = [];
  const q = sidecar.quantization;
  if (q) {
    lines.push(
      `int8: activation scales by ${q.activation_scales} on ${q.calibration_batches} training ` +
        `batches of ${q.batch_size}; input scale ${
          q.input.scale.toPrecision(4)
        }, zero point ${q.input.zero_point}`,
    );
    for (const t of q.tensors) {
      lines.push(
        `  ${t.tensor}: max ${t.max.toPrecision(4)}, clip ${t.clip.toPrecision(4)} (${
          (100 * t.clip / (t.max || 1)).toFixed(0)
        } % of max), scale ${t.scale.toPrecision(4)}`,
      );
    }
  }
  const c = sidecar.calibration;
  if (c) {
    lines.push(
      `temperature T = ${c.temperature.toFixed(4)} fitted on ${c.examples} validation images: ` +
        `NLL ${c.nll_before.toFixed(4)} → ${c.nll_after.toFixed(4)}, ` +
        `ECE ${c.ece_before.toFixed(4)} → ${c.ece_after.toFixed(4)}`,
    );
  }
  return lines;
}
