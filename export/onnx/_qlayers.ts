/**
 * The nodes of the int8 graph, one small function per kind (the float builder's
 * {@linkcode ./_layers.ts} does the same for float):
 *
 * - {@linkcode emitQuantize} / {@linkcode emitDequantize}: `QuantizeLinear` /
 *   `DequantizeLinear` with a per-tensor scale s and uint8 zero point z, x ≈ s·(q − z);
 * - {@linkcode emitQLinearConv}: one quantized block. Its int32 accumulator is
 *   acc_c = Σ_j (x_j − z_x)·w_cj + bias_c with w = ±1 (int8), and its uint8 output
 *   y_c = sat₀²⁵⁵(round(acc_c · s_x·s_w,c / s_y)), zero point 0. With the folded BatchNorm
 *   a_c·z + b_c ({@linkcode foldBlock}): s_w,c = |a_c|, bias_c = round(b_c / (s_x·|a_c|)) and the
 *   channel's weights negated when a_c < 0, so y_c ≈ ReLU(a_c·z_c + b_c) / s_y;
 * - a dense layer is a 1×1 `QLinearConv` over the batch laid out as the spatial axis,
 *   `[1, F, N, 1]` ({@linkcode emitToColumns}, {@linkcode emitFromColumns}): one GEMM for the
 *   whole batch (ONNX Runtime's `QLinearConv` loops over images, and `QLinearMatMul` has no bias
 *   to fold the BatchNorm's shift into).
 * @module
 */
import type { FrozenBatchNorm } from "./frozen_net.ts";
import type { GraphBuilder } from "./_graph_builder.ts";
import { DataType } from "./proto.ts";

/** Per-tensor quantization: x ≈ scale·(q − zeroPoint), q uint8. */
export interface Quantization {
  scale: number;
  zeroPoint: number;
}

/** A block's folded BatchNorm, per output channel: output ≈ ReLU(a·z + b). */
export interface FoldedBlock {
  /** `|a_c|` as float32: the weight scale. */
  weightScale: Float32Array;
  /** −1 where a_c < 0 (the channel's ±1 weights are negated), else +1. */
  sign: Int8Array;
  /** `round(b_c / (s_x·|a_c|))`. */
  bias: Int32Array;
}

const INT32_MAX = 2 ** 31 - 1;

/**
 * Folds a block's BatchNorm (or none: a = 1, b = 0) for an input scale `xScale`.
 *
 * @throws {RangeError} If a bias does not fit int32 or a channel has a = 0 (γ = 0).
 * @example Usage
 * ```ts
 * import { foldBlock } from "./_qlayers.ts";
 * // a = γ/√(σ²+ε) = −2/√(3+1) = −1; b = β − a·μ = 0.5 + 1·1 = 1.5; bias = 1.5/(0.5·1) = 3
 * const f = foldBlock(1, 0.5, { mean: new Float32Array([1]), variance: new Float32Array([3]),
 *   gamma: new Float32Array([-2]), beta: new Float32Array([0.5]) }, 1);
 * if (f.sign[0] !== -1 || f.weightScale[0] !== 1 || f.bias[0] !== 3) throw new Error();
 * ```
 */
export function foldBlock(
  channels: number,
  xScale: number,
  bn?: FrozenBatchNorm,
  eps = 0,
): FoldedBlock {
  const weightScale = new Float32Array(channels), bias = new Int32Array(channels);
  const sign = new Int8Array(channels);
  const sx = Math.fround(xScale);
  for (let c = 0; c < channels; c++) {
    const a = bn ? (bn.gamma?.[c] ?? 1) / Math.sqrt(bn.variance[c] + eps) : 1;
    const b = bn ? (bn.beta?.[c] ?? 0) - a * bn.mean[c] : 0;
    if (!(Math.abs(a) > 0) || !Number.isFinite(a)) {
      throw new RangeError(`channel ${c} has BatchNorm scale ${a}: cannot fold it into int8`);
    }
    sign[c] = a < 0 ? -1 : 1;
    weightScale[c] = Math.abs(a);
    const q = Math.round(b / (sx * weightScale[c]));
    if (Math.abs(q) > INT32_MAX) {
      throw new RangeError(`channel ${c}'s folded bias ${q} does not fit int32`);
    }
    bias[c] = q;
  }
  return { weightScale, sign, bias };
}

function scalarUint8(g: GraphBuilder, name: string, v: number): string {
  return g.init(name, DataType.UINT8, [], Uint8Array.of(v));
}

/**
 * `QuantizeLinear(x, scale, zeroPoint)` to uint8.
 *
 * @example Usage
 * ```ts
 * import { GraphBuilder } from "./_graph_builder.ts";
 * import { emitQuantize } from "./_qlayers.ts";
 * const g = new GraphBuilder();
 * emitQuantize(g, "image", "image_q", { scale: 0.5, zeroPoint: 3 });
 * if (g.nodes[0].opType !== "QuantizeLinear" || g.inits.length !== 2) throw new Error();
 * ```
 */
export function emitQuantize(g: GraphBuilder, x: string, name: string, q: Quantization): string {
  const s = g.floatInit(`${name}_scale`, [], [q.scale]);
  return g.node("QuantizeLinear", [x, s, scalarUint8(g, `${name}_zero`, q.zeroPoint)], name);
}

/**
 * `DequantizeLinear(x, scale, zeroPoint)` of a uint8 tensor to float32.
 *
 * @example Usage
 * ```ts
 * import { GraphBuilder } from "./_graph_builder.ts";
 * import { emitDequantize } from "./_qlayers.ts";
 * const g = new GraphBuilder();
 * emitDequantize(g, "h_q", "h", { scale: 0.1, zeroPoint: 0 });
 * if (g.nodes[0].opType !== "DequantizeLinear") throw new Error();
 * ```
 */
export function emitDequantize(g: GraphBuilder, x: string, name: string, q: Quantization): string {
  const s = g.floatInit(`${name}_scale`, [], [q.scale]);
  return g.node("DequantizeLinear", [x, s, scalarUint8(g, `${name}_zero`, q.zeroPoint)], name);
}

/** One quantized block's node: see {@linkcode emitQLinearConv}. */
export interface QBlockNode {
  g: GraphBuilder;
  x: string;
  /** The output tensor (and initializer prefix). */
  name: string;
  input: Quantization;
  /** The output scale (zero point 0: the ReLU). */
  outputScale: number;
  /** The int8 OIHW ±1 kernel tensor. */
  weight: string;
  fold: FoldedBlock;
  kernel: number;
  padding: number;
}

/**
 * One `QLinearConv` (see the module doc), uint8 output with zero point 0.
 *
 * @example Usage
 * ```ts
 * import { GraphBuilder } from "./_graph_builder.ts";
 * import { emitQLinearConv, foldBlock } from "./_qlayers.ts";
 * const g = new GraphBuilder();
 * const y = emitQLinearConv({ g, x: "x", name: "L0_q", input: { scale: 0.1, zeroPoint: 0 },
 *   outputScale: 0.2, weight: "W", fold: foldBlock(2, 0.1), kernel: 1, padding: 0 });
 * if (y !== "L0_q" || g.nodes[0].inputs.length !== 9) throw new Error();
 * ```
 */
export function emitQLinearConv(b: QBlockNode): string {
  const { g, name, fold } = b;
  const m = fold.weightScale.length;
  const inputs = [
    b.x,
    g.floatInit(`${name}_x_scale`, [], [b.input.scale]),
    scalarUint8(g, `${name}_x_zero`, b.input.zeroPoint),
    b.weight,
    g.floatInit(`${name}_w_scale`, [m], fold.weightScale),
    g.init(`${name}_w_zero`, DataType.INT8, [m], new Uint8Array(m)),
    g.floatInit(`${name}_y_scale`, [], [b.outputScale]),
    scalarUint8(g, `${name}_y_zero`, 0),
    g.init(`${name}_bias`, DataType.INT32, [m], new Uint8Array(fold.bias.buffer.slice(0))),
  ];
  const ints = (value: number[]) => ({ kind: "ints" as const, value });
  const { kernel: k, padding: p } = b;
  return g.node("QLinearConv", inputs, name, {
    kernel_shape: ints([k, k]),
    pads: ints([p, p, p, p]),
    strides: ints([1, 1]),
  });
}

/**
 * `[N, F]` → `[1, F, N, 1]`: the batch as the spatial axis of a 1×1 convolution.
 *
 * @example Usage
 * ```ts
 * import { GraphBuilder } from "./_graph_builder.ts";
 * import { emitToColumns } from "./_qlayers.ts";
 * const g = new GraphBuilder();
 * emitToColumns(g, "x", "x_cols", 784);
 * if (g.nodes.map((n) => n.opType).join() !== "Transpose,Reshape") throw new Error();
 * ```
 */
export function emitToColumns(g: GraphBuilder, x: string, name: string, f: number): string {
  const t = g.node("Transpose", [x], `${name}_t`, { perm: { kind: "ints", value: [1, 0] } });
  return g.node("Reshape", [t, g.constInt64(`shape_1_${f}_n_1`, [1, f, -1, 1])], name);
}

/**
 * `[1, F, N, 1]` → `[N, F]`, the inverse of {@linkcode emitToColumns}.
 *
 * @example Usage
 * ```ts
 * import { GraphBuilder } from "./_graph_builder.ts";
 * import { emitFromColumns } from "./_qlayers.ts";
 * const g = new GraphBuilder();
 * emitFromColumns(g, "h_cols", "h", 2048);
 * if (g.nodes.map((n) => n.opType).join() !== "Reshape,Transpose") throw new Error();
 * ```
 */
export function emitFromColumns(g: GraphBuilder, x: string, name: string, f: number): string {
  const r = g.node("Reshape", [x, g.constInt64(`shape_${f}_n`, [f, -1])], `${name}_fn`);
  return g.node("Transpose", [r], name, { perm: { kind: "ints", value: [1, 0] } });
}
