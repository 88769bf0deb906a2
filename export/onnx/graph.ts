/**
 * Builds the ONNX graph (opset 17, IR 8, standard ops only) of a frozen binary
 * network from its {@linkcode ModelSpec}: the same layers as the tfjs
 * `BinaryNet` in eval mode, with the ±1 weights as constants.
 *
 * Layout: ONNX is NCHW, tfjs NHWC. Input `image` is `[N, C, H, W]` float32, the
 * image already normalized per channel, (x/255 − mean_c)/std_c. Conv kernels go
 * from tfjs HWIO `[kh, kw, cin, cout]` to ONNX OIHW `[cout, cin, kh, kw]`. Dense
 * kernels stay `[in, out]` (MatMul). Flatten: tfjs flattens NHWC, index
 * `(h·W + w)·C + c`; ONNX flattens NCHW, index `(c·H + h)·W + w`; so the rows of
 * the first dense layer after a flatten are permuted, W'[(c·H+h)·W+w] = W[(h·W+w)·C+c]
 * (exact: a permutation).
 *
 * BatchNorm: `BatchNormalization` in inference mode with the running statistics,
 * y = γ·(x − μ)/√(σ² + ε) + β, γ = 1 and β = 0 when the layer has no affine
 * parameters. Dropout is omitted (eval mode). ReLU → `Relu`; max-pool of size s →
 * `MaxPool` kernel s, stride s, no padding.
 *
 * Weights, `packed` (default): each ±1 tensor is a `uint8` initializer of
 * ⌈n/8⌉ bytes ({@linkcode ./pack.ts}) and the graph unpacks it with
 * `Cast → Reshape[-1,1] → Div([128,64,…,1]) → Floor → Mod(2, fmod=1) → Mul(2) → Sub(1)
 * → Reshape[-1] (→ Slice[0:n]) → Reshape(shape)`. Every input of that chain is a
 * constant, so ONNX Runtime folds it into a float ±1 initializer at session load;
 * all values are small integers, so it is exact in float32. `float` stores the ±1
 * tensors directly as float32.
 *
 * Outputs: with one weight set (the BayesBiNN mode or the STE sign), `logits` is
 * the network's output and `probabilities = Softmax(logits)`. With K sampled weight
 * sets, the K branches share the input and BatchNorm statistics,
 * `probabilities = (1/K)·Σ_k Softmax(logits_k)` (paper eq. 18) and
 * `logits = Log(probabilities)` (log of the averaged predictive probability; its
 * argmax and its softmax equal those of `probabilities`).
 * @module
 */
import type { LayerSpec, ModelSpec } from "../../train/models/spec.ts";
import { packBits } from "./pack.ts";
import {
  DataType,
  floatBytes,
  int64Bytes,
  type ModelDef,
  type NodeDef,
  type TensorInit,
} from "./proto.ts";

/** The running statistics (and affine parameters, when trained) of one BatchNorm layer. */
export interface FrozenBatchNorm {
  mean: Float32Array;
  variance: Float32Array;
  gamma?: Float32Array;
  beta?: Float32Array;
}

/**
 * A network ready to export: its spec, K ≥ 1 sets of ±1 weights (one array per
 * dense/conv layer in layer order, tfjs layout: dense `[in, out]`, conv HWIO,
 * row-major), and one {@linkcode FrozenBatchNorm} per `batchnorm` layer in order.
 */
export interface FrozenNet {
  spec: ModelSpec;
  weightSets: Float32Array[][];
  batchNorms: FrozenBatchNorm[];
}

/** How binary weights are stored in the ONNX file. */
export type WeightFormat = "packed" | "float";

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

type Shape = { kind: "image"; c: number; h: number; w: number } | {
  kind: "flat";
  f: number;
  /** Set between a flatten of an image and the dense layer that consumes it. */
  fromImage?: { c: number; h: number; w: number };
};

/** ONNX opset and IR version of every bnn export (python3-onnx 1.12 checks them). */
export const OPSET_VERSION = 17;
/** ONNX IR version of every bnn export. */
export const IR_VERSION = 8;

/**
 * Converts a conv kernel from tfjs HWIO `[kh, kw, cin, cout]` to ONNX OIHW.
 *
 * @example Usage
 * ```ts
 * import { hwioToOihw } from "./graph.ts";
 * // kh = kw = 1, cin = 2, cout = 3: HWIO [[a0,a1,a2],[b0,b1,b2]] → OIHW [a0,b0,a1,b1,a2,b2]
 * const o = hwioToOihw(new Float32Array([0, 1, 2, 10, 11, 12]), 1, 1, 2, 3);
 * if (o.join() !== "0,10,1,11,2,12") throw new Error(o.join());
 * ```
 */
export function hwioToOihw(
  w: Float32Array,
  kh: number,
  kw: number,
  cin: number,
  cout: number,
): Float32Array {
  const out = new Float32Array(w.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < cin; i++) {
        for (let o = 0; o < cout; o++) {
          out[((o * cin + i) * kh + y) * kw + x] = w[((y * kw + x) * cin + i) * cout + o];
        }
      }
    }
  }
  return out;
}

/**
 * Permutes the rows of a dense kernel `[c·h·w, units]` from tfjs's NHWC flatten order
 * to ONNX's NCHW flatten order: W'[(c·H+h)·W+w] = W[(h·W+w)·C+c].
 *
 * @example Usage
 * ```ts
 * import { nhwcRowsToNchw } from "./graph.ts";
 * // H = 1, W = 2, C = 2, one unit: tfjs rows (h0w0c0, h0w0c1, h0w1c0, h0w1c1)
 * const p = nhwcRowsToNchw(new Float32Array([1, 2, 3, 4]), 2, 1, 2, 1);
 * if (p.join() !== "1,3,2,4") throw new Error(p.join());
 * ```
 */
export function nhwcRowsToNchw(
  w: Float32Array,
  c: number,
  h: number,
  wd: number,
  units: number,
): Float32Array {
  const out = new Float32Array(w.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < wd; x++) {
      for (let k = 0; k < c; k++) {
        const src = ((y * wd + x) * c + k) * units;
        const dst = ((k * h + y) * wd + x) * units;
        out.set(w.subarray(src, src + units), dst);
      }
    }
  }
  return out;
}

function fail(message: string): never {
  throw new RangeError(message);
}

/** Counts the binary weights of each dense/conv layer of a spec, in order. */
function binaryLayerSizes(spec: ModelSpec): number[] {
  const sizes: number[] = [];
  for (const l of spec.layers) {
    if (l.type === "dense") sizes.push(l.inputs * l.units);
    if (l.type === "conv2d") sizes.push(l.kernelSize * l.kernelSize * l.inChannels * l.filters);
  }
  return sizes;
}

/**
 * Checks that a {@linkcode FrozenNet}'s arrays match its spec.
 *
 * @throws {RangeError} Naming the layer and the sizes when something does not fit.
 * @example Usage
 * ```ts
 * import { validateFrozenNet } from "./graph.ts";
 * validateFrozenNet({
 *   spec: { architecture: "tiny", inputShape: [1, 1, 2], numClasses: 1,
 *     layers: [{ type: "flatten" }, { type: "dense", inputs: 2, units: 1 }] },
 *   weightSets: [[new Float32Array([1, -1])]], batchNorms: [],
 * });
 * ```
 */
export function validateFrozenNet(net: FrozenNet): void {
  const sizes = binaryLayerSizes(net.spec);
  if (net.weightSets.length < 1) {
    fail("Cannot export a network with no weight set: weightSets is empty");
  }
  net.weightSets.forEach((set, s) => {
    if (set.length !== sizes.length) {
      fail(
        `Cannot export weight set ${s}: it has ${set.length} tensors, the spec has ${sizes.length} dense/conv layers`,
      );
    }
    set.forEach((w, i) => {
      if (w.length !== sizes[i]) {
        fail(
          `Cannot export weight set ${s}, binary layer ${i}: ${w.length} values, the spec needs ${
            sizes[i]
          }`,
        );
      }
      for (let j = 0; j < w.length; j++) {
        if (w[j] !== 1 && w[j] !== -1) {
          fail(
            `Cannot export weight set ${s}, binary layer ${i}: value at index ${j} is ${
              w[j]
            }, not ±1`,
          );
        }
      }
    });
  });
  const bns = net.spec.layers.filter((l) => l.type === "batchnorm");
  if (net.batchNorms.length !== bns.length) {
    fail(
      `Cannot export: ${net.batchNorms.length} BatchNorm states given, the spec has ${bns.length} batchnorm layers`,
    );
  }
  net.batchNorms.forEach((bn, i) => {
    const f = bns[i].features;
    for (const key of ["mean", "variance", "gamma", "beta"] as const) {
      const v = bn[key];
      if (v === undefined && (key === "mean" || key === "variance")) {
        fail(`Cannot export: BatchNorm ${i} has no ${key}`);
      }
      if (v !== undefined && v.length !== f) {
        fail(
          `Cannot export: BatchNorm ${i} ${key} has ${v.length} values, the layer has ${f} features`,
        );
      }
    }
  });
}

/** Accumulates nodes and initializers with unique names. */
class GraphBuilder {
  nodes: NodeDef[] = [];
  inits: TensorInit[] = [];
  #names = new Set<string>();
  #consts = new Map<string, string>();

  init(name: string, dataType: TensorInit["dataType"], dims: number[], raw: Uint8Array): string {
    if (this.#names.has(name)) throw new Error(`Duplicate initializer name ${name}`);
    this.#names.add(name);
    this.inits.push({ name, dataType, dims, raw });
    return name;
  }

  floatInit(name: string, dims: number[], values: ArrayLike<number>): string {
    return this.init(name, DataType.FLOAT, dims, floatBytes(values));
  }

  int64Init(name: string, values: number[]): string {
    return this.init(name, DataType.INT64, [values.length], int64Bytes(values));
  }

  /** A shared constant, created on first use. */
  constFloat(name: string, dims: number[], values: number[]): string {
    const key = `f:${name}`;
    if (!this.#consts.has(key)) this.#consts.set(key, this.floatInit(name, dims, values));
    return this.#consts.get(key)!;
  }

  constInt64(name: string, values: number[]): string {
    const key = `i:${name}`;
    if (!this.#consts.has(key)) this.#consts.set(key, this.int64Init(name, values));
    return this.#consts.get(key)!;
  }

  node(
    opType: string,
    inputs: string[],
    output: string,
    attributes?: NodeDef["attributes"],
  ): string {
    this.nodes.push({ opType, inputs, outputs: [output], attributes });
    return output;
  }

  /** Nodes that compute constants (weight unpacking), placed before every other node. */
  prelude: NodeDef[] = [];

  pre(
    opType: string,
    inputs: string[],
    output: string,
    attributes?: NodeDef["attributes"],
  ): string {
    this.prelude.push({ opType, inputs, outputs: [output], attributes });
    return output;
  }

  /** A shared `[f]` float vector filled with `value`, made by ConstantOfShape (8 bytes stored). */
  filled(value: number, f: number): string {
    const name = `${value === 1 ? "ones" : value === 0 ? "zeros" : `fill${value}`}_${f}`;
    const key = `c:${name}`;
    if (!this.#consts.has(key)) {
      this.#consts.set(key, name);
      this.pre("ConstantOfShape", [this.constInt64(`i64_${f}`, [f])], name, {
        value: {
          kind: "tensor",
          value: { name: "", dataType: DataType.FLOAT, dims: [1], raw: floatBytes([value]) },
        },
      });
    }
    return this.#consts.get(key)!;
  }
}

/** A binary weight tensor waiting to be packed with the rest of its weight set. */
interface PendingWeight {
  name: string;
  /** ONNX layout. */
  dims: number[];
  w: Float32Array;
}

/**
 * Emits one weight set's ±1 tensors: as float32 initializers, or concatenated into ONE
 * packed `uint8` initializer whose unpacking nodes (then a Slice + Reshape per tensor) go
 * into the graph's prelude, ahead of every use.
 */
function emitWeightSet(
  g: GraphBuilder,
  set: string,
  pending: PendingWeight[],
  format: WeightFormat,
): void {
  if (format === "float") {
    for (const p of pending) g.floatInit(p.name, p.dims, p.w);
    return;
  }
  const total = pending.reduce((a, p) => a + p.w.length, 0);
  const all = new Float32Array(total);
  let offset = 0;
  for (const p of pending) {
    all.set(p.w, offset);
    offset += p.w.length;
  }
  const bytes = packBits(all);
  const n = (suffix: string) => `${set}${suffix}`;
  const bits = g.init(n("bits"), DataType.UINT8, [bytes.length], bytes);
  const asFloat = g.pre("Cast", [bits], n("u8f"), { to: { kind: "int", value: DataType.FLOAT } });
  const col = g.pre("Reshape", [asFloat, g.constInt64("shape_col", [-1, 1])], n("col"));
  const pow2 = g.constFloat("bit_divisors", [8], [128, 64, 32, 16, 8, 4, 2, 1]);
  const shifted = g.pre("Floor", [g.pre("Div", [col, pow2], n("div"))], n("shift"));
  const two = g.constFloat("two", [], [2]);
  const bit = g.pre("Mod", [shifted, two], n("bit"), { fmod: { kind: "int", value: 1 } });
  const pm = g.pre(
    "Sub",
    [g.pre("Mul", [bit, two], n("2b")), g.constFloat("one", [], [1])],
    n("pm1"),
  );
  const flat = g.pre("Reshape", [pm, g.constInt64("shape_flat", [-1])], n("flat"));
  offset = 0;
  for (const p of pending) {
    const end = offset + p.w.length;
    const piece = pending.length === 1 && end === bytes.length * 8 ? flat : g.pre(
      "Slice",
      [flat, g.constInt64(`i64_${offset}`, [offset]), g.constInt64(`i64_${end}`, [end])],
      `${p.name}_flat`,
    );
    g.pre("Reshape", [piece, g.int64Init(`${p.name}_shape`, p.dims)], p.name);
    offset = end;
  }
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
  const format = opts.weights ?? "packed";
  const spec = net.spec;
  const [H, W, C] = spec.inputShape;
  const g = new GraphBuilder();
  const K = net.weightSets.length;
  const prefix = (s: number) => (K === 1 ? "" : `s${s}_`);

  // BatchNorm parameters are shared by all weight sets.
  const bnInputs: string[][] = [];
  let bi = 0;
  spec.layers.forEach((l, i) => {
    if (l.type !== "batchnorm") return;
    const bn = net.batchNorms[bi++];
    const f = l.features;
    bnInputs.push([
      bn.gamma ? g.floatInit(`L${i}_bn_scale`, [f], bn.gamma) : g.filled(1, f),
      bn.beta ? g.floatInit(`L${i}_bn_bias`, [f], bn.beta) : g.filled(0, f),
      g.floatInit(`L${i}_bn_mean`, [f], bn.mean),
      g.floatInit(`L${i}_bn_var`, [f], bn.variance),
    ]);
  });

  const summaries: ExportLayerSummary[] = [];
  const branchLogits: string[] = [];
  for (let s = 0; s < K; s++) {
    let x = "image";
    let shape = { kind: "image", c: C, h: H, w: W } as Shape;
    let wi = 0;
    let bni = 0;
    const pending: PendingWeight[] = [];
    const weight = (name: string, dims: number[], w: Float32Array) => {
      pending.push({ name, dims, w });
      return name;
    };
    for (const [i, l] of spec.layers.entries()) {
      const p = `${prefix(s)}L${i}_${l.type}`;
      let binary = 0;
      let real = 0;
      switch (l.type) {
        case "flatten":
          if (shape.kind === "image") {
            const { c, h, w } = shape;
            x = g.node("Flatten", [x], p, { axis: { kind: "int", value: 1 } });
            shape = {
              kind: "flat",
              f: c * h * w,
              fromImage: c > 1 && h * w > 1 ? { c, h, w } : undefined,
            };
          }
          break;
        case "dropout":
          break;
        case "dense": {
          if (shape.kind !== "flat") {
            fail(`Cannot export layer ${i} (dense): its input is an image; add a flatten`);
          }
          if (shape.f !== l.inputs) {
            fail(`Cannot export layer ${i} (dense): inputs ${l.inputs}, incoming ${shape.f}`);
          }
          let w = net.weightSets[s][wi++];
          if (shape.fromImage) {
            const { c, h, w: wd } = shape.fromImage;
            w = nhwcRowsToNchw(w, c, h, wd, l.units);
          }
          const wName = weight(`${prefix(s)}L${i}_W`, [l.inputs, l.units], w);
          x = g.node("MatMul", [x, wName], p);
          shape = { kind: "flat", f: l.units };
          binary = l.inputs * l.units;
          break;
        }
        case "conv2d": {
          if (shape.kind !== "image") fail(`Cannot export layer ${i} (conv2d): its input is flat`);
          if (shape.c !== l.inChannels) {
            fail(
              `Cannot export layer ${i} (conv2d): inChannels ${l.inChannels}, incoming ${shape.c}`,
            );
          }
          const k = l.kernelSize;
          const w = hwioToOihw(net.weightSets[s][wi++], k, k, l.inChannels, l.filters);
          const wName = weight(`${prefix(s)}L${i}_W`, [l.filters, l.inChannels, k, k], w);
          const pad = l.padding;
          x = g.node("Conv", [x, wName], p, {
            kernel_shape: { kind: "ints", value: [k, k] },
            pads: { kind: "ints", value: [pad, pad, pad, pad] },
            strides: { kind: "ints", value: [1, 1] },
          });
          shape = {
            kind: "image",
            c: l.filters,
            h: shape.h + 2 * pad - k + 1,
            w: shape.w + 2 * pad - k + 1,
          };
          if (shape.h < 1 || shape.w < 1) {
            fail(`Cannot export layer ${i} (conv2d): output is empty`);
          }
          binary = k * k * l.inChannels * l.filters;
          break;
        }
        case "batchnorm": {
          const f = shape.kind === "image" ? shape.c : shape.f;
          if (f !== l.features) {
            fail(`Cannot export layer ${i} (batchnorm): features ${l.features}, incoming ${f}`);
          }
          x = g.node("BatchNormalization", [x, ...bnInputs[bni++]], p, {
            epsilon: { kind: "float", value: l.eps },
          });
          real = (l.affine ? 4 : 2) * l.features;
          break;
        }
        case "relu":
          x = g.node("Relu", [x], p);
          break;
        case "maxpool": {
          if (shape.kind !== "image") fail(`Cannot export layer ${i} (maxpool): its input is flat`);
          const z = l.size;
          x = g.node("MaxPool", [x], p, {
            kernel_shape: { kind: "ints", value: [z, z] },
            strides: { kind: "ints", value: [z, z] },
          });
          shape = { ...shape, h: Math.floor(shape.h / z), w: Math.floor(shape.w / z) };
          break;
        }
        default:
          l satisfies never;
      }
      if (s === 0) {
        summaries.push({
          index: i,
          type: l.type,
          outputShape: shape.kind === "image" ? [shape.c, shape.h, shape.w] : [shape.f],
          binary: binary * K,
          real,
        });
      }
    }
    if (shape.kind !== "flat" || shape.f !== spec.numClasses) {
      fail(
        `Cannot export: the network's output is ${
          JSON.stringify(shape)
        }, expected ${spec.numClasses} classes`,
      );
    }
    branchLogits.push(x);
    emitWeightSet(g, K === 1 ? "w_" : `s${s}_w_`, pending, format);
  }

  const axis1 = { axis: { kind: "int" as const, value: 1 } };
  if (K === 1) {
    g.node("Identity", [branchLogits[0]], "logits");
    g.node("Softmax", ["logits"], "probabilities", axis1);
  } else {
    const probs = branchLogits.map((l, s) => g.node("Softmax", [l], `s${s}_probabilities`, axis1));
    const sum = g.node("Sum", probs, "probabilities_sum");
    g.node("Div", [sum, g.constFloat("num_samples", [], [K])], "probabilities");
    g.node("Log", ["probabilities"], "logits");
  }

  const classes = spec.numClasses;
  const model: ModelDef = {
    irVersion: IR_VERSION,
    opsetVersion: OPSET_VERSION,
    producerName: "bnn",
    producerVersion: opts.producerVersion ?? "0.1.0",
    docString: opts.docString,
    graphName: `${spec.architecture}${K > 1 ? `_samples${K}` : ""}`,
    nodes: [...g.prelude, ...g.nodes],
    initializers: g.inits,
    inputs: [{
      name: "image",
      elemType: DataType.FLOAT,
      shape: ["N", C, H, W],
      docString:
        `Normalized images, NCHW float32 [N, ${C}, ${H}, ${W}]: (pixel/255 - mean_c) / std_c per channel`,
    }],
    outputs: [
      {
        name: "logits",
        elemType: DataType.FLOAT,
        shape: ["N", classes],
        docString: K === 1
          ? "Class logits [N, classes]"
          : `Log of the averaged predictive probability over ${K} sampled weight sets [N, classes]`,
      },
      {
        name: "probabilities",
        elemType: DataType.FLOAT,
        shape: ["N", classes],
        docString: K === 1
          ? "Softmax of the logits [N, classes]"
          : `Average of the softmax over ${K} sampled weight sets (paper eq. 18) [N, classes]`,
      },
    ],
    metadata: opts.metadata,
  };
  return { model, layers: summaries };
}
