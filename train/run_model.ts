/**
 * The model of a run: the network, its optimizer and the {@linkcode Model} that a resolved config
 * describes, and the same model restored from one of the run's checkpoints. `train` builds it
 * (and restores it on `--resume`); `export` rebuilds it from a checkpoint alone. One recipe, so
 * that a checkpoint always comes back as the model that wrote it.
 *
 * The optimizer's random stream is `Rng(config.seed, "optimizer")`, as in every run.
 * @module
 */

import { CheckpointError } from "./checkpoint.ts";
import type { Checkpoint } from "./checkpoint.ts";
import { BinaryNet } from "./models/binary_net.ts";
import type { ModelSpec } from "./models/spec.ts";
import { createOptimizer, type OptimizerOptions } from "./optimizers/create_optimizer.ts";
import type { OptimizerKind } from "./optimizers/optimizer_kind.ts";
import { Rng } from "./random.ts";
import { type CheckpointMeta, Model, type ModelOptions } from "./trainer.ts";

/** A config as the run's model needs it: the optimizer kind, its options and the seed. */
export type RunModelConfig = OptimizerOptions & { optimizer: OptimizerKind; seed: number };

/**
 * The network of `spec`, the optimizer of `config` and the model that trains them.
 *
 * @param trainSize The training set's size N (BayesBiNN's update scales with it).
 * @param options How the model evaluates (MC samples, batch size); the defaults otherwise.
 * @throws {RangeError} If the config lacks an optimizer key or holds an invalid value.
 * @example Usage
 * ```ts
 * import { modelOfRun } from "./run_model.ts";
 * import { resolveConfig } from "./config/mod.ts";
 * import { buildSpec, type BuildSpecOptions } from "./models/architectures.ts";
 * const config = resolveConfig("ste", undefined, {});
 * const spec = buildSpec(config as unknown as BuildSpecOptions);
 * const model = modelOfRun({ ...config, train_set_size: 100 }, spec, 100);
 * if (model.net.binaryShapes.length === 0) throw new Error();
 * model.net.dispose();
 * model.optimizer.dispose();
 * ```
 */
export function modelOfRun(
  config: RunModelConfig,
  spec: ModelSpec,
  trainSize: number,
  options: ModelOptions = {},
): Model {
  const net = new BinaryNet(spec);
  const optimizer = createOptimizer(
    config.optimizer,
    { ...config, train_set_size: trainSize },
    net.binaryShapes,
    new Rng(config.seed, "optimizer"),
    net.realParams,
  );
  return new Model(net, optimizer, options);
}

/**
 * Restores `model` from `ckpt` (read from `file`): the weights, the optimizer's state, where
 * training stands and the random streams.
 *
 * @throws {CheckpointError} If the checkpoint holds no training state or does not fit the model.
 * @example Usage
 * ```ts
 * import { modelOfRun, restoreRunModel } from "./run_model.ts";
 * import { CheckpointError } from "./checkpoint.ts";
 * import { resolveConfig } from "./config/mod.ts";
 * import { buildSpec, type BuildSpecOptions } from "./models/architectures.ts";
 * const config = resolveConfig("ste", undefined, {});
 * const spec = buildSpec(config as unknown as BuildSpecOptions);
 * const model = modelOfRun({ ...config, train_set_size: 1 }, spec, 1);
 * let threw = false;
 * try {
 *   restoreRunModel(model, { meta: {} as never, blobs: {} }, "x.ckpt");
 * } catch (e) {
 *   threw = e instanceof CheckpointError;
 * }
 * if (!threw) throw new Error("a checkpoint without training state must be refused");
 * model.net.dispose();
 * model.optimizer.dispose();
 * ```
 */
export function restoreRunModel(
  model: Model,
  ckpt: Checkpoint<CheckpointMeta>,
  file: string,
): void {
  const meta = ckpt.meta;
  if (typeof meta.training !== "object" || meta.training === null) {
    throw new CheckpointError(`checkpoint ${file} holds no training state`);
  }
  if (typeof meta.optimizerScalars !== "object" || meta.optimizerScalars === null) {
    throw new CheckpointError(`checkpoint ${file} holds no optimizer state`);
  }
  try {
    model.restore(ckpt);
  } catch (e) {
    throw new CheckpointError(
      `checkpoint ${file} does not fit this model: ${(e as Error).message.split("\n")[0]}`,
    );
  }
}
