/**
 * Binary-weight optimizers for bnn: the {@linkcode BinaryOptimizer} contract, the
 * {@linkcode OptimizerKind}s and the factory {@linkcode createOptimizer};
 * {@linkcode BayesBiNN} (its update equations in its module doc, its fused kernels in
 * `bayes_binn_kernels.ts`, its prediction weights in `bayes_binn_prediction.ts`);
 * {@linkcode STE} with {@linkcode Adam}; their GPU-resident variants for `webgpu`
 * ({@linkcode DeviceBayesBiNN}, {@linkcode DeviceSTE}, {@linkcode DeviceAdam}); and the cosine
 * learning-rate schedule.
 *
 * @example Usage
 * ```ts
 * import { cosineLr, createOptimizer } from "./mod.ts";
 * import { resolveConfig } from "../config/mod.ts";
 * import { Rng } from "../random.ts";
 * const config = resolveConfig("bayesbinn", undefined, {});
 * const opts = { ...config, train_set_size: 54000 };
 * const opt = createOptimizer(config.optimizer, opts, [[784, 10]], new Rng(1, "optimizer"), []);
 * opt.learningRate = cosineLr(0, config.epochs, config.lr_init, config.lr_final);
 * if (opt.learningRate !== 1e-4) throw new Error("epoch 0 uses lr_init");
 * opt.dispose();
 * ```
 * @module
 */

export * from "./optimizer_kind.ts";
export * from "./binary_optimizer.ts";
export * from "./create_optimizer.ts";
export * from "./bayes_binn.ts";
export * from "./bayes_binn_options.ts";
export * from "./bayes_binn_init.ts";
export * from "./bayes_binn_kernels.ts";
export * from "./bayes_binn_prediction.ts";
export * from "./ste.ts";
export * from "./ste_kernel.ts";
export * from "./adam.ts";
export * from "./adam_kernel.ts";
export * from "./device_bayes_binn.ts";
export * from "./device_ste.ts";
export * from "./device_adam.ts";
export * from "./schedule.ts";
