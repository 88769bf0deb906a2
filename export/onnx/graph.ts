/**
 * Builds the ONNX graph (opset 17, IR 8, standard ops only) of a frozen binary
 * network from its {@linkcode ModelSpec}: the same layers as the tfjs
 * `BinaryNet` in eval mode, with the ±1 weights as constants. Input `image` is
 * `[N, C, H, W]` float32 (ONNX is NCHW, tfjs NHWC), the image already normalized per
 * channel, (x/255 − mean_c)/std_c. Shapes come from `train/models/shapes.ts`; the pieces:
 *
 * - {@linkcode ./frozen_net.ts}: the {@linkcode FrozenNet} it consumes and its validation;
 * - {@linkcode ./layout.ts}: tfjs → ONNX kernel layouts (HWIO → OIHW, the NHWC → NCHW
 *   row permutation of the first dense layer after a flatten);
 * - {@linkcode ./_layers.ts}: one node per layer (dense, conv2d, batchnorm, relu, maxpool,
 *   flatten; dropout is omitted) and the shared BatchNorm parameters;
 * - {@linkcode ./_weight_set.ts}: each weight set's ±1 tensors, `packed` (default) as one
 *   1-bit `uint8` initializer unpacked by constant-folded standard ops, or `float`;
 * - {@linkcode ./_head.ts}: `logits` and `probabilities`, the mean softmax over K weight
 *   sets (paper eq. 18);
 * - {@linkcode ./layer_summary.ts}: the per-layer summary;
 * - {@linkcode ./_graph_builder.ts}: nodes and initializers with unique names.
 *
 * With K sampled weight sets, the K branches share the input and the BatchNorm statistics.
 * @module
 */
import type { ModelSpec } from "../../train/models/spec.ts";
import { type ExampleShape, layerInputShapes } from "../../train/models/shapes.ts";
import { GraphBuilder } from "./_graph_builder.ts";
import { emitHead, headOutputs, imageInput } from "./_head.ts";
import { batchNormParams, emitLayer } from "./_layers.ts";
import { emitWeightSet, type PendingWeight } from "./_weight_set.ts";
import { type FrozenNet, validateFrozenNet, type WeightFormat } from "./frozen_net.ts";
import { exportLayerSummaries, type ExportLayerSummary } from "./layer_summary.ts";
import { flattenedImage, onnxKernel } from "./layout.ts";
import type { ModelDef } from "./proto.ts";

export {
  type FrozenBatchNorm,
  type FrozenNet,
  validateFrozenNet,
  type WeightFormat,
} from "./frozen_net.ts";
export type { ExportLayerSummary } from "./layer_summary.ts";
export { hwioToOihw, nhwcRowsToNchw } from "./layout.ts";

/** Options of {@linkcode buildOnnxModel}. */
export interface BuildOptions {
  weights?: WeightFormat;
  /** Model-level doc string. */
  docString?: string;
  /** Stored as ONNX `metadata_props`. */
  metadata?: Record<string, string>;
  producerVersion?: string;
}

/** The model and its per-layer summary. */
export interface BuiltModel {
  model: ModelDef;
  layers: ExportLayerSummary[];
}

/** ONNX opset and IR version of every bnn export (python3-onnx 1.12 checks them). */
export const OPSET_VERSION = 17;
/** ONNX IR version of every bnn export. */
export const IR_VERSION = 8;

/** The nodes of one weight set's branch, from `image` to its logits; queues its kernels. */
function emitBranch(
  g: GraphBuilder,
  spec: ModelSpec,
  inputs: ExampleShape[],
  prefix: string,
  weights: Float32Array[],
  batchNorms: Map<number, string[]>,
  pending: PendingWeight[],
): string {
  let x = "image";
  let wi = 0;
  spec.layers.forEach((l, i) => {
    let weight: string | undefined;
    if (l.type === "dense" || l.type === "conv2d") {
      weight = `${prefix}L${i}_W`;
      const image = flattenedImage(spec.layers, inputs, i);
      pending.push({ name: weight, ...onnxKernel(l, weights[wi++], image) });
    }
    const name = `${prefix}L${i}_${l.type}`;
    x = emitLayer({ g, x, name, input: inputs[i], weight, batchNorm: batchNorms.get(i) }, l);
  });
  return x;
}

function modelDef(g: GraphBuilder, spec: ModelSpec, K: number, opts: BuildOptions): ModelDef {
  const [H, W, C] = spec.inputShape;
  return {
    irVersion: IR_VERSION,
    opsetVersion: OPSET_VERSION,
    producerName: "bnn",
    producerVersion: opts.producerVersion ?? "0.1.0",
    docString: opts.docString,
    graphName: `${spec.architecture}${K > 1 ? `_samples${K}` : ""}`,
    nodes: [...g.prelude, ...g.nodes],
    initializers: g.inits,
    inputs: [imageInput(C, H, W)],
    outputs: headOutputs(K, spec.numClasses),
    metadata: opts.metadata,
  };
}

/**
 * Builds the ONNX model of a frozen network. See the module doc for the layout,
 * the packed-weight unpacking and the outputs.
 *
 * @returns The {@linkcode ModelDef} (encode it with `encodeModel`) and a per-layer summary.
 * @throws {RangeError} If the weights or BatchNorm states do not fit the spec, or the spec
 *   is inconsistent (a dense layer's `inputs` differs from the incoming size, …).
 *
 * @example Usage
 * ```ts
 * import { buildOnnxModel } from "./graph.ts";
 * import { encodeModel } from "./proto.ts";
 * const { model, layers } = buildOnnxModel({
 *   spec: { architecture: "tiny", inputShape: [1, 1, 2], numClasses: 2,
 *     layers: [{ type: "flatten" }, { type: "dense", inputs: 2, units: 2 }] },
 *   weightSets: [[new Float32Array([1, -1, -1, 1])]], batchNorms: [],
 * });
 * if (layers[1].binary !== 4 || encodeModel(model).length < 100) throw new Error("build");
 * ```
 */
export function buildOnnxModel(net: FrozenNet, opts: BuildOptions = {}): BuiltModel {
  validateFrozenNet(net);
  const { spec, weightSets } = net;
  const K = weightSets.length;
  const g = new GraphBuilder();
  const inputs = layerInputShapes(spec);
  const batchNorms = batchNormParams(g, spec, net.batchNorms);
  const branchLogits = weightSets.map((weights, s) => {
    const prefix = K === 1 ? "" : `s${s}_`;
    const pending: PendingWeight[] = [];
    const logits = emitBranch(g, spec, inputs, prefix, weights, batchNorms, pending);
    emitWeightSet(g, `${prefix}w_`, pending, opts.weights ?? "packed");
    return logits;
  });
  emitHead(g, branchLogits);
  return { model: modelDef(g, spec, K, opts), layers: exportLayerSummaries(spec, K) };
}
