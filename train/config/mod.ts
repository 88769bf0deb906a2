/**
 * Training configs: resolving and checking them ({@linkcode ./config.ts}), the key schema
 * ({@linkcode ./keys.ts}) and the key table for `--help` ({@linkcode ./help.ts}). The dataset and
 * architecture facts the schema reads are re-exported from their homes,
 * `train/data/datasets.ts` and `train/models/architectures.ts`.
 *
 * @example Usage
 * ```ts
 * import { configHelp, resolveConfig } from "./mod.ts";
 * const config = resolveConfig("ste", undefined, { dataset: "cifar10" });
 * if (config.model_architecture !== "VGGBinaryConnect") throw new Error();
 * if (!configHelp("ste").includes("weight_clip_value")) throw new Error();
 * ```
 * @module
 */

export * from "./config.ts";
export { CONFIG_KEYS } from "./keys.ts";
export type {
  BayesBiNNConfig,
  CommonConfig,
  ConfigKey,
  ConfigValue,
  DefaultContext,
  EvaluateMean,
  KeySpec,
  Optimizer,
  SteConfig,
} from "./keys.ts";
export { configHelp } from "./help.ts";
export { type DatasetName, type LabelMode, numClasses } from "../data/datasets.ts";
export {
  type Architecture,
  type ArchitectureInfo,
  ARCHITECTURES,
} from "../models/architectures.ts";
