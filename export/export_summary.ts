/**
 * The export summary: per layer, the binary (±1) and real (float32) parameter
 * counts; in total, the theoretical size at 1 bit per binary weight and 32 bits per
 * real one, ⌈binary/8⌉ + 4·real bytes, against the real size of the ONNX file.
 * @module
 */
import type { ExportLayerSummary } from "./onnx/graph.ts";

/** Totals of an export. */
export interface ExportTotals {
  binary: number;
  real: number;
  /** ⌈binary/8⌉ + 4·real bytes. */
  theoreticalBytes: number;
  fileBytes: number;
}

/**
 * Sums the per-layer counts.
 *
 * @example Usage
 * ```ts
 * import { exportTotals } from "./export_summary.ts";
 * const t = exportTotals([{ index: 0, type: "dense", outputShape: [2], binary: 16, real: 0 },
 *   { index: 1, type: "batchnorm", outputShape: [2], binary: 0, real: 4 }], 100);
 * if (t.theoreticalBytes !== 2 + 16) throw new Error(String(t.theoreticalBytes));
 * ```
 */
export function exportTotals(layers: ExportLayerSummary[], fileBytes: number): ExportTotals {
  const binary = layers.reduce((a, l) => a + l.binary, 0);
  const real = layers.reduce((a, l) => a + l.real, 0);
  return { binary, real, theoreticalBytes: Math.ceil(binary / 8) + 4 * real, fileBytes };
}

/**
 * A byte count for people: B, KiB, MiB.
 *
 * @example Usage
 * ```ts
 * import { formatBytes } from "./export_summary.ts";
 * if (formatBytes(1536) !== "1.50 KiB") throw new Error(formatBytes(1536));
 * ```
 */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(2)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}

/**
 * The printed summary table.
 *
 * @example Usage
 * ```ts
 * import { formatExportSummary } from "./export_summary.ts";
 * const text = formatExportSummary(
 *   [{ index: 0, type: "dense", outputShape: [2], binary: 16, real: 0 }], 300, "packed");
 * if (!text.includes("total")) throw new Error(text);
 * ```
 */
export function formatExportSummary(
  layers: ExportLayerSummary[],
  fileBytes: number,
  weights: string,
): string {
  const rows = [["layer", "type", "output", "binary", "real"]];
  for (const l of layers) {
    rows.push([String(l.index), l.type, l.outputShape.join("×"), String(l.binary), String(l.real)]);
  }
  const t = exportTotals(layers, fileBytes);
  rows.push(["total", "", "", String(t.binary), String(t.real)]);
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const lines = rows.map((r) =>
    r.map((v, c) => (c >= 3 ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join("  ")
  );
  lines.splice(1, 0, widths.map((w) => "-".repeat(w)).join("  "));
  lines.splice(lines.length - 1, 0, widths.map((w) => "-".repeat(w)).join("  "));
  lines.push(
    `binary ${t.binary} params at 1 bit = ${formatBytes(Math.ceil(t.binary / 8))}; ` +
      `real ${t.real} params at 32 bits = ${formatBytes(4 * t.real)}`,
    `theoretical size ${formatBytes(t.theoreticalBytes)}; ONNX file ${formatBytes(t.fileBytes)} ` +
      `(${weights} weights, ${
        (t.fileBytes / Math.max(1, t.theoreticalBytes)).toFixed(2)
      }× theoretical)`,
  );
  return lines.join("\n");
}
