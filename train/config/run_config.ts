/**
 * A run's config together with its data, for custom datasets whose classes and image shape
 * are only known from their files:
 *
 * 1. the config is resolved without the files (every check that needs none);
 * 2. the image size and channels to decode follow from it ({@linkcode decodeShape});
 * 3. the data is loaded (`loadRunData`, kept for the process so training reads it once);
 * 4. the config is resolved again with the files' facts: `output_shape` defaults to their
 *    class count, an MLP's `input_shape` to their flattened size, and both are checked, as is
 *    the architecture against the image size (one line where it cannot take it).
 *
 * A built-in dataset's config is resolved as always, in one step.
 *
 * @module
 */

import { checkConfigFitsData, type Config, resolveConfig } from "./config.ts";
import type { DataFacts, Optimizer } from "./keys.ts";
import { ARCHITECTURES } from "../models/architectures.ts";
import { DATASETS } from "../data/datasets.ts";
import { isCustomDataset } from "../data/dataset_ref.ts";
import { loadRunData, type RunData, type RunDataOptions } from "../data/run_data.ts";

/**
 * The side and channels a custom set's images are decoded to: `image_size`, else 32 for
 * `cifar:` records and for `folder:` the side of the architecture's own dataset (28 for the
 * MNIST nets, 32 for the CIFAR nets); the conv
 * nets' input channels, and for an MLP 1 (grey) unless its `input_shape` is side²×3.
 *
 * @param config A resolved config.
 * @returns The side and channels.
 *
 * @example Usage
 * ```ts
 * import { decodeShape } from "./run_config.ts";
 * import { resolveConfig } from "./config.ts";
 * const c = resolveConfig("ste", undefined, { dataset: "folder:x", model_architecture: "VGGBinaryConnect" });
 * const s = decodeShape(c);
 * if (s.size !== 32 || s.channels !== 3) throw new Error(JSON.stringify(s));
 * ```
 */
export function decodeShape(config: Config): { size: number; channels: 1 | 3 } {
  const arch = ARCHITECTURES[config.model_architecture];
  const own = DATASETS[arch.datasets[0]!];
  // CIFAR records are 32×32 unless image_size says otherwise, whatever the architecture
  const size = config.image_size || (config.dataset.startsWith("cifar:") ? 32 : own.height);
  if (!arch.mlp) return { size, channels: arch.inputShape === 1 ? 1 : 3 };
  return { size, channels: config.input_shape === size * size * 3 ? 3 : 1 };
}

/**
 * The facts of a custom set's loaded data that a config is checked against.
 *
 * @param data A custom set's loaded data (with its record).
 * @returns The image shape, class count and train images before `limit_train`.
 *
 * @example Usage
 * ```ts
 * import { dataFacts } from "./run_config.ts";
 * const ds = { name: "x", images: new Uint8Array(8), labels: new Uint8Array(2), count: 2,
 *   height: 2, width: 2, channels: 1, numClasses: 3 };
 * const record = { train: { images: 5 } } as never;
 * if (dataFacts({ train: ds, test: ds, record }).trainCount !== 5) throw new Error();
 * ```
 */
export function dataFacts(data: RunData): DataFacts {
  const { height, width, channels, numClasses } = data.train;
  return { height, width, channels, numClasses, trainCount: data.record!.train.images };
}

/**
 * Resolves a new run's config (see the module doc): for a custom set, reading its files.
 *
 * @param optimizer The command's optimizer.
 * @param file The JSON config, if any.
 * @param overrides The config flags.
 * @param options Where the data is, the cache, where progress goes.
 * @returns The config, and the custom set's data (null for a built-in dataset).
 * @throws {ConfigError} On a bad config or one that does not fit the data.
 * @throws {DataError} On a bad dataset file or folder.
 *
 * @example Usage
 * ```ts
 * import { resolveRunConfig } from "./run_config.ts";
 * const dir = await Deno.makeTempDir();
 * const records = new Uint8Array(4 * 5);
 * for (let i = 0; i < 5; i++) records[4 * i] = i % 3;
 * await Deno.writeFile(`${dir}/data_batch_1.bin`, records);
 * await Deno.writeFile(`${dir}/test_batch.bin`, records);
 * const { config } = await resolveRunConfig("ste", undefined, {
 *   dataset: `cifar:${dir}`, image_size: "1", batch_size: "2", validation_split: "0",
 *   model_architecture: "BinaryConnect",
 * }, {});
 * await Deno.remove(dir, { recursive: true });
 * if (config.output_shape !== 3 || config.input_shape !== 3) throw new Error(JSON.stringify(config));
 * ```
 */
export async function resolveRunConfig(
  optimizer: Optimizer,
  file: string | undefined,
  overrides: Readonly<Record<string, string | undefined>>,
  options: RunDataOptions,
): Promise<{ config: Config; data: RunData | null }> {
  const draft = resolveConfig(optimizer, file, overrides);
  if (!isCustomDataset(draft.dataset)) return { config: draft, data: null };
  const shape = decodeShape(draft);
  if (!draft.dataset.startsWith("idx:")) {
    // the size a folder is decoded to (or CIFAR records have) is known: check it before decoding
    const { size, channels } = shape;
    resolveConfig(optimizer, file, overrides, { height: size, width: size, channels });
  }
  const data = await loadRunData(draft, { ...options, ...shape });
  return { config: resolveConfig(optimizer, file, overrides, dataFacts(data)), data };
}

/**
 * Loads the data of a resolved config (a new run's, or a resumed run's saved one) and, for a
 * custom set, checks the config against its files.
 *
 * @param config A resolved config.
 * @param options Where the data is, the cache, where progress goes.
 * @param source Where the config came from, for a message.
 * @returns The data.
 * @throws {ConfigError} If the config does not fit the files.
 * @throws {DataError} On a bad dataset file or folder.
 *
 * @example Usage
 * ```ts ignore
 * import { loadConfigData } from "./run_config.ts";
 * const data = await loadConfigData(config, { dataDir: "../shared/data" }, "runs/x/config.json");
 * ```
 */
export async function loadConfigData(
  config: Config,
  options: RunDataOptions,
  source: string,
): Promise<RunData> {
  if (!isCustomDataset(config.dataset)) return await loadRunData(config, options);
  const data = await loadRunData(config, { ...options, ...decodeShape(config) });
  checkConfigFitsData(config, dataFacts(data), source);
  return data;
}
