/**
 * Small model specs the tests build networks and exports from: a linear classifier and an MLP of
 * the paper's shape (dense → BatchNorm → ReLU blocks). Specs whose numbers a test computes by hand
 * stay written out in that test, beside the numbers.
 * @module
 */

import type { ModelSpec } from "../../train/models/spec.ts";

/** An image shape `[height, width, channels]`. */
export type ImageShape = [number, number, number];

/**
 * flatten → dense(h·w·c → classes): the smallest network an export or eval test needs.
 *
 * @example Usage
 * ```ts
 * import { linearSpec } from "./tiny_specs.ts";
 * const spec = linearSpec([4, 4, 3], 2);
 * if (spec.layers[1]?.type !== "dense" || spec.layers[1].inputs !== 48) throw new Error();
 * ```
 */
export function linearSpec(inputShape: ImageShape, numClasses: number): ModelSpec {
  return mlpSpec(inputShape, [], numClasses, { outputBatchNorm: false });
}

/** The options of {@linkcode mlpSpec}. */
export interface MlpOptions {
  /** Dropout rate on the input (default none). */
  dropout?: number;
  /** BatchNorm ε (default 1e-5). */
  eps?: number;
  /** BatchNorm momentum (default 0.1). */
  momentum?: number;
  /** A BatchNorm on the logits, as the paper's MLPs have (default true). */
  outputBatchNorm?: boolean;
}

/**
 * flatten → [dropout] → (dense → BatchNorm → ReLU) per hidden width → dense → [BatchNorm].
 *
 * @example Usage
 * ```ts
 * import { mlpSpec } from "./tiny_specs.ts";
 * const spec = mlpSpec([2, 2, 1], [5], 3, { outputBatchNorm: false });
 * const types = spec.layers.map((l) => l.type).join(" ");
 * if (types !== "flatten dense batchnorm relu dense") throw new Error(types);
 * ```
 */
export function mlpSpec(
  inputShape: ImageShape,
  hidden: number[],
  numClasses: number,
  options: MlpOptions = {},
): ModelSpec {
  const { dropout, eps = 1e-5, momentum = 0.1, outputBatchNorm = true } = options;
  const batchNorm = (features: number) =>
    ({ type: "batchnorm", features, eps, momentum, affine: false }) as const;
  const layers: ModelSpec["layers"] = [{ type: "flatten" }];
  if (dropout !== undefined) layers.push({ type: "dropout", rate: dropout });
  const flat = inputShape[0] * inputShape[1] * inputShape[2];
  let inputs = flat;
  for (const units of hidden) {
    layers.push({ type: "dense", inputs, units }, batchNorm(units), { type: "relu" });
    inputs = units;
  }
  layers.push({ type: "dense", inputs, units: numClasses });
  if (outputBatchNorm) layers.push(batchNorm(numClasses));
  const widths = [flat, ...hidden, numClasses].join("-");
  return { architecture: `mlp-${widths}`, inputShape, numClasses, layers };
}
