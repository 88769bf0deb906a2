/**
 * The training side of bnn: seeded randomness, configs, data, models, optimizers and the
 * Keras-like trainer with its checkpoints, logs and CLI (`train/main.ts`).
 *
 * @example Usage
 * ```ts ignore
 * import { BinaryNet, buildSpec, createOptimizer, Model, resolveConfig, Rng } from "./mod.ts";
 * const config = resolveConfig("ste", undefined, { model_architecture: "MLP_CL" });
 * const net = new BinaryNet(buildSpec(config));
 * const opt = createOptimizer(config.optimizer, { ...config, train_set_size: train.count }, net.binaryShapes, new Rng(1, "optimizer"), net.realParams);
 * const model = new Model(net, opt);
 * await model.fit(train, { epochs: 1, batchSize: 100, lrInit: config.lr_init, lrFinal: config.lr_final, seed: 1 });
 * ```
 * @module
 */
export * from "./random.ts";
export * from "./trainer.ts";
export * from "./continual.ts";
export * from "./data_source.ts";
export * from "./cross_entropy.ts";
export * from "./callbacks.ts";
export * from "./checkpoint.ts";
export * from "./metrics_log.ts";
export * from "./plot.ts";
export * from "./progress.ts";
export * from "./wandb.ts";
export { main, parseCli, UsageError } from "./main.ts";
export type { CliArgs } from "./main.ts";
export {
  CONFIG_KEYS,
  ConfigError,
  configHelp,
  configNotes,
  configOptions,
  configToJson,
  numClasses,
  pickConfigOverrides,
  resolveConfig,
  saveResolvedConfig,
} from "./config/mod.ts";
export type { BayesBiNNConfig, Config, ConfigKey, SteConfig } from "./config/mod.ts";
export * from "./data/mod.ts";
export * from "./backend/mod.ts";
export * from "./models/spec.ts";
export { buildSpec, DATASET_SHAPES } from "./models/architectures.ts";
export type { BuildSpecOptions } from "./models/architectures.ts";
export * from "./models/binary_net.ts";
export * from "./models/summary.ts";
export * from "./optimizers/mod.ts";
