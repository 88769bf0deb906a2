/**
 * A Larq-style model summary: per layer, the output shape, the number of binary
 * (1-bit) and real (float32) parameters, the multiply-accumulates per example,
 * and the memory at 1 bit per binary weight against an all-float32 model.
 *
 * Counting rules:
 * - dense `[in, out]`: in·out binary weights, in·out MACs;
 * - conv2d k×k, cin → cout, output h'×w': k·k·cin·cout binary weights,
 *   h'·w'·k·k·cin·cout MACs (binary weight × real activation);
 * - batchnorm over F features: 2F real values (running mean and variance), plus
 *   2F (γ, β) when affine; 0 MACs (the normalisation is counted as free, as Larq
 *   counts only conv/dense MACs);
 * - flatten, dropout, relu, maxpool: nothing.
 * Memory = binary/8 + 4·real bytes; float32 equivalent = 4·(binary + real) bytes.
 * @module
 */
import type { LayerSpec, ModelSpec } from "./spec.ts";
import { layerOutputShapes } from "./shapes.ts";

/**
 * One row of a {@linkcode ModelSummary}.
 *
 * @example Usage
 * ```ts
 * import type { LayerSummary } from "./summary.ts";
 * const row: LayerSummary = { name: "dense 784→10", outputShape: [10], binaryParams: 7840, realParams: 0, macs: 7840 };
 * if (row.macs !== 7840) throw new Error();
 * ```
 */
export interface LayerSummary {
  /** A short description, e.g. `dense 784→2048`, `conv2d 3×3 3→128 pad 1`. */
  name: string;
  /** Output shape without the batch dimension. */
  outputShape: number[];
  binaryParams: number;
  realParams: number;
  /** Multiply-accumulates per example. */
  macs: number;
}

/**
 * The whole summary: rows and totals.
 *
 * @example Usage
 * ```ts
 * import { type ModelSummary, summarize } from "./summary.ts";
 * import { buildSpec } from "./architectures.ts";
 * const s: ModelSummary = summarize(buildSpec({ model_architecture: "MLP_CL", dataset: "mnist" }));
 * if (s.memoryBytes >= s.float32Bytes) throw new Error("1-bit weights are smaller");
 * ```
 */
export interface ModelSummary {
  architecture: string;
  layers: LayerSummary[];
  binaryParams: number;
  realParams: number;
  macs: number;
  /** Bytes at 1 bit per binary weight and 4 bytes per real value. */
  memoryBytes: number;
  /** Bytes if every parameter were float32. */
  float32Bytes: number;
}

function describe(layer: LayerSpec): string {
  switch (layer.type) {
    case "flatten":
      return "flatten";
    case "dropout":
      return `dropout p=${layer.rate}`;
    case "dense":
      return `dense ${layer.inputs}→${layer.units}`;
    case "conv2d":
      return `conv2d ${layer.kernelSize}×${layer.kernelSize} ${layer.inChannels}→${layer.filters} pad ${layer.padding}`;
    case "batchnorm":
      return `batchnorm${layer.affine ? " affine" : ""}`;
    case "relu":
      return "relu";
    case "maxpool":
      return `maxpool ${layer.size}×${layer.size}`;
  }
}

/**
 * Counts parameters, MACs and memory of a spec.
 *
 * @throws {RangeError} If the spec is inconsistent.
 *
 * @example Usage
 * ```ts
 * import { summarize } from "./summary.ts";
 * import { buildSpec } from "./architectures.ts";
 * const s = summarize(buildSpec({ model_architecture: "BinaryConnect", dataset: "mnist" }));
 * if (s.binaryParams !== 10_014_720) throw new Error("paper's MLP has 10,014,720 weights");
 * ```
 */
export function summarize(spec: ModelSpec): ModelSummary {
  const shapes = layerOutputShapes(spec);
  const layers = spec.layers.map((layer, i): LayerSummary => {
    const outputShape = shapes[i];
    let binaryParams = 0, realParams = 0, macs = 0;
    if (layer.type === "dense") {
      binaryParams = layer.inputs * layer.units;
      macs = binaryParams;
    } else if (layer.type === "conv2d") {
      binaryParams = layer.kernelSize * layer.kernelSize * layer.inChannels * layer.filters;
      macs = outputShape[0] * outputShape[1] * binaryParams;
    } else if (layer.type === "batchnorm") {
      realParams = (layer.affine ? 4 : 2) * layer.features;
    }
    return { name: describe(layer), outputShape, binaryParams, realParams, macs };
  });
  const sum = (f: (l: LayerSummary) => number) => layers.reduce((a, l) => a + f(l), 0);
  const binaryParams = sum((l) => l.binaryParams);
  const realParams = sum((l) => l.realParams);
  return {
    architecture: spec.architecture,
    layers,
    binaryParams,
    realParams,
    macs: sum((l) => l.macs),
    memoryBytes: binaryParams / 8 + 4 * realParams,
    float32Bytes: 4 * (binaryParams + realParams),
  };
}

const group = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
const kib = (bytes: number) => `${(bytes / 1024).toFixed(2)} KiB`;

/**
 * Renders a {@linkcode ModelSummary} as a fixed-width text table.
 *
 * @example Usage
 * ```ts
 * import { formatSummary, summarize } from "./summary.ts";
 * import { buildSpec } from "./architectures.ts";
 * const text = formatSummary(summarize(buildSpec({ model_architecture: "MLP_CL", dataset: "mnist" })));
 * if (!text.includes("89,400")) throw new Error("MLP_CL has 89,400 binary weights");
 * ```
 */
export function formatSummary(s: ModelSummary): string {
  const header = ["#", "Layer", "Output shape", "# 1-bit", "# 32-bit", "MACs", "Memory (KiB)"];
  const rows = s.layers.map((l, i) => [
    String(i),
    l.name,
    `(-1, ${l.outputShape.join(", ")})`,
    group(l.binaryParams),
    group(l.realParams),
    group(l.macs),
    ((l.binaryParams / 8 + 4 * l.realParams) / 1024).toFixed(2),
  ]);
  const total = [
    "",
    "Total",
    "",
    group(s.binaryParams),
    group(s.realParams),
    group(s.macs),
    (s.memoryBytes / 1024).toFixed(2),
  ];
  const all = [header, ...rows, total];
  const widths = header.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  const line = (r: string[]) =>
    "| " +
    r.map((cell, c) => (c === 1 || c === 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
      .join("  ") +
    " |";
  const rule = "+" + "-".repeat(line(header).length - 2) + "+";
  const out = [
    `${s.architecture} stats`,
    rule,
    line(header),
    rule,
    ...rows.map(line),
    rule,
    line(total),
    rule,
  ];
  const facts: [string, string][] = [
    ["Total params", group(s.binaryParams + s.realParams)],
    ["Binary (1-bit) params", group(s.binaryParams)],
    ["Real (32-bit) params", group(s.realParams)],
    ["MACs per example", group(s.macs)],
    ["Model size", kib(s.memoryBytes)],
    ["Float-32 equivalent", kib(s.float32Bytes)],
    ["Compression ratio of memory", (s.memoryBytes / s.float32Bytes).toFixed(4)],
  ];
  const kw = Math.max(...facts.map(([k]) => k.length));
  const vw = Math.max(...facts.map(([, v]) => v.length));
  out.push(`${s.architecture} summary`);
  const frule = "+" + "-".repeat(kw + vw + 4) + "+";
  out.push(frule, ...facts.map(([k, v]) => `| ${k.padEnd(kw)}  ${v.padStart(vw)} |`), frule);
  return out.join("\n");
}
