/**
 * Which layers of a {@linkcode ModelSpec} the int8 graph ({@linkcode ./int8_graph.ts}) runs in
 * integers, and the check that the scheme applies. Each hidden dense/conv layer and the layers up
 * to the next dense/conv/flatten form one *block*: `binary → [maxpool] → [batchnorm] → relu →
 * [maxpool]` (dropout ignored). The block becomes ONE `QLinearConv` (uint8 activations × int8 ±1
 * weights): the BatchNorm y = a·z + b, a = γ/√(σ² + ε), b = β − a·μ, is folded into the
 * per-channel output scale |a| and an int32 bias, and the ReLU into a uint8 output with zero
 * point 0 (negative values saturate to 0). A max pool commutes with an increasing map, so it runs
 * on the uint8 output; that needs a > 0 in every channel when the pool comes before the BN (a
 * channel with γ < 0 elsewhere is handled by negating its weights).
 *
 * The last dense/conv layer and everything after it (the output BatchNorm: logits are signed
 * and feed the softmax, where 8-bit steps would cost calibration) stay float: their input is
 * dequantized. So the scheme needs every hidden block to end in a ReLU; anything else is a
 * {@linkcode RangeError} naming the layer.
 * @module
 */
import type { LayerSpec, ModelSpec } from "../../train/models/spec.ts";

/** A pool inside a quantized block. */
export interface BlockPool {
  index: number;
  size: number;
  /** Whether it comes before the block's BatchNorm (then every BN scale must be positive). */
  beforeBatchNorm: boolean;
}

/** One step of the int8 graph. */
export type Int8Stage =
  | { kind: "flatten"; index: number }
  | {
    kind: "block";
    /** The dense/conv layer. */
    index: number;
    /** The BatchNorm layer's index, or null (`a = 1, b = 0`). */
    batchNorm: number | null;
    pools: BlockPool[];
    /** The last layer of the block (the ReLU or a pool after it): its output is quantized. */
    output: number;
  }
  | { kind: "float"; index: number };

type BlockLayer = Extract<LayerSpec, { type: "maxpool" | "batchnorm" | "relu" | "dropout" }>;

function where(i: number, l: LayerSpec): string {
  return `layers[${i}] (${l.type})`;
}

/** The block of binary layer `i`, its layers running to `end` (exclusive). */
function planBlock(layers: LayerSpec[], i: number, end: number): Int8Stage {
  let batchNorm: number | null = null, relu: number | null = null, output = i;
  const pools: BlockPool[] = [];
  for (let j = i + 1; j < end; j++) {
    const l = layers[j] as BlockLayer;
    if (l.type === "dropout") continue;
    output = j;
    if (l.type === "maxpool") pools.push({ index: j, size: l.size, beforeBatchNorm: false });
    else if (l.type === "relu") relu ??= j;
    else if (relu !== null || batchNorm !== null) {
      throw new RangeError(
        `--int8 cannot fold ${where(j, l)} into ${where(i, layers[i])}: ` +
          `a BatchNorm must come before the block's ReLU, once`,
      );
    } else batchNorm = j;
  }
  if (relu === null) {
    throw new RangeError(
      `--int8 needs a ReLU after every hidden dense/conv layer (uint8 activations): ` +
        `${where(i, layers[i])} reaches ${where(end, layers[end])} without one`,
    );
  }
  if (batchNorm !== null) { for (const p of pools) p.beforeBatchNorm = p.index < batchNorm; }
  return { kind: "block", index: i, batchNorm, pools, output };
}

/**
 * The stages of a spec's int8 graph (see the module doc).
 *
 * @throws {RangeError} If a hidden block is not ReLU-bounded, has a BatchNorm after its ReLU or
 *   two BatchNorms, or a layer other than flatten/dropout comes before the first dense/conv.
 * @example Usage
 * ```ts
 * import { planInt8 } from "./int8_plan.ts";
 * const bn = { type: "batchnorm", features: 4, eps: 1e-5, momentum: 0.1, affine: false } as const;
 * const stages = planInt8({ architecture: "t", inputShape: [1, 1, 2], numClasses: 4, layers: [
 *   { type: "flatten" }, { type: "dense", inputs: 2, units: 4 }, bn, { type: "relu" },
 *   { type: "dense", inputs: 4, units: 4 }, bn,
 * ] });
 * if (stages.map((s) => s.kind).join() !== "flatten,block,float,float") throw new Error();
 * ```
 */
export function planInt8(spec: ModelSpec): Int8Stage[] {
  const layers = spec.layers;
  const binary = layers.flatMap((l, i) => (l.type === "dense" || l.type === "conv2d" ? [i] : []));
  const last = binary.at(-1) ?? -1;
  const stages: Int8Stage[] = [];
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i];
    if (i >= last) stages.push({ kind: "float", index: i });
    else if (l.type === "flatten") stages.push({ kind: "flatten", index: i });
    else if (l.type === "dropout") continue;
    else if (l.type === "dense" || l.type === "conv2d") {
      let end = i + 1;
      while (!["dense", "conv2d", "flatten"].includes(layers[end].type)) end++;
      stages.push(planBlock(layers, i, end));
      i = end - 1;
    } else {
      throw new RangeError(
        `--int8 cannot quantize ${where(i, l)} before the first dense/conv layer`,
      );
    }
  }
  return stages;
}
