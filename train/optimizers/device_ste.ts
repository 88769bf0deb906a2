/**
 * {@linkcode STE} with its latent weights and Adam's moments in tfjs variables on the active
 * backend: the optimizer bnn uses on `webgpu` (see `createOptimizer`). Equations (1)–(5) of
 * ./ste.ts: w_b = +1 where w_r ≥ 0, else −1 (a `where` on the device; NaN gives −1 as the CPU
 * kernel), then {@linkcode DeviceAdam} with the clamps. Nothing but the loss is read back per
 * step. The initial latent weights are {@linkcode latentInit}'s (the same numbers as on the
 * CPU backends); the state has the keys of {@linkcode STE.getState}. `stepAsync` and
 * `getStateAsync` read with `await` (every backend, `webgpu` included); `step` and `getState`
 * read synchronously.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../random.ts";
import type { BinaryOptimizer, LossFn, OptimizerState, StepResult } from "./binary_optimizer.ts";
import { DeviceAdam } from "./device_adam.ts";
import { type DeviceState, readState, readStateAsync, variablesOf } from "./_device_state.ts";
import { lossAndGradTensors } from "./_loss_grads.ts";
import { assignArrays, readRngState, stateArray } from "./_state.ts";
import { checkSteOptions, latentInit, type STEOptions } from "./ste.ts";

/**
 * STE on the device.
 *
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { DeviceSTE } from "./device_ste.ts";
 * import { Rng } from "../random.ts";
 * const ste = new DeviceSTE([[2, 1]], new Rng(1, "ste"), {
 *   learningRate: 0.1, gradClipValue: null, weightClipValue: 1,
 * });
 * const x = tf.tensor2d([[1, -1]]);
 * const r = await ste.stepAsync((w) => {
 *   const logits = tf.matMul(x, w[0]) as tf.Tensor2D;
 *   return { loss: tf.sum(logits), logits };
 * });
 * r.logits.dispose();
 * const [wb] = ste.modeWeights();
 * if (!(await wb.data()).every((v) => v === 1 || v === -1)) throw new Error("±1");
 * tf.dispose([wb, x]);
 * ste.dispose();
 * ```
 */
export class DeviceSTE implements BinaryOptimizer {
  readonly kind = "ste" as const;
  learningRate: number;
  readonly gradClipValue: number | null;
  readonly weightClipValue: number | null;
  readonly realParams: tf.Variable[];
  readonly #latent: tf.Variable[];
  readonly #adam: DeviceAdam;
  /** The optimizer Rng's state after the initialisation (saved, as STE's). */
  #rng: number[];

  /** Same arguments, checks and initial latent weights as {@linkcode STE}'s constructor. */
  constructor(shapes: number[][], rng: Rng, opts: STEOptions) {
    const { gradClip, weightClip } = checkSteOptions(opts);
    this.learningRate = opts.learningRate;
    this.gradClipValue = gradClip;
    this.weightClipValue = weightClip;
    this.realParams = opts.realParams ?? [];
    this.#latent = variablesOf(shapes.map((s) => latentInit(s, rng)), shapes);
    this.#rng = rng.state();
    this.#adam = new DeviceAdam(
      [
        ...this.#latent.map((w) => ({ size: w.size, gradClip, weightClip })),
        ...this.realParams.map((p) => ({ size: p.size, gradClip })),
      ],
      [...shapes, ...this.realParams.map((p) => p.shape)],
    );
  }

  /** {@inheritDoc BinaryOptimizer.step} Reads the loss synchronously (not on `webgpu`). */
  step(lossFn: LossFn): StepResult {
    const { loss, logits } = this.#step(lossFn);
    const value = loss.dataSync()[0];
    loss.dispose();
    return { loss: value, logits };
  }

  /** {@linkcode DeviceSTE.step} reading the loss with `await` (every backend). */
  async stepAsync(lossFn: LossFn): Promise<StepResult> {
    const { loss, logits } = this.#step(lossFn);
    const value = (await loss.data())[0];
    loss.dispose();
    return { loss: value, logits };
  }

  #step(lossFn: LossFn): { loss: tf.Scalar; logits: tf.Tensor2D } {
    const w = this.modeWeights();
    try {
      const r = lossAndGradTensors(lossFn, w, this.realParams, true);
      try {
        this.#adam.apply([...this.#latent, ...this.realParams], r.grads, this.learningRate);
      } finally {
        tf.dispose(r.grads);
      }
      return { loss: r.loss, logits: r.logits! };
    } finally {
      tf.dispose(w);
    }
  }

  /** sign(w_r), 0 → +1, NaN → −1. */
  modeWeights(): tf.Tensor[] {
    return tf.tidy(() => this.#latent.map((w) => tf.where(tf.greaterEqual(w, 0), 1, -1)));
  }

  /** STE is deterministic: the mode (`rng` is not used). */
  sampleWeights(_rng: Rng): tf.Tensor[] {
    return this.modeWeights();
  }

  #stateTensors(): DeviceState {
    const adam = this.#adam.stateTensors("adam.");
    const numbers: Record<string, number> = { ...adam.numbers };
    this.#rng.forEach((x, k) => numbers[`rng.${k}`] = x);
    const latent = this.#latent.map((w, i): [string, tf.Tensor] => [`latent.${i}`, w]);
    return { numbers, tensors: [...adam.tensors, ...latent] };
  }

  /** {@inheritDoc STE.getState} Reads synchronously (not on `webgpu`). */
  getState(): OptimizerState {
    return readState(this.#stateTensors());
  }

  /** {@linkcode DeviceSTE.getState} read with `await` (every backend). */
  getStateAsync(): Promise<OptimizerState> {
    return readStateAsync(this.#stateTensors());
  }

  /** Restores {@linkcode STE.getState}'s keys (validated before anything changes). */
  setState(s: OptimizerState): void {
    const latent = this.#latent.map((w, i) => stateArray(s, `latent.${i}`, w.size));
    const rng = readRngState(s);
    this.#adam.setState(s, "adam.");
    assignArrays(this.#latent, latent);
    this.#rng = [...rng];
  }

  /** Frees the latent weights and Adam's moments (not the real params). */
  dispose(): void {
    tf.dispose(this.#latent);
    this.#adam.dispose();
  }
}
