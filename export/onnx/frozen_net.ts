/**
 * What the ONNX builder consumes: a {@linkcode FrozenNet} (a spec, K ≥ 1 sets of ±1 weights
 * and the BatchNorm statistics), and the check that its arrays fit the spec.
 * @module
 */
import type { ModelSpec } from "../../train/models/spec.ts";
import { binaryKernelShapes, layerOutputShapes } from "../../train/models/shapes.ts";

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

function fail(message: string): never {
  throw new RangeError(message);
}

function checkSpec(spec: ModelSpec): void {
  try {
    layerOutputShapes(spec);
  } catch (e) {
    fail(`Cannot export: ${(e as Error).message}`);
  }
}

function checkWeightSets(net: FrozenNet): void {
  const sizes = binaryKernelShapes(net.spec).map((s) => s.reduce((a, b) => a * b, 1));
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
}

function checkBatchNorms(net: FrozenNet): void {
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

/**
 * Checks that a {@linkcode FrozenNet}'s spec is consistent (`layerOutputShapes`) and that its
 * arrays match the spec.
 *
 * @throws {RangeError} Naming the layer and the sizes when something does not fit.
 * @example Usage
 * ```ts
 * import { validateFrozenNet } from "./frozen_net.ts";
 * validateFrozenNet({
 *   spec: { architecture: "tiny", inputShape: [1, 1, 2], numClasses: 1,
 *     layers: [{ type: "flatten" }, { type: "dense", inputs: 2, units: 1 }] },
 *   weightSets: [[new Float32Array([1, -1])]], batchNorms: [],
 * });
 * ```
 */
export function validateFrozenNet(net: FrozenNet): void {
  checkSpec(net.spec);
  checkWeightSets(net);
  checkBatchNorms(net);
}
