/**
 * The int8 ONNX graph of a frozen binary network (`bnn export --int8`): standard opset-17 ops,
 * the same input `image` and outputs `logits`/`probabilities` as the float graph
 * ({@linkcode ./graph.ts}). `image` is quantized once (`QuantizeLinear`, uint8, the scale and
 * zero point of the normalized pixel range), then each weight set's branch runs its hidden
 * blocks ({@linkcode ./int8_plan.ts}) as `QLinearConv`s on uint8 activations × int8 ±1 weights
 * ({@linkcode ./_qlayers.ts}), max pools on uint8, dequantizes before the last dense/conv layer,
 * and runs that layer and the output BatchNorm in float32 ({@linkcode ./_layers.ts}); the head
 * is the float graph's ({@linkcode ./_head.ts}).
 *
 * Weights: `packed` (default) stores each set's ±1 values as one 1-bit `uint8` initializer
 * unpacked by constant-folded ops ({@linkcode ./_weight_set.ts}) plus a `Cast` to int8 for the
 * quantized kernels — ONNX Runtime folds both at session load; `float` stores the quantized
 * kernels as plain int8 initializers (1 byte per weight) and the float layer's as float32.
 * @module
 */
import type { LayerSpec, ModelSpec } from "../../train/models/spec.ts";
import { type ExampleShape, layerInputShapes } from "../../train/models/shapes.ts";
import { GraphBuilder } from "./_graph_builder.ts";
import { emitHead, headOutputs, imageInput } from "./_head.ts";
import { emitLayer } from "./_layers.ts";
import {
  emitDequantize,
  emitFromColumns,
  emitQLinearConv,
  emitQuantize,
  emitToColumns,
  foldBlock,
  type Quantization,
} from "./_qlayers.ts";
import { emitWeightSet, type PendingWeight } from "./_weight_set.ts";
import type { FrozenBatchNorm, FrozenNet, WeightFormat } from "./frozen_net.ts";
import { validateFrozenNet } from "./frozen_net.ts";
import { type Int8Stage, planInt8 } from "./int8_plan.ts";
import { exportLayerSummaries } from "./layer_summary.ts";
import { flattenedImage, onnxKernel } from "./layout.ts";
import { DataType, type ModelDef } from "./proto.ts";
import { type BuildOptions, type BuiltModel, IR_VERSION, OPSET_VERSION } from "./graph.ts";

/**
 * The activation quantization of an int8 graph: the input's, and the output scale of every
 * quantized block by the float graph's name of the block's last layer (`L{i}_relu`, or
 * `s{k}_L{i}_relu` with K weight sets), the tensor {@linkcode int8ProbeTensors} lists.
 */
export interface ActivationScales {
  input: Quantization;
  outputs: Record<string, number>;
}

/** Options of {@linkcode buildInt8Model}. */
export interface Int8BuildOptions extends BuildOptions {
  scales: ActivationScales;
}

type Binary = Extract<LayerSpec, { type: "dense" | "conv2d" }>;

/** What every branch shares. */
interface Ctx {
  g: GraphBuilder;
  spec: ModelSpec;
  inputs: ExampleShape[];
  stages: Int8Stage[];
  bnOf: Map<number, FrozenBatchNorm>;
  bnParams: Map<number, string[]>;
  scales: ActivationScales;
  format: WeightFormat;
}

/**
 * The float-graph tensors whose ranges set the activation scales: per weight set, the last layer
 * of each quantized block (see {@linkcode ActivationScales}).
 *
 * @example Usage
 * ```ts
 * import { int8ProbeTensors } from "./int8_graph.ts";
 * import type { ModelSpec } from "../../train/models/spec.ts";
 * const bn = { type: "batchnorm", features: 4, eps: 1e-5, momentum: 0.1, affine: false } as const;
 * const spec: ModelSpec = { architecture: "t", inputShape: [1, 1, 2], numClasses: 4, layers: [
 *   { type: "flatten" }, { type: "dense", inputs: 2, units: 4 }, bn, { type: "relu" },
 *   { type: "dense", inputs: 4, units: 4 }, bn] };
 * if (int8ProbeTensors(spec, 2).join() !== "s0_L3_relu,s1_L3_relu") throw new Error();
 * ```
 */
export function int8ProbeTensors(spec: ModelSpec, weightSets: number): string[] {
  const outs = planInt8(spec).flatMap((s) =>
    s.kind === "block" ? [`L${s.output}_${spec.layers[s.output].type}`] : []
  );
  const prefixes = weightSets === 1 ? [""] : [...Array(weightSets)].map((_, k) => `s${k}_`);
  return prefixes.flatMap((p) => outs.map((o) => p + o));
}

/** The int8 kernel of a block: OIHW (dense: `[out, in, 1, 1]`), channels negated where a < 0. */
function int8Kernel(
  l: Binary,
  w: Float32Array,
  sign: Int8Array,
): { dims: number[]; w: Float32Array } {
  const out = l.type === "dense" ? l.units : l.filters;
  const per = w.length / out;
  const k = new Float32Array(w.length);
  for (let o = 0; o < out; o++) {
    for (let j = 0; j < per; j++) {
      k[o * per + j] = sign[o] * (l.type === "dense" ? w[j * out + o] : w[o * per + j]);
    }
  }
  const dims = l.type === "dense"
    ? [out, l.inputs, 1, 1]
    : [out, l.inChannels, l.kernelSize, l.kernelSize];
  return { dims, w: k };
}

/** The float graph's BatchNorm inputs of layer i, created once for all branches. */
function floatBatchNorm(ctx: Ctx, i: number): string[] {
  if (ctx.bnParams.has(i)) return ctx.bnParams.get(i)!;
  const { g } = ctx, bn = ctx.bnOf.get(i)!, f = bn.mean.length;
  const p = [
    bn.gamma ? g.floatInit(`L${i}_bn_scale`, [f], bn.gamma) : g.filled(1, f),
    bn.beta ? g.floatInit(`L${i}_bn_bias`, [f], bn.beta) : g.filled(0, f),
    g.floatInit(`L${i}_bn_mean`, [f], bn.mean),
    g.floatInit(`L${i}_bn_var`, [f], bn.variance),
  ];
  ctx.bnParams.set(i, p);
  return p;
}

/** Stores one branch's kernels: the int8 ones and the float layer's (see the module doc). */
function storeWeights(ctx: Ctx, prefix: string, q: PendingWeight[], f: PendingWeight[]): void {
  const { g } = ctx;
  if (ctx.format === "packed") {
    const pending = [...q.map((p) => ({ ...p, name: `${p.name}_pm1` })), ...f];
    emitWeightSet(g, `${prefix}w_`, pending, "packed");
    const to = { to: { kind: "int" as const, value: DataType.INT8 } };
    for (const p of q) g.pre("Cast", [`${p.name}_pm1`], p.name, to);
    return;
  }
  for (const p of q) {
    g.init(p.name, DataType.INT8, p.dims, new Uint8Array(Int8Array.from(p.w).buffer));
  }
  emitWeightSet(g, `${prefix}w_`, f, "float");
}

/** A weight set's branch under construction. */
interface Branch {
  prefix: string;
  weights: Float32Array[];
  /** The next binary layer's index in `weights`. */
  next: number;
  /** The current tensor, its quantization (until dequantized) and layout. */
  x: string;
  q: Quantization | null;
  layout: "image" | "flat" | "cols";
  q8: PendingWeight[];
  f32: PendingWeight[];
}

const tensorName = (ctx: Ctx, br: Branch, i: number) =>
  `${br.prefix}L${i}_${ctx.spec.layers[i].type}`;

/** A block's folded BatchNorm, checked against its pools (see ./int8_plan.ts). */
function foldOf(ctx: Ctx, s: Extract<Int8Stage, { kind: "block" }>, xScale: number) {
  const l = ctx.spec.layers[s.index] as Binary;
  const bn = s.batchNorm === null ? undefined : ctx.spec.layers[s.batchNorm];
  const eps = bn?.type === "batchnorm" ? bn.eps : 0;
  const where = `layers[${s.index}] (${l.type})`;
  let fold;
  try {
    const stats = s.batchNorm === null ? undefined : ctx.bnOf.get(s.batchNorm);
    fold = foldBlock(l.type === "dense" ? l.units : l.filters, xScale, stats, eps);
  } catch (e) {
    throw new RangeError(`--int8 cannot fold ${where}: ${(e as Error).message}`);
  }
  if (s.pools.some((p) => p.beforeBatchNorm) && fold.sign.includes(-1)) {
    throw new RangeError(
      `--int8 cannot move the max pool after ${where} behind its BatchNorm: a channel has γ < 0`,
    );
  }
  return fold;
}

/** One quantized block: its `QLinearConv` and pools on the uint8 output. */
function emitBlock(ctx: Ctx, br: Branch, s: Extract<Int8Stage, { kind: "block" }>): void {
  const { g, spec, inputs } = ctx;
  const b = spec.layers[s.index] as Binary;
  const fold = foldOf(ctx, s, br.q!.scale);
  const image = flattenedImage(spec.layers, inputs, s.index);
  const kernel = onnxKernel(b, br.weights[br.next++], image);
  const weight = `${br.prefix}L${s.index}_W`;
  br.q8.push({ name: weight, ...int8Kernel(b, kernel.w, fold.sign) });
  if (b.type === "dense" && br.layout !== "cols") {
    br.x = emitToColumns(g, br.x, `${tensorName(ctx, br, s.index)}_cols`, b.inputs);
  }
  const outputScale = ctx.scales.outputs[tensorName(ctx, br, s.output)];
  if (!(outputScale > 0)) {
    throw new RangeError(`no activation scale for ${tensorName(ctx, br, s.output)}`);
  }
  br.x = emitQLinearConv({
    g,
    x: br.x,
    name: `${tensorName(ctx, br, s.index)}_q`,
    input: br.q!,
    outputScale,
    weight,
    fold,
    kernel: b.type === "dense" ? 1 : b.kernelSize,
    padding: b.type === "dense" ? 0 : b.padding,
  });
  for (const p of s.pools) {
    const node = { g, x: br.x, name: `${tensorName(ctx, br, p.index)}_q`, input: inputs[p.index] };
    br.x = emitLayer(node, spec.layers[p.index]);
  }
  br.q = { scale: outputScale, zeroPoint: 0 };
  br.layout = b.type === "dense" ? "cols" : "image";
}

/** One float layer after the quantized part; the first dequantizes. */
function emitFloat(ctx: Ctx, br: Branch, i: number): void {
  const { g, spec, inputs } = ctx;
  const l = spec.layers[i];
  if (br.q) {
    if (br.layout === "cols") {
      br.x = emitFromColumns(g, br.x, `${br.prefix}float_in_q`, inputs[i][0]);
    }
    br.x = emitDequantize(g, br.x, `${br.prefix}float_in`, br.q);
    br.q = null;
  }
  let weight: string | undefined;
  if (l.type === "dense" || l.type === "conv2d") {
    weight = `${br.prefix}L${i}_W`;
    const image = flattenedImage(spec.layers, inputs, i);
    br.f32.push({ name: weight, ...onnxKernel(l, br.weights[br.next++], image) });
  }
  const batchNorm = l.type === "batchnorm" ? floatBatchNorm(ctx, i) : undefined;
  const node = { g, x: br.x, name: tensorName(ctx, br, i), input: inputs[i], weight, batchNorm };
  br.x = emitLayer(node, l);
}

/** One weight set's branch, from the quantized image to its logits. */
function emitBranch(ctx: Ctx, prefix: string, weights: Float32Array[], image: string): string {
  const br: Branch = {
    prefix,
    weights,
    next: 0,
    x: image,
    q: ctx.scales.input,
    layout: ctx.inputs[0].length === 1 ? "flat" : "image",
    q8: [],
    f32: [],
  };
  for (const s of ctx.stages) {
    if (s.kind === "block") emitBlock(ctx, br, s);
    else if (s.kind === "float") emitFloat(ctx, br, s.index);
    else {
      const node = {
        g: ctx.g,
        x: br.x,
        name: tensorName(ctx, br, s.index),
        input: ctx.inputs[s.index],
      };
      br.x = emitLayer(node, ctx.spec.layers[s.index]);
      br.layout = "flat";
    }
  }
  storeWeights(ctx, prefix, br.q8, br.f32);
  return br.x;
}

function modelDef(g: GraphBuilder, spec: ModelSpec, K: number, opts: BuildOptions): ModelDef {
  const [H, W, C] = spec.inputShape;
  return {
    irVersion: IR_VERSION,
    opsetVersion: OPSET_VERSION,
    producerName: "bnn",
    producerVersion: opts.producerVersion ?? "0.1.0",
    docString: opts.docString,
    graphName: `${spec.architecture}${K > 1 ? `_samples${K}` : ""}_int8`,
    nodes: [...g.prelude, ...g.nodes],
    initializers: g.inits,
    inputs: [imageInput(C, H, W)],
    outputs: headOutputs(K, spec.numClasses),
    metadata: opts.metadata,
  };
}

/**
 * Builds the int8 ONNX model of a frozen network (see the module doc).
 *
 * @throws {RangeError} If the network does not fit its spec, the spec does not fit the int8
 *   scheme ({@linkcode planInt8}), or a block's scale is missing or its bias overflows int32.
 * @example Usage
 * ```ts
 * import { buildInt8Model } from "./int8_graph.ts";
 * const bn = { type: "batchnorm", features: 2, eps: 1e-5, momentum: 0.1, affine: false } as const;
 * const stats = { mean: new Float32Array(2), variance: new Float32Array([1, 1]) };
 * const { model } = buildInt8Model({
 *   spec: { architecture: "t", inputShape: [1, 1, 2], numClasses: 2, layers: [
 *     { type: "flatten" }, { type: "dense", inputs: 2, units: 2 }, bn, { type: "relu" },
 *     { type: "dense", inputs: 2, units: 2 }, bn] },
 *   weightSets: [[new Float32Array([1, -1, -1, 1]), new Float32Array([1, 1, -1, 1])]],
 *   batchNorms: [stats, stats],
 * }, { scales: { input: { scale: 0.01, zeroPoint: 128 }, outputs: { L3_relu: 0.02 } } });
 * if (!model.nodes.some((n) => n.opType === "QLinearConv")) throw new Error();
 * ```
 */
export function buildInt8Model(net: FrozenNet, opts: Int8BuildOptions): BuiltModel {
  validateFrozenNet(net);
  const { spec, weightSets } = net;
  const K = weightSets.length;
  const g = new GraphBuilder();
  const bnOf = new Map<number, FrozenBatchNorm>();
  let b = 0;
  spec.layers.forEach((l, i) => l.type === "batchnorm" && bnOf.set(i, net.batchNorms[b++]));
  const ctx: Ctx = {
    g,
    spec,
    inputs: layerInputShapes(spec),
    stages: planInt8(spec),
    bnOf,
    bnParams: new Map(),
    scales: opts.scales,
    format: opts.weights ?? "packed",
  };
  const image = emitQuantize(g, "image", "image_q", opts.scales.input);
  const branchLogits = weightSets.map((w, s) => emitBranch(ctx, K === 1 ? "" : `s${s}_`, w, image));
  emitHead(g, branchLogits);
  return { model: modelDef(g, spec, K, opts), layers: exportLayerSummaries(spec, K) };
}
