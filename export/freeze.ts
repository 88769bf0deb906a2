/**
 * Turns trained state into a {@linkcode FrozenNet}: the ±1 weights come from the
 * optimizer (`modeWeights()`: BayesBiNN mode, μ ≤ 0 → −1; STE sign, w ≥ 0 → +1; or
 * K × `sampleWeights(rng)`, w ~ 2·Bernoulli(sigmoid(2λ)) − 1), never from ONNX
 * `Sign` (Sign(0) = 0). BatchNorm state comes from `BinaryNet.getState()`
 * (`bn.<layer index>.running_mean`, `.running_var`, `.gamma`, `.beta`).
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { ModelSpec } from "../train/models/spec.ts";
import type { BinaryOptimizer } from "../train/optimizers/binary_optimizer.ts";
import type { Rng } from "../train/random.ts";
import type { FrozenBatchNorm } from "./onnx/graph.ts";
import { ExportError } from "./export_error.ts";

/**
 * The {@linkcode FrozenBatchNorm}s of a spec's batchnorm layers, in layer order, from a
 * `BinaryNet.getState()` record.
 *
 * @throws {ExportError} If a running statistic (or γ/β of an affine layer) is missing or
 *   has the wrong length.
 *
 * @example Usage
 * ```ts
 * import { batchNormsFromState } from "./freeze.ts";
 * const bns = batchNormsFromState(
 *   { architecture: "t", inputShape: [1, 1, 2], numClasses: 2, layers: [
 *     { type: "flatten" }, { type: "dense", inputs: 2, units: 2 },
 *     { type: "batchnorm", features: 2, eps: 1e-5, momentum: 0.1, affine: false }] },
 *   { "bn.2.running_mean": new Float32Array(2), "bn.2.running_var": new Float32Array([1, 1]) },
 * );
 * if (bns.length !== 1 || bns[0].gamma !== undefined) throw new Error("one BN, no affine");
 * ```
 */
export function batchNormsFromState(
  spec: ModelSpec,
  state: Record<string, Float32Array>,
): FrozenBatchNorm[] {
  const out: FrozenBatchNorm[] = [];
  spec.layers.forEach((l, i) => {
    if (l.type !== "batchnorm") return;
    const get = (key: string) => {
      const a = state[`bn.${i}.${key}`];
      if (!(a instanceof Float32Array) || a.length !== l.features) {
        throw new ExportError(
          `BatchNorm state bn.${i}.${key} must be ${l.features} floats: current value is ${
            a instanceof Float32Array ? `${a.length} floats` : "missing"
          }`,
        );
      }
      return a;
    };
    out.push({
      mean: get("running_mean"),
      variance: get("running_var"),
      ...(l.affine ? { gamma: get("gamma"), beta: get("beta") } : {}),
    });
  });
  return out;
}

function toArrays(ts: tf.Tensor[]): Float32Array[] {
  const out = ts.map((t) => Float32Array.from(t.dataSync()));
  for (const t of ts) t.dispose();
  return out;
}

/**
 * The weight sets to export: `[modeWeights()]`, or `samples` sets drawn with
 * `sampleWeights(rng)` (BayesBiNN posterior samples; STE returns its sign every time).
 *
 * @throws {RangeError} If `samples` is not a positive integer or no `rng` is given for it.
 *
 * @example Usage
 * ```ts
 * import { freezeWeights } from "./freeze.ts";
 * import { createOptimizer } from "../train/optimizers/create_optimizer.ts";
 * import { Rng } from "../train/random.ts";
 * const steOptions = { lr_init: 0.01, grad_clip_value: 1, weight_clip_value: 1 };
 * const opt = createOptimizer("ste", steOptions, [[2, 2]], new Rng(1, "optimizer"), []);
 * const [mode] = freezeWeights(opt);
 * if (!mode[0].every((w) => w === 1 || w === -1)) throw new Error("not ±1");
 * opt.dispose();
 * ```
 */
export function freezeWeights(
  opt: BinaryOptimizer,
  opts: { samples?: number; rng?: Rng } = {},
): Float32Array[][] {
  const k = opts.samples ?? 0;
  if (k === 0) return [toArrays(opt.modeWeights())];
  if (!Number.isInteger(k) || k < 1) {
    throw new RangeError(
      `Cannot sample weights as samples must be a positive integer: current value is ${k}`,
    );
  }
  if (!opts.rng) {
    throw new RangeError("Cannot sample weights as rng must be given: current value is undefined");
  }
  const sets: Float32Array[][] = [];
  for (let s = 0; s < k; s++) sets.push(toArrays(opt.sampleWeights(opts.rng)));
  return sets;
}
