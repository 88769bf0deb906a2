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
 * import { BinaryNet, buildSpec, createOptimizer, initBackend, loadDataset, Model, Rng } from "./mod.ts";
 *
 * await initBackend();
 * const train = await loadDataset("mnist", "train", { dataDir: "../shared/data/mnist" });
 * const net = new BinaryNet(buildSpec({ model_architecture: "BinaryConnect", dataset: "mnist" }));
 * const optimizer = createOptimizer("bayesbinn", { train_set_size: 60000 }, net.binaryShapes, new Rng(1, "optimizer"), net.realParams);
 * const model = new Model(net, optimizer);
 * await model.fit(train, { epochs: 1, batchSize: 100, lrInit: 1e-4, lrFinal: 1e-16, seed: 1 });
 * ```
 * @module
 */
export * from "./train/mod.ts";
export * from "./export/mod.ts";
