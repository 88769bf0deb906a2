/**
 * bnn: train binary neural networks (every weight ±1) with BayesBiNN or STE on
 * tfjs in Deno, and ship them as standard ONNX with 1-bit weights.
 *
 * The pipeline, one folder per stage: data (`train/data/`) → model
 * (`train/models/`) → optimizer (`train/optimizers/`) → trainer
 * (`train/trainer.ts`) → export (`export/`) → eval (`export/eval.ts`).
 *
 * @example Usage
 * ```ts ignore
 * import { BinaryNet, buildSpec, createOptimizer, initBackend, loadDataset, Model, resolveConfig, Rng } from "./mod.ts";
 *
 * await initBackend();
 * const train = await loadDataset("mnist", "train", { dataDir: "../shared/data/mnist" });
 * const config = resolveConfig("bayesbinn", undefined, {}); // the paper's MNIST setup
 * const net = new BinaryNet(buildSpec(config));
 * const optimizer = createOptimizer(config.optimizer, { ...config, train_set_size: train.count }, net.binaryShapes, new Rng(config.seed, "optimizer"), net.realParams);
 * const model = new Model(net, optimizer);
 * await model.fit(train, { epochs: 1, batchSize: config.batch_size, lrInit: config.lr_init, lrFinal: config.lr_final, seed: config.seed });
 * ```
 * @module
 */
export * from "./cli/mod.ts";
export * from "./train/mod.ts";
export * from "./export/mod.ts";
