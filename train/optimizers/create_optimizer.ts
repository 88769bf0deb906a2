/**
 * Builds a {@linkcode BinaryOptimizer} from a resolved config: the bridge from the config keys
 * (snake_case, as in the reproduction's JSON configs) to the optimizers' options.
 *
 * It takes every value it reads and has no defaults of its own: the defaults (the paper's
 * values for the dataset and architecture) live in the config schema alone,
 * `train/config/keys.ts`, and `resolveConfig` fills them in. A missing key is an error.
 *
 * The learning rate: `lr_init` starts the optimizer's `learningRate`, which is the schedule's
 * value at epoch 0 (`cosineLr(0, E, lr_init, lr_final)` = lr_init exactly), so an optimizer
 * stepped outside the trainer (tests, benchmarks) uses the configured rate. From then on the
 * schedule owns it: `Model.fit` sets `learningRate = cosineLr(epoch, …)` before every epoch,
 * from the same config's `lr_init` and `lr_final`.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { BayesBiNNConfig, SteConfig } from "../config/mod.ts";
import type { Rng } from "../random.ts";
import { BayesBiNN } from "./bayes_binn.ts";
import type { BinaryOptimizer } from "./binary_optimizer.ts";
import { DeviceBayesBiNN } from "./device_bayes_binn.ts";
import { DeviceSTE } from "./device_ste.ts";
import { OPTIMIZER_KINDS, type OptimizerKind } from "./optimizer_kind.ts";
import { STE } from "./ste.ts";

/** The keys BayesBiNN reads, in the order they are checked for presence. */
const BAYESBINN_KEYS = [
  "train_set_size",
  "trainset_scale",
  "lr_init",
  "temperature",
  "mc_steps",
  "beta",
  "lambda_init",
  "lambda_std",
  "kl_reweight",
] as const;

/** The keys STE reads, in the order they are checked for presence. */
const STE_KEYS = ["lr_init", "grad_clip_value", "weight_clip_value"] as const;

/**
 * What {@linkcode createOptimizer} reads for BayesBiNN: the resolved config's keys (see
 * `train/config/keys.ts` for each one's meaning and default) and `train_set_size`, the number
 * of training examples after the validation split (N = train_set_size × trainset_scale).
 *
 * @example Usage
 * ```ts
 * import type { BayesBiNNConfigValues } from "./create_optimizer.ts";
 * const mnist: BayesBiNNConfigValues = {
 *   train_set_size: 54000, trainset_scale: 1, lr_init: 1e-4, temperature: 1e-10, mc_steps: 1,
 *   beta: 0, lambda_init: 10, lambda_std: 0, kl_reweight: 1,
 * };
 * if (mnist.train_set_size !== 54000) throw new Error();
 * ```
 */
export type BayesBiNNConfigValues =
  & Pick<BayesBiNNConfig, Exclude<typeof BAYESBINN_KEYS[number], "train_set_size">>
  & { train_set_size: number };

/**
 * What {@linkcode createOptimizer} reads for STE: the resolved config's keys. A clamp of 0 or
 * null means none (the config allows 0 for `grad_clip_value`).
 *
 * @example Usage
 * ```ts
 * import type { SteConfigValues } from "./create_optimizer.ts";
 * const paper: SteConfigValues = { lr_init: 1e-2, grad_clip_value: 1, weight_clip_value: 1 };
 * if (paper.lr_init !== 1e-2) throw new Error();
 * ```
 */
export type SteConfigValues =
  & Pick<SteConfig, "lr_init">
  & { [K in Exclude<typeof STE_KEYS[number], "lr_init">]: SteConfig[K] | null };

/**
 * The options {@linkcode createOptimizer} takes for each kind.
 *
 * @example Usage
 * ```ts
 * import type { OptimizerOptionsByKind } from "./create_optimizer.ts";
 * type SteOptions = OptimizerOptionsByKind["ste"];
 * const ste: SteOptions = { lr_init: 1e-2, grad_clip_value: 0, weight_clip_value: 1 };
 * if (ste.grad_clip_value !== 0) throw new Error();
 * ```
 */
export interface OptimizerOptionsByKind {
  bayesbinn: BayesBiNNConfigValues;
  ste: SteConfigValues;
}

/**
 * The options of kind `K` (of either kind when `K` is not narrowed): a resolved config with,
 * for BayesBiNN, `train_set_size` added.
 *
 * @example Usage
 * ```ts
 * import type { OptimizerOptions } from "./create_optimizer.ts";
 * import { resolveConfig } from "../config/mod.ts";
 * const config = resolveConfig("bayesbinn", undefined, {});
 * const opts: OptimizerOptions = { ...config, train_set_size: 54000 };
 * if (!("temperature" in opts) || opts.temperature !== 1e-10) throw new Error();
 * ```
 */
export type OptimizerOptions<K extends OptimizerKind = OptimizerKind> = OptimizerOptionsByKind[K];

/** Throws unless every key is set (null counts as set: "no clamp"). */
function requireKeys(optimizer: string, opts: object, keys: readonly string[]): void {
  for (const key of keys) {
    const value = (opts as Record<string, unknown>)[key];
    if (value === undefined) {
      throw new RangeError(
        `Cannot create ${optimizer} as ${key} must be given: current value is undefined`,
      );
    }
  }
}

/** A config clamp as STE takes it: 0 or null means none. */
function clampOrNone(value: number | null): number | null {
  return value === 0 ? null : value;
}

/** On `webgpu` the optimizers keep their state on the GPU (./device_bayes_binn.ts). */
function onGpu(): boolean {
  return tf.getBackend() === "webgpu";
}

function createBayesBiNN(
  opts: BayesBiNNConfigValues,
  shapes: number[][],
  rng: Rng,
  realParams: tf.Variable[],
): BayesBiNN | DeviceBayesBiNN {
  requireKeys("BayesBiNN", opts, BAYESBINN_KEYS);
  return new (onGpu() ? DeviceBayesBiNN : BayesBiNN)(shapes, rng, {
    learningRate: opts.lr_init,
    temperature: opts.temperature,
    mcSteps: opts.mc_steps,
    trainSetSize: opts.train_set_size * opts.trainset_scale,
    beta: opts.beta,
    lambdaInit: opts.lambda_init,
    lambdaStd: opts.lambda_std,
    klReweight: opts.kl_reweight,
    realParams,
  });
}

function createSte(
  opts: SteConfigValues,
  shapes: number[][],
  rng: Rng,
  realParams: tf.Variable[],
): STE | DeviceSTE {
  requireKeys("STE", opts, STE_KEYS);
  return new (onGpu() ? DeviceSTE : STE)(shapes, rng, {
    learningRate: opts.lr_init,
    gradClipValue: clampOrNone(opts.grad_clip_value),
    weightClipValue: clampOrNone(opts.weight_clip_value),
    realParams,
  });
}

/**
 * Builds a {@linkcode BinaryOptimizer} from resolved config values: on the `webgpu` backend
 * the device variants ({@linkcode DeviceBayesBiNN}, {@linkcode DeviceSTE}; state on the GPU).
 *
 * @param kind `"bayesbinn"` or `"ste"`.
 * @param opts The resolved config (see {@linkcode OptimizerOptions}); keys of the other kind
 *   and keys the optimizer does not read are ignored.
 * @param shapes One shape per binary layer (`BinaryNet.binaryShapes`).
 * @param rng The optimizer's own random stream (initialisation, then Gumbel noise).
 * @param realParams Real-valued parameters trained with Adam (BN γ/β), possibly empty.
 * @throws {RangeError} If `kind` is unknown, a key is missing or a value is out of range.
 *
 * @example Usage
 * ```ts
 * import { createOptimizer } from "./create_optimizer.ts";
 * import { BayesBiNN } from "./bayes_binn.ts";
 * import { resolveConfig } from "../config/mod.ts";
 * import { Rng } from "../random.ts";
 * const config = resolveConfig("bayesbinn", undefined, { dataset: "cifar100" });
 * const opt = createOptimizer(
 *   config.optimizer,
 *   { ...config, train_set_size: 45000 },
 *   [[3, 3, 3, 128]],
 *   new Rng(1, "optimizer"),
 *   [],
 * );
 * if (!(opt instanceof BayesBiNN) || opt.temperature !== 1e-8) throw new Error("CIFAR-100 τ");
 * opt.dispose();
 * ```
 */
export function createOptimizer<K extends OptimizerKind>(
  kind: K,
  opts: OptimizerOptions<K>,
  shapes: number[][],
  rng: Rng,
  realParams: tf.Variable[],
): BinaryOptimizer {
  const known: OptimizerKind = kind;
  switch (known) {
    case "bayesbinn":
      return createBayesBiNN(opts as BayesBiNNConfigValues, shapes, rng, realParams);
    case "ste":
      return createSte(opts as SteConfigValues, shapes, rng, realParams);
    default:
      throw new RangeError(
        `Cannot create an optimizer as kind must be ${
          OPTIMIZER_KINDS.map((k) => JSON.stringify(k)).join(" or ")
        }: current value is ${JSON.stringify(known satisfies never)}`,
      );
  }
}
