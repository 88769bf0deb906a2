/**
 * One ONNX node (or none) per {@linkcode LayerSpec}, the tfjs `BinaryNet` in eval mode:
 *
 * - `dense` → `MatMul` with the `[in, out]` ±1 kernel (no bias);
 * - `conv2d` → `Conv`, kernel k, stride 1, symmetric padding p, OIHW ±1 kernel;
 * - `batchnorm` → `BatchNormalization` in inference mode with the running statistics,
 *   y = γ·(x − μ)/√(σ² + ε) + β, γ = 1 and β = 0 when the layer has no affine parameters;
 * - `relu` → `Relu`; `maxpool` of size s → `MaxPool` kernel s, stride s, no padding;
 * - `flatten` → `Flatten(axis 1)` of an image (nothing when the input is already flat);
 * - `dropout` → nothing (eval mode).
 * @module
 */
import type { FrozenBatchNorm } from "./frozen_net.ts";
import type { GraphBuilder } from "./_graph_builder.ts";
import type { ExampleShape } from "../../train/models/shapes.ts";
import type { LayerSpec, ModelSpec } from "../../train/models/spec.ts";

type Of<T extends LayerSpec["type"]> = Extract<LayerSpec, { type: T }>;

/** One layer's place in the graph. */
export interface LayerNode {
  g: GraphBuilder;
  /** The input tensor. */
  x: string;
  /** The output tensor (and node) name, `[s{k}_]L{i}_{type}`. */
  name: string;
  /** Per-example input shape, NHWC `[h, w, c]` or `[f]` (`layerInputShapes`). */
  input: ExampleShape;
  /** dense, conv2d: the ONNX-layout ±1 kernel tensor. */
  weight?: string;
  /** batchnorm: scale, bias, mean and variance ({@linkcode batchNormParams}). */
  batchNorm?: string[];
}

const ints = (value: number[]) => ({ kind: "ints" as const, value });

function emitFlatten({ g, x, name, input }: LayerNode): string {
  return input.length === 3 ? g.node("Flatten", [x], name, { axis: { kind: "int", value: 1 } }) : x;
}

function emitDense({ g, x, name, weight }: LayerNode): string {
  return g.node("MatMul", [x, weight!], name);
}

function emitConv2d({ g, x, name, weight }: LayerNode, l: Of<"conv2d">): string {
  const k = l.kernelSize, pad = l.padding;
  return g.node("Conv", [x, weight!], name, {
    kernel_shape: ints([k, k]),
    pads: ints([pad, pad, pad, pad]),
    strides: ints([1, 1]),
  });
}

function emitBatchNorm({ g, x, name, batchNorm }: LayerNode, l: Of<"batchnorm">): string {
  return g.node("BatchNormalization", [x, ...batchNorm!], name, {
    epsilon: { kind: "float", value: l.eps },
  });
}

function emitMaxPool({ g, x, name }: LayerNode, l: Of<"maxpool">): string {
  const z = l.size;
  return g.node("MaxPool", [x], name, { kernel_shape: ints([z, z]), strides: ints([z, z]) });
}

/**
 * Emits the node of one layer; returns its output tensor (the input itself for `dropout`
 * and the `flatten` of a flat input).
 *
 * @example Usage
 * ```ts
 * import { emitLayer } from "./_layers.ts";
 * import { GraphBuilder } from "./_graph_builder.ts";
 * const g = new GraphBuilder();
 * const node = { g, x: "image", name: "L0_maxpool", input: [4, 4, 2] };
 * const y = emitLayer(node, { type: "maxpool", size: 2 });
 * if (y !== "L0_maxpool" || g.nodes[0].opType !== "MaxPool") throw new Error();
 * ```
 */
export function emitLayer(node: LayerNode, layer: LayerSpec): string {
  switch (layer.type) {
    case "flatten":
      return emitFlatten(node);
    case "dropout":
      return node.x;
    case "dense":
      return emitDense(node);
    case "conv2d":
      return emitConv2d(node, layer);
    case "batchnorm":
      return emitBatchNorm(node, layer);
    case "relu":
      return node.g.node("Relu", [node.x], node.name);
    case "maxpool":
      return emitMaxPool(node, layer);
    default:
      return layer satisfies never;
  }
}

/**
 * The BatchNorm inputs (scale, bias, mean, variance) of every `batchnorm` layer, by layer
 * index, as initializers shared by all weight sets. A missing γ or β becomes a shared
 * `ConstantOfShape` of ones or zeros.
 *
 * @param batchNorms One state per `batchnorm` layer, in order.
 * @example Usage
 * ```ts
 * import { batchNormParams } from "./_layers.ts";
 * import { GraphBuilder } from "./_graph_builder.ts";
 * const g = new GraphBuilder();
 * const p = batchNormParams(g, {
 *   architecture: "t", inputShape: [1, 1, 2], numClasses: 2,
 *   layers: [
 *     { type: "flatten" },
 *     { type: "batchnorm", features: 2, eps: 1e-5, momentum: 0.1, affine: false },
 *   ],
 * }, [{ mean: new Float32Array(2), variance: new Float32Array([1, 1]) }]);
 * if (p.get(1)!.join() !== "ones_2,zeros_2,L1_bn_mean,L1_bn_var") throw new Error();
 * ```
 */
export function batchNormParams(
  g: GraphBuilder,
  spec: ModelSpec,
  batchNorms: FrozenBatchNorm[],
): Map<number, string[]> {
  const params = new Map<number, string[]>();
  let b = 0;
  spec.layers.forEach((l, i) => {
    if (l.type !== "batchnorm") return;
    const bn = batchNorms[b++], f = l.features;
    params.set(i, [
      bn.gamma ? g.floatInit(`L${i}_bn_scale`, [f], bn.gamma) : g.filled(1, f),
      bn.beta ? g.floatInit(`L${i}_bn_bias`, [f], bn.beta) : g.filled(0, f),
      g.floatInit(`L${i}_bn_mean`, [f], bn.mean),
      g.floatInit(`L${i}_bn_var`, [f], bn.variance),
    ]);
  });
  return params;
}
