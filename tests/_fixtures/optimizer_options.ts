/**
 * Optimizer options for tests, resolved as the CLI resolves them: the config schema's defaults
 * for the optimizer (the paper's MNIST setup, through `resolveConfig`), so tests never carry a
 * copy of a default.
 * @module
 */
import { resolveConfig } from "../../train/config/mod.ts";
import type { OptimizerOptions } from "../../train/optimizers/create_optimizer.ts";
import type { OptimizerKind } from "../../train/optimizers/optimizer_kind.ts";

/**
 * The resolved config of `kind` with `overrides` on top, as {@linkcode OptimizerOptions}.
 * `train_set_size` is not a config key: BayesBiNN needs it in `overrides` (without it,
 * `createOptimizer` rejects the options, which one test checks).
 *
 * @example Usage
 * ```ts
 * import { optimizerOptions } from "./optimizer_options.ts";
 * const opts = optimizerOptions("bayesbinn", { train_set_size: 100, mc_steps: 2 });
 * if (opts.temperature !== 1e-10 || opts.mc_steps !== 2) throw new Error();
 * ```
 */
export function optimizerOptions<K extends OptimizerKind>(
  kind: K,
  overrides: Partial<OptimizerOptions<K>> = {},
): OptimizerOptions<K> {
  const config = resolveConfig(kind, undefined, {});
  return { ...config, ...overrides } as unknown as OptimizerOptions<K>;
}
