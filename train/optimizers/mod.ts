/**
 * Binary-weight optimizers for bnn: the {@linkcode BinaryOptimizer} contract and
 * its factory, {@linkcode BayesBiNN} (with its prediction weights as separate
 * functions; the update runs in bnn's fused kernels), {@linkcode STE} with Adam,
 * and the cosine learning-rate schedule.
 *
 * @example Usage
 * ```ts
 * import { cosineLr, createOptimizer } from "./mod.ts";
 * import { Rng } from "../random.ts";
 * const opt = createOptimizer("bayesbinn", { train_set_size: 54000 }, [[784, 10]], new Rng(1, "optimizer"), []);
 * opt.learningRate = cosineLr(0, 500, 1e-4, 1e-16);
 * if (opt.learningRate !== 1e-4) throw new Error("epoch 0 uses lr_init");
 * opt.dispose();
 * ```
 * @module
 */

export * from "./optimizer.ts";
export * from "./bayes_binn.ts";
export * from "./bayes_binn_math.ts";
export * from "./ste.ts";
export * from "./adam.ts";
export * from "./schedule.ts";
