/**
 * The forward pass of a binary network, as a function of its binary weights.
 *
 * {@linkcode BinaryNet.apply} takes the dense/conv kernels as arguments instead of
 * owning them: BayesBiNN feeds relaxed samples w = tanh((λ+δ)/τ) and STE feeds
 * sign(w_r), and each differentiates the loss with respect to the tensors it fed.
 * The network owns only the non-binary state: BatchNorm running statistics and,
 * when `affine`, BN's real γ/β (trained with Adam, paper footnote 3).
 *
 * BatchNorm (per channel c, over the n = batch·h·w values x of that channel):
 *
 *     training:  μ_B = mean(x),  σ²_B = mean((x − μ_B)²)   (biased)
 *                y = (x − μ_B) · 1/√(σ²_B + eps)
 *                running_mean ← (1 − m)·running_mean + m·μ_B
 *                running_var  ← (1 − m)·running_var  + m·σ²_B·n/(n − 1)   (unbiased, PyTorch)
 *     eval:      y = (x − running_mean) · 1/√(running_var + eps)
 *     affine:    y ← γ·y + β
 *
 * written with broadcasting ops (`tf.moments` and arithmetic), not `tf.batchNorm`,
 * whose gradient uses a slow Tile on wasm. Dropout is inverted dropout: each value
 * is kept with probability 1 − p (u < 1 − p for u ~ U(0,1) from the given Rng, in
 * row-major order) and scaled by 1/(1 − p). Layout is NHWC; `flatten` is row-major
 * over (h, w, c).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../random.ts";
import type { LayerSpec, ModelSpec } from "./spec.ts";
import { binaryKernelShapes, layerOutputShapes } from "./shapes.ts";

/**
 * Options of {@linkcode BinaryNet.apply}.
 *
 * @example Usage
 * ```ts
 * import type { ApplyOptions } from "./binary_net.ts";
 * import { Rng } from "../random.ts";
 * const train: ApplyOptions = { training: true, rng: new Rng(1, "dropout") };
 * if (!train.training) throw new Error();
 * ```
 */
export interface ApplyOptions {
  /** Batch statistics + running-stat update + dropout (true), or running statistics (false). */
  training: boolean;
  /** Dropout masks are drawn from it; required when training a spec with dropout p > 0. */
  rng?: Rng;
}

interface BnState {
  runningMean: tf.Variable;
  runningVar: tf.Variable;
  gamma?: tf.Variable;
  beta?: tf.Variable;
}

/**
 * A binary network built from a {@linkcode ModelSpec}.
 *
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { BinaryNet } from "./binary_net.ts";
 * const net = new BinaryNet({
 *   architecture: "tiny", inputShape: [1, 1, 2], numClasses: 2,
 *   layers: [
 *     { type: "flatten" },
 *     { type: "dense", inputs: 2, units: 2 },
 *     { type: "batchnorm", features: 2, eps: 1e-5, momentum: 0.1, affine: false },
 *   ],
 * });
 * const w = [tf.tensor2d([[1, -1], [1, 1]])];
 * const x = tf.tensor4d([1, 2, 3, 5], [2, 1, 1, 2]);
 * const logits = net.apply(w, x, { training: true });
 * if (logits.shape.join() !== "2,2") throw new Error("logits are [batch, classes]");
 * tf.dispose([w, x, logits]);
 * net.dispose();
 * ```
 */
export class BinaryNet {
  /** The architecture this network evaluates. */
  readonly spec: ModelSpec;
  /** One per dense/conv layer in layer order; dense `[in, out]`, conv `[kh, kw, cin, cout]`. */
  readonly binaryShapes: number[][];
  /** BN γ/β of the layers with `affine` (γ then β, in layer order), else empty. */
  realParams: tf.Variable[];
  #bn = new Map<number, BnState>();

  /**
   * @param spec The architecture; validated by shape inference.
   * @throws {RangeError} If the spec is inconsistent (naming `layers[i]`).
   */
  constructor(spec: ModelSpec) {
    layerOutputShapes(spec);
    this.spec = spec;
    this.binaryShapes = binaryKernelShapes(spec);
    this.realParams = [];
    spec.layers.forEach((layer, i) => {
      if (layer.type !== "batchnorm") return;
      const f = layer.features;
      const state: BnState = {
        runningMean: tf.tidy(() => tf.variable(tf.zeros([f]), false)),
        runningVar: tf.tidy(() => tf.variable(tf.ones([f]), false)),
      };
      if (layer.affine) {
        state.gamma = tf.tidy(() => tf.variable(tf.ones([f]), true));
        state.beta = tf.tidy(() => tf.variable(tf.zeros([f]), true));
        this.realParams.push(state.gamma, state.beta);
      }
      this.#bn.set(i, state);
    });
  }

  /**
   * Logits of a batch. `training` uses batch statistics, updates BN running stats
   * (PyTorch convention, unbiased batch variance for the running estimate) and
   * applies dropout drawn from `rng`.
   *
   * @param weights One kernel per binary layer, shaped as {@linkcode BinaryNet.binaryShapes}.
   * @param x Images `[batch, h, w, c]` matching `spec.inputShape`.
   * @throws {RangeError} On wrong weight/input shapes, or training with batch statistics over one value.
   * @throws {TypeError} If training with dropout and no `rng`.
   */
  apply(weights: tf.Tensor[], x: tf.Tensor4D, opts: ApplyOptions): tf.Tensor2D {
    this.#checkInputs(weights, x);
    return tf.tidy(() => {
      let h: tf.Tensor = x;
      let k = 0;
      this.spec.layers.forEach((layer, i) => {
        h = this.#layer(
          layer,
          i,
          h,
          layer.type === "dense" || layer.type === "conv2d" ? weights[k++] : undefined,
          opts,
        );
      });
      return h as tf.Tensor2D;
    });
  }

  #checkInputs(weights: tf.Tensor[], x: tf.Tensor4D): void {
    if (weights.length !== this.binaryShapes.length) {
      throw new RangeError(
        `Cannot apply BinaryNet as weights must have ${this.binaryShapes.length} tensors: current length is ${weights.length}`,
      );
    }
    weights.forEach((w, i) => {
      if (w.shape.join() !== this.binaryShapes[i].join()) {
        throw new RangeError(
          `Cannot apply BinaryNet as weights[${i}] must have shape [${
            this.binaryShapes[i]
          }]: current shape is [${w.shape}]`,
        );
      }
    });
    if (x.rank !== 4 || x.shape.slice(1).join() !== this.spec.inputShape.join()) {
      throw new RangeError(
        `Cannot apply BinaryNet as x must have shape [batch, ${this.spec.inputShape}]: current shape is [${x.shape}]`,
      );
    }
  }

  #layer(
    layer: LayerSpec,
    i: number,
    h: tf.Tensor,
    w: tf.Tensor | undefined,
    opts: ApplyOptions,
  ): tf.Tensor {
    switch (layer.type) {
      case "flatten":
        return tf.reshape(h, [h.shape[0], -1]);
      case "dropout":
        return opts.training && layer.rate > 0 ? dropout(h, layer.rate, opts.rng, i) : h;
      case "dense":
        return tf.matMul(h as tf.Tensor2D, w as tf.Tensor2D);
      case "conv2d":
        return tf.conv2d(h as tf.Tensor4D, w as tf.Tensor4D, 1, layer.padding);
      case "maxpool":
        return tf.maxPool(h as tf.Tensor4D, layer.size, layer.size, "valid");
      case "relu":
        return tf.relu(h);
      case "batchnorm":
        return this.#batchNorm(layer, this.#bn.get(i)!, h, opts.training, i);
    }
  }

  #batchNorm(
    layer: Extract<LayerSpec, { type: "batchnorm" }>,
    s: BnState,
    h: tf.Tensor,
    training: boolean,
    i: number,
  ): tf.Tensor {
    const axes = h.shape.slice(0, -1).map((_, a) => a);
    let y: tf.Tensor;
    if (training) {
      const n = h.size / layer.features;
      if (n < 2) {
        throw new RangeError(
          `Cannot apply BinaryNet batchnorm layers[${i}] in training mode as it needs more than 1 value per channel: current count is ${n}`,
        );
      }
      const { mean, variance } = tf.moments(h, axes);
      y = tf.mul(tf.sub(h, mean), tf.rsqrt(tf.add(variance, layer.eps)));
      const m = layer.momentum;
      s.runningMean.assign(tf.add(tf.mul(s.runningMean, 1 - m), tf.mul(mean, m)));
      const unbiased = tf.mul(variance, n / (n - 1));
      s.runningVar.assign(tf.add(tf.mul(s.runningVar, 1 - m), tf.mul(unbiased, m)));
    } else {
      y = tf.mul(tf.sub(h, s.runningMean), tf.rsqrt(tf.add(s.runningVar, layer.eps)));
    }
    if (s.gamma && s.beta) y = tf.add(tf.mul(y, s.gamma), s.beta);
    return y;
  }

  /**
   * BN running statistics (and γ/β when affine), keyed `bn.<layer index>.running_mean`,
   * `.running_var`, `.gamma`, `.beta` (copies).
   */
  getState(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    for (const [i, s] of this.#bn) {
      out[`bn.${i}.running_mean`] = s.runningMean.dataSync() as Float32Array;
      out[`bn.${i}.running_var`] = s.runningVar.dataSync() as Float32Array;
      if (s.gamma) out[`bn.${i}.gamma`] = s.gamma.dataSync() as Float32Array;
      if (s.beta) out[`bn.${i}.beta`] = s.beta.dataSync() as Float32Array;
    }
    for (const k in out) out[k] = out[k].slice();
    return out;
  }

  /**
   * Restores {@linkcode BinaryNet.getState}.
   * @throws {RangeError} If a key is missing or an array has the wrong length.
   */
  setState(state: Record<string, Float32Array>): void {
    const assignments: [tf.Variable, Float32Array][] = [];
    for (const [i, s] of this.#bn) {
      const f = s.runningMean.size;
      const pairs: [string, tf.Variable | undefined][] = [
        [`bn.${i}.running_mean`, s.runningMean],
        [`bn.${i}.running_var`, s.runningVar],
        [`bn.${i}.gamma`, s.gamma],
        [`bn.${i}.beta`, s.beta],
      ];
      for (const [key, v] of pairs) {
        if (!v) continue;
        const a = state[key];
        if (!(a instanceof Float32Array) || a.length !== f) {
          throw new RangeError(
            `Cannot set BinaryNet state as ${key} must be a Float32Array of length ${f}: current value is ${
              a instanceof Float32Array ? `length ${a.length}` : String(a)
            }`,
          );
        }
        assignments.push([v, a]);
      }
    }
    for (const [v, a] of assignments) tf.tidy(() => v.assign(tf.tensor1d(a)));
  }

  /** Frees the BN variables. */
  dispose(): void {
    for (const s of this.#bn.values()) {
      tf.dispose([
        s.runningMean,
        s.runningVar,
        ...(s.gamma ? [s.gamma] : []),
        ...(s.beta ? [s.beta] : []),
      ]);
    }
    this.#bn.clear();
    this.realParams = [];
  }
}

/** Inverted dropout with a mask drawn from `rng` in row-major order. */
function dropout(h: tf.Tensor, p: number, rng: Rng | undefined, i: number): tf.Tensor {
  if (!rng) {
    throw new TypeError(
      `Cannot apply BinaryNet dropout layers[${i}] in training mode as rng must be given: current value is undefined`,
    );
  }
  const keep = 1 - p;
  const scale = Math.fround(1 / keep);
  const mask = new Float32Array(h.size);
  for (let j = 0; j < mask.length; j++) mask[j] = rng.uniform() < keep ? scale : 0;
  return tf.mul(h, tf.tensor(mask, h.shape));
}
