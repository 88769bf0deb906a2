/**
 * The paper's and the reproduction's architectures as {@linkcode ModelSpec}s
 * (reference.md §Architectures, reference-sources.md §3). Every dense and conv
 * layer is binary, first and last included; no biases; real ReLU activations; BN
 * with affine parameters only when `batch_affine`.
 *
 * - `BinaryConnect` (MNIST MLP): flatten → Dropout(p) → [FC 2048 → BN → ReLU →
 *   Dropout(p)]×3 → FC classes → BN. BN eps 1e-4 (config `eps`), momentum 0.15
 *   (config `momentum`). 10,014,720 binary weights.
 * - `VGGBinaryConnect` (CIFAR): conv3×3 128 → BN → ReLU; conv 128 → MaxPool2 → BN →
 *   ReLU; conv 256 → BN → ReLU; conv 256 → MaxPool2 → BN → ReLU; conv 512 → BN →
 *   ReLU; conv 512 → MaxPool2 → BN → ReLU; flatten → FC 1024 → BN → ReLU → FC 1024
 *   → BN → ReLU → FC classes → BN. Conv BN eps 1e-5, momentum = config `momentum`
 *   (0.2); FC BN eps 1e-5, momentum 0.1 (PyTorch defaults; `eps` overrides all). Max pooling comes
 *   before BN, as in the code. 14,022,016 weights for CIFAR-10, 14,114,176 for 100.
 * - `LRNetSmall` (MNIST): conv5×5 32 (pad 2) → MaxPool2 → BN → ReLU → conv5×5 64 →
 *   MaxPool2 → BN → ReLU → flatten → FC 512 → BN → ReLU → FC classes → BN. Conv BN
 *   eps 1e-5, momentum = config `momentum` (0.15, the reproduction's config; its class alone
 *   defaults to 0.2); FC BN eps 1e-5, momentum 0.1.
 * - `LRNetBig` (CIFAR-10): the VGG conv stack without conv BNs (the reproduction's
 *   `forward` skips bn1–bn6) → flatten → FC 1024 → BN → ReLU → FC classes → BN (eps
 *   1e-5, momentum 0.1).
 * - `MLP_CL` (continual learning): flatten → FC 100 → BN → ReLU → FC 100 → BN →
 *   ReLU → FC classes → BN, BN eps 1e-4, momentum 0.15 (config `momentum`); no
 *   dropout (`drop_prob` is ignored, as in both reference models). 89,400 weights.
 *
 * The config key `eps`, when given, sets the eps of every BN layer (default 1e-4
 * for the MLPs, 1e-5 for the conv nets), as the config schema documents it.
 * @module
 */
import type { LayerSpec, ModelSpec } from "./spec.ts";
import { layerOutputShapes } from "./shapes.ts";
import { type DatasetName, DATASETS } from "../data/datasets.ts";

/** Facts about an architecture: what it is built from and what configs are checked against. */
export interface ArchitectureInfo {
  /** Whether it is an MLP (flattens the image first) rather than a conv net. */
  readonly mlp: boolean;
  /** Datasets whose image shape the architecture takes. */
  readonly datasets: readonly DatasetName[];
  /**
   * The reproduction's `input_shape`: flattened size for MLPs, channels for CNNs (derived from
   * the first of {@linkcode ArchitectureInfo.datasets}).
   */
  readonly inputShape: number;
  /** BatchNorm epsilon of the original / reproduction model. */
  readonly eps: number;
  /** BatchNorm momentum (PyTorch convention) of the original / reproduction model. */
  readonly momentum: number;
  /** Whether the architecture has dropout layers (read from `drop_prob`). */
  readonly dropout: boolean;
  /**
   * What an image's side must be a multiple of: 2^(its 2×2 max-pools), 1 for the MLPs (which
   * take any size). A custom dataset whose side is not is refused with one line saying why.
   */
  readonly sideMultiple: number;
  /** One-line description. */
  readonly doc: string;
  /** Appends the architecture's layers (the recipe of the module doc). */
  readonly layers: (b: Builder, h: Hyperparameters) => void;
}

/** An architecture's facts, with `inputShape` derived from its first dataset's image shape. */
function describe(info: Omit<ArchitectureInfo, "inputShape">): ArchitectureInfo {
  const { height, width, channels } = DATASETS[info.datasets[0]!];
  return { ...info, inputShape: info.mlp ? height * width * channels : channels };
}

/**
 * The name of one of {@linkcode ARCHITECTURES} (the table must list each exactly once).
 *
 * @example Usage
 * ```ts
 * import type { Architecture } from "./architectures.ts";
 * const a: Architecture = "BinaryConnect";
 * if (a !== "BinaryConnect") throw new Error();
 * ```
 */
export type Architecture =
  | "BinaryConnect"
  | "VGGBinaryConnect"
  | "LRNetSmall"
  | "LRNetBig"
  | "MLP_CL";

/**
 * The architectures {@linkcode buildSpec} knows, with the datasets and `input_shape` each one
 * needs and the BatchNorm defaults of the original models.
 *
 * @example Usage
 * ```ts
 * import { ARCHITECTURES } from "./architectures.ts";
 * if (!("VGGBinaryConnect" in ARCHITECTURES)) throw new Error();
 * if (ARCHITECTURES.BinaryConnect.inputShape !== 784) throw new Error();
 * ```
 */
export const ARCHITECTURES: Readonly<Record<Architecture, ArchitectureInfo>> = {
  BinaryConnect: describe({
    mlp: true,
    datasets: ["mnist"],
    eps: 1e-4,
    momentum: 0.15,
    dropout: true,
    sideMultiple: 1,
    doc: "MNIST MLP 784-2048-2048-2048-10 with dropout (paper's MNIST model)",
    layers: (b, { width, drop, bn, classes }) => {
      b.flatten().dropout(drop);
      for (let i = 0; i < 3; i++) bn(b.dense(width(2048))).relu().dropout(drop);
      bn(b.dense(classes));
    },
  }),
  VGGBinaryConnect: describe({
    mlp: false,
    datasets: ["cifar10", "cifar100"],
    eps: 1e-5,
    momentum: 0.2,
    dropout: false,
    sideMultiple: 8,
    doc: "CIFAR VGG: 6 conv3x3 (128-128-256-256-512-512) + FC 1024-1024-classes",
    layers: (b, { width, bn, fcBn, classes }) => {
      for (const c of [128, 256, 512]) {
        bn(b.conv(width(c), 3, 1)).relu();
        bn(b.conv(width(c), 3, 1).maxpool(2)).relu();
      }
      b.flatten();
      for (let i = 0; i < 2; i++) fcBn(b.dense(width(1024))).relu();
      fcBn(b.dense(classes));
    },
  }),
  LRNetSmall: describe({
    mlp: false,
    datasets: ["mnist"],
    eps: 1e-5,
    momentum: 0.15,
    dropout: false,
    sideMultiple: 4,
    doc: "MNIST conv net of the LR-net comparison (paper Table 11)",
    layers: (b, { width, bn, fcBn, classes }) => {
      bn(b.conv(width(32), 5, 2).maxpool(2)).relu();
      bn(b.conv(width(64), 5, 2).maxpool(2)).relu();
      fcBn(b.flatten().dense(width(512))).relu();
      fcBn(b.dense(classes));
    },
  }),
  LRNetBig: describe({
    mlp: false,
    datasets: ["cifar10", "cifar100"],
    eps: 1e-5,
    momentum: 0.2,
    dropout: false,
    sideMultiple: 8,
    doc: "CIFAR conv net of the LR-net comparison (paper Table 11)",
    layers: (b, { width, fcBn, classes }) => {
      for (const c of [128, 256, 512]) {
        b.conv(width(c), 3, 1).relu();
        b.conv(width(c), 3, 1).maxpool(2).relu();
      }
      fcBn(b.flatten().dense(width(1024))).relu();
      fcBn(b.dense(classes));
    },
  }),
  MLP_CL: describe({
    mlp: true,
    datasets: ["mnist"],
    eps: 1e-4,
    momentum: 0.15,
    dropout: false,
    sideMultiple: 1,
    doc: "continual-learning MLP 784-100-100-10 (paper §4.3)",
    layers: (b, { width, bn, classes }) => {
      b.flatten();
      for (let i = 0; i < 2; i++) bn(b.dense(width(100))).relu();
      bn(b.dense(classes));
    },
  }),
};

/**
 * Image shape `[height, width, channels]` and class count of the known datasets: a view of
 * {@linkcode DATASETS}.
 *
 * @example Usage
 * ```ts
 * import { DATASET_SHAPES } from "./architectures.ts";
 * if (DATASET_SHAPES.cifar100.numClasses !== 100) throw new Error();
 * ```
 */
export const DATASET_SHAPES: Record<
  string,
  { inputShape: [number, number, number]; numClasses: number }
> = Object.fromEntries(
  Object.values(DATASETS).map((d) => [
    d.name,
    { inputShape: [d.height, d.width, d.channels], numClasses: d.numClasses },
  ]),
);

/**
 * Config keys {@linkcode buildSpec} reads (snake_case, as the reproduction's JSON configs).
 *
 * @example Usage
 * ```ts
 * import { buildSpec, type BuildSpecOptions } from "./architectures.ts";
 * const opts: BuildSpecOptions = { model_architecture: "VGGBinaryConnect", dataset: "cifar10", momentum: 0.2 };
 * if (buildSpec(opts).numClasses !== 10) throw new Error();
 * ```
 */
export interface BuildSpecOptions {
  /** `BinaryConnect`, `VGGBinaryConnect`, `LRNetSmall`, `LRNetBig` or `MLP_CL`. */
  model_architecture: string;
  /** `mnist`, `cifar10` or `cifar100` (gives the image shape), unless `image_shape` is set. */
  dataset?: string;
  /** `[height, width, channels]` for a custom dataset (overrides `dataset`). */
  image_shape?: [number, number, number];
  /** The reproduction's key: flattened input size for MLPs, channels for CNNs; checked if given. */
  input_shape?: number;
  /** Number of classes (default: the dataset's). */
  output_shape?: number;
  /** Dropout probability p of BinaryConnect, in [0, 1) (default 0.2); other architectures ignore it. */
  drop_prob?: number;
  /** BN momentum (PyTorch convention) of the MLP BNs and the conv BNs (default 0.15 MLPs, 0.2 CNNs). */
  momentum?: number;
  /** Learn BN γ/β with Adam (default false). */
  batch_affine?: boolean;
  /** BN eps of every BN layer (default 1e-4 for the MLPs, 1e-5 for the conv nets). */
  eps?: number;
  /** bnn's width knob: hidden units/channels × this (rounded, ≥ 1; default 1 = the paper's). */
  width_multiplier?: number;
}

function check(ok: boolean, key: string, value: unknown, allowed: string, Err = RangeError): void {
  if (!ok) {
    throw new Err(
      `Cannot build the model spec as ${key} must be ${allowed}: current value is ${
        JSON.stringify(value)
      }`,
    );
  }
}

function optNumber(o: Record<string, unknown>, key: string): void {
  const v = o[key];
  check(v === undefined || typeof v === "number", key, v, "a number", TypeError);
}

/**
 * Builds the {@linkcode ModelSpec} of a configured architecture.
 *
 * @throws {TypeError} If a key has the wrong type.
 * @throws {RangeError} If a key has an invalid value (the message names the key and shows the value).
 *
 * @example Usage
 * ```ts
 * import { buildSpec } from "./architectures.ts";
 * const spec = buildSpec({ model_architecture: "BinaryConnect", dataset: "mnist" });
 * if (spec.numClasses !== 10) throw new Error("MNIST has 10 classes");
 * if (spec.layers.length !== 16) throw new Error("flatten, dropout, 3×4, FC, BN");
 * ```
 */
export function buildSpec(opts: BuildSpecOptions): ModelSpec {
  check(typeof opts === "object" && opts !== null, "opts", opts, "an object", TypeError);
  const arch = opts.model_architecture;
  check(
    typeof arch === "string" && Object.hasOwn(ARCHITECTURES, arch),
    "model_architecture",
    arch,
    `one of ${Object.keys(ARCHITECTURES).join(", ")}`,
  );
  const info = ARCHITECTURES[arch as Architecture];
  checkTypes(opts);
  const { inputShape, numClasses } = imageAndClasses(opts);
  checkInputShape(opts.input_shape, inputShape, info.mlp, arch);
  const b = new Builder(inputShape, opts.batch_affine ?? false);
  info.layers(b, hyperparameters(opts, info, numClasses));
  const spec: ModelSpec = { architecture: arch, inputShape, numClasses, layers: b.layers };
  try {
    layerOutputShapes(spec);
  } catch (e) {
    throw new RangeError(
      `Cannot build the model spec as ${arch} does not fit image_shape [${inputShape}]: ${
        (e as Error).message
      }`,
    );
  }
  return spec;
}

/** Throws a TypeError naming the first numeric or boolean key of the wrong type. */
function checkTypes(opts: BuildSpecOptions): void {
  const o = opts as unknown as Record<string, unknown>;
  for (
    const k of ["input_shape", "output_shape", "drop_prob", "momentum", "eps", "width_multiplier"]
  ) optNumber(o, k);
  check(
    opts.batch_affine === undefined || typeof opts.batch_affine === "boolean",
    "batch_affine",
    opts.batch_affine,
    "a boolean",
    TypeError,
  );
}

/** The image shape (`image_shape`, else the dataset's) and the class count (`output_shape`, else the dataset's). */
function imageAndClasses(
  opts: BuildSpecOptions,
): { inputShape: [number, number, number]; numClasses: number } {
  let inputShape: [number, number, number];
  let defaultClasses: number | undefined;
  if (opts.image_shape !== undefined) {
    const s = opts.image_shape;
    check(
      Array.isArray(s) && s.length === 3 && s.every((x) => Number.isInteger(x) && x > 0),
      "image_shape",
      s,
      "three positive integers [height, width, channels]",
    );
    inputShape = [s[0], s[1], s[2]];
  } else {
    const d = opts.dataset;
    check(
      typeof d === "string" && d in DATASET_SHAPES,
      "dataset",
      d,
      `one of ${Object.keys(DATASET_SHAPES).join(", ")}`,
    );
    inputShape = [...DATASET_SHAPES[d!].inputShape];
    defaultClasses = DATASET_SHAPES[d!].numClasses;
  }
  const numClasses = opts.output_shape ?? defaultClasses;
  check(
    Number.isInteger(numClasses) && numClasses! > 0,
    "output_shape",
    numClasses,
    "a positive integer",
  );
  return { inputShape, numClasses: numClasses! };
}

/** Checks the reproduction's `input_shape` key, when given, against the image. */
function checkInputShape(
  given: number | undefined,
  inputShape: [number, number, number],
  mlp: boolean,
  arch: string,
): void {
  if (given === undefined) return;
  const expected = mlp ? inputShape[0] * inputShape[1] * inputShape[2] : inputShape[2];
  check(
    given === expected,
    "input_shape",
    given,
    `${expected} (${mlp ? "the flattened image size" : "the image channels"} for ${arch})`,
  );
}

/** What an architecture's recipe reads: widths, dropout rate, BatchNorm settings, classes. */
export interface Hyperparameters {
  /** A hidden width scaled by `width_multiplier` (rounded, ≥ 1). */
  width: (n: number) => number;
  /** The dropout rate `drop_prob`. */
  drop: number;
  /** Appends a BatchNorm with `eps` and the config's `momentum`. */
  bn: (b: Builder) => Builder;
  /** Appends a BatchNorm with `eps` and momentum 0.1 (the conv nets' FC BNs: PyTorch's default). */
  fcBn: (b: Builder) => Builder;
  classes: number;
}

/** The checked hyperparameters of `opts`, with the architecture's defaults. */
function hyperparameters(
  opts: BuildSpecOptions,
  info: ArchitectureInfo,
  classes: number,
): Hyperparameters {
  const drop = opts.drop_prob ?? 0.2;
  check(drop >= 0 && drop < 1, "drop_prob", drop, "in [0, 1)");
  const momentum = opts.momentum ?? info.momentum;
  check(momentum >= 0 && momentum <= 1, "momentum", momentum, "in [0, 1]");
  const eps = opts.eps ?? info.eps;
  check(eps > 0 && Number.isFinite(eps), "eps", eps, "a finite number > 0");
  const mult = opts.width_multiplier ?? 1;
  check(mult > 0 && Number.isFinite(mult), "width_multiplier", mult, "a finite number > 0");
  return {
    width: (n) => Math.max(1, Math.round(n * mult)),
    drop,
    bn: (b) => b.bn(eps, momentum),
    fcBn: (b) => b.bn(eps, 0.1),
    classes,
  };
}

/**
 * Appends layers while tracking the current per-example shape, so that each dense or conv layer
 * knows its inputs: what an architecture's recipe ({@linkcode ArchitectureInfo.layers}) writes to.
 *
 * @example Usage
 * ```ts
 * import { Builder } from "./architectures.ts";
 * const b = new Builder([4, 4, 1], false);
 * b.flatten().dense(3).bn(1e-4, 0.15).relu();
 * const dense = b.layers[1];
 * if (dense?.type !== "dense" || dense.inputs !== 16) throw new Error(JSON.stringify(dense));
 * ```
 */
export class Builder {
  layers: LayerSpec[] = [];
  #shape: number[];
  #affine: boolean;

  constructor(inputShape: [number, number, number], affine: boolean) {
    this.#shape = [...inputShape];
    this.#affine = affine;
  }

  flatten(): this {
    this.layers.push({ type: "flatten" });
    this.#shape = [this.#shape.reduce((a, b) => a * b, 1)];
    return this;
  }

  dropout(rate: number): this {
    if (rate > 0) this.layers.push({ type: "dropout", rate });
    return this;
  }

  dense(units: number): this {
    this.layers.push({ type: "dense", inputs: this.#shape[0], units });
    this.#shape = [units];
    return this;
  }

  conv(filters: number, kernelSize: number, padding: number): this {
    const [h, w, c] = this.#shape;
    this.layers.push({ type: "conv2d", inChannels: c, filters, kernelSize, padding });
    this.#shape = [h + 2 * padding - kernelSize + 1, w + 2 * padding - kernelSize + 1, filters];
    return this;
  }

  maxpool(size: number): this {
    const [h, w, c] = this.#shape;
    this.layers.push({ type: "maxpool", size });
    this.#shape = [Math.floor(h / size), Math.floor(w / size), c];
    return this;
  }

  bn(eps: number, momentum: number): this {
    const features = this.#shape[this.#shape.length - 1];
    this.layers.push({ type: "batchnorm", features, eps, momentum, affine: this.#affine });
    return this;
  }

  relu(): this {
    this.layers.push({ type: "relu" });
    return this;
  }
}
