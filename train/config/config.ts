/**
 * Training configs: one flat object with snake_case keys exactly as the JSON configs of
 * the reproduction (`prateekstark/training-binary-neural-network/configs/*.json`), plus
 * bnn's keys (`seed`, `beta`, `trainset_scale`, `lambda_init`, `kl_reweight`, …).
 *
 * A config is resolved in three layers, later ones winning:
 * 1. defaults: the paper's values (Table 9, App. B) for the dataset and architecture,
 *    so with no file at all `train:bayesbinn` / `train:ste` train the paper's MNIST MLP;
 * 2. a JSON file (e.g. `configs/cifar10_bayesbinn.json`);
 * 3. command-line overrides `--key value` (snake_case, or kebab-case `--batch-size`).
 *
 * Every value is checked (type, range, allowed set, and the optimizer it applies to),
 * then the keys are checked against each other (architecture vs dataset and
 * input_shape, output_shape vs classes, lr_final <= lr_init, …). Any problem throws a
 * {@linkcode ConfigError} whose one-line message names the file or flag, the key, the
 * value and what is allowed.
 *
 * Reproduction keys that an architecture does not use are accepted and ignored, never
 * rejected, because the reproduction's own files carry them: `drop_prob` means
 * nothing to the conv nets (its CIFAR configs set 0.2). {@linkcode configNotes} lists
 * such values so the CLI can say so. `momentum` is the BatchNorm momentum, not the
 * optimizer's β (that is `beta`).
 *
 * @example Usage
 * ```ts
 * import { resolveConfig } from "./config.ts";
 * const config = resolveConfig("bayesbinn", undefined, { epochs: "3", "batch-size": "50" });
 * if (config.optimizer !== "bayesbinn" || config.temperature !== 1e-10) throw new Error();
 * if (config.epochs !== 3 || config.batch_size !== 50) throw new Error();
 * ```
 * @module
 */

import { closest } from "../../cli/closest.ts";
import { oneLine, UserError } from "../../cli/errors.ts";
import { checkValue, describeAllowed, formatNumber, formatValue, parseFlagValue } from "./check.ts";
import {
  type BayesBiNNConfig,
  CONFIG_KEYS,
  type ConfigKey,
  type ConfigValue,
  type DataFacts,
  type DefaultContext,
  defaultsDataset,
  type Optimizer,
  type SteConfig,
} from "./keys.ts";
import { DATASETS, type LabelMode, numClasses } from "../data/datasets.ts";
import { absoluteDatasetValue, isCustomDataset } from "../data/dataset_ref.ts";
import { type Architecture, ARCHITECTURES } from "../models/architectures.ts";
import { isOptimizerKind, OPTIMIZER_KINDS } from "../optimizers/optimizer_kind.ts";

/**
 * A resolved, validated, frozen config. `optimizer` discriminates the union:
 * BayesBiNN configs carry `temperature`, `mc_steps`, …; STE configs carry the clip values.
 *
 * @example Usage
 * ```ts
 * import { type Config, resolveConfig } from "./config.ts";
 * const config: Config = resolveConfig("ste", undefined, {});
 * if (config.optimizer === "ste" && config.weight_clip_value !== 1) throw new Error();
 * ```
 */
export type Config = Readonly<BayesBiNNConfig> | Readonly<SteConfig>;

/**
 * A bad config file, key, value or flag. `message` is one line naming the source
 * (file path or `command line`), the key or flag, the value and what is allowed.
 *
 * @example Usage
 * ```ts
 * import { ConfigError, resolveConfig } from "./config.ts";
 * try {
 *   resolveConfig("bayesbinn", undefined, { temperature: "0" });
 *   throw new Error("not reached");
 * } catch (e) {
 *   if (!(e instanceof ConfigError) || e.key !== "temperature") throw e;
 * }
 * ```
 */
export class ConfigError extends UserError {
  /** The config file's path, or `command line`, or `defaults`. */
  readonly source: string;
  /** The offending key (snake_case), or `""` when the whole file is bad. */
  readonly key: string;
  /** The offending value as given (flag values as the raw string). */
  readonly value: unknown;

  constructor(source: string, key: string, value: unknown, message: string) {
    super(message.replace(/\s*\n\s*/g, " "));
    this.name = "ConfigError";
    this.source = source;
    this.key = key;
    this.value = value;
  }
}

/** The keys in table order: the reproduction's file order, then bnn's keys. */
const KEY_ORDER = Object.keys(CONFIG_KEYS) as ConfigKey[];

type Origin =
  | { kind: "file"; file: string }
  | { kind: "flag"; flag: string; raw: string }
  | { kind: "default" };
interface Entry {
  value: ConfigValue;
  origin: Origin;
}

function isKey(name: string): name is ConfigKey {
  return Object.hasOwn(CONFIG_KEYS, name);
}

function sourceOf(origin: Origin): string {
  return origin.kind === "file"
    ? origin.file
    : origin.kind === "flag"
    ? "command line"
    : "defaults";
}

/** Throws the one-line error for `key`, worded by where its value came from. */
function fail(key: string, entry: { value: unknown; origin: Origin }, problem: string): never {
  const { origin } = entry;
  const subject = origin.kind === "flag"
    ? `command line: --${origin.flag} ${JSON.stringify(origin.raw)}`
    : `${sourceOf(origin)}: key "${key}" = ${formatValue(entry.value)}`;
  const value = origin.kind === "flag" ? origin.raw : entry.value;
  throw new ConfigError(sourceOf(origin), key, value, `${subject} ${problem}`);
}

/** Where another key's value came from, for cross-key messages. */
function setBy(entry: Entry): string {
  if (entry.origin.kind === "flag") return ` (set by --${entry.origin.flag})`;
  if (entry.origin.kind === "default") return " (the default)";
  return "";
}

function didYouMean(near: string | undefined): string {
  return near === undefined ? "" : ` (did you mean "${near}"?)`;
}

function suggestion(word: string, candidates: readonly string[]): string {
  return didYouMean(closest(word, candidates));
}

/** Checks one value: the optimizer it applies to, its type, range and allowed set. */
function checkEntry(optimizer: Optimizer, key: ConfigKey, entry: Entry): void {
  const spec = CONFIG_KEYS[key];
  if (!spec.appliesTo.includes(optimizer)) {
    fail(
      key,
      entry,
      `applies only to ${spec.appliesTo.join(", ")}, not to ${optimizer}: remove it`,
    );
  }
  const problem = checkValue(spec, entry.value);
  if (problem === undefined) return;
  const near = spec.type === "string" && typeof entry.value === "string"
    ? suggestion(entry.value, spec.values ?? [])
    : "";
  fail(key, entry, `${problem}: expected ${describeAllowed(spec)}${near}`);
}

function readFile(optimizer: Optimizer, file: string, given: Map<ConfigKey, Entry>): void {
  const whole = (problem: string) => new ConfigError(file, "", undefined, `${file}: ${problem}`);
  let text = "";
  try {
    text = Deno.readTextFileSync(file);
  } catch (e) {
    if (e instanceof Deno.errors.IsADirectory) throw whole("is a folder, not a config file");
    throw whole(`cannot read config file: ${e instanceof Error ? e.message : String(e)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, "")); // a byte-order mark, as some editors write
  } catch (e) {
    // V8 quotes the text around the error: control characters and U+FFFD (from bytes that are
    // not UTF-8) as escapes, to keep the message one readable line
    throw whole(`is not valid JSON: ${oneLine(e instanceof Error ? e.message : String(e), 200)}`);
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw whole(`must hold one JSON object of config keys, got ${formatValue(data)}`);
  }
  const origin: Origin = { kind: "file", file };
  for (const [name, value] of Object.entries(data as Record<string, unknown>)) {
    if (name === "optimizer") {
      if (value !== optimizer) {
        fail(name, { value, origin }, `does not match this run's optimizer "${optimizer}"`);
      }
      continue;
    }
    if (!isKey(name)) {
      throw whole(
        `unknown key ${formatValue(name)}${
          suggestion(name, KEY_ORDER)
        }: allowed keys are listed by --help`,
      );
    }
    const entry = { value: value as ConfigValue, origin };
    checkEntry(optimizer, name, entry);
    given.set(name, entry);
  }
}

function readOverrides(
  optimizer: Optimizer,
  overrides: Readonly<Record<string, string | undefined>>,
  given: Map<ConfigKey, Entry>,
): void {
  const flagOf = new Map<ConfigKey, string>();
  for (const [name, raw] of Object.entries(overrides)) {
    if (raw === undefined) continue;
    const flag = name.replace(/^--/, "");
    const key = flag.replaceAll("-", "_");
    const origin: Origin = { kind: "flag", flag, raw };
    if (key === "optimizer") {
      fail(key, { value: raw, origin }, "cannot be set: run train:bayesbinn or train:ste instead");
    }
    if (!isKey(key)) {
      throw new ConfigError(
        "command line",
        flag,
        raw,
        `command line: unknown flag --${flag}${didYouMean(closestConfigFlag(flag))}`,
      );
    }
    const spec = CONFIG_KEYS[key];
    const value = parseFlagValue(spec, raw);
    if (value === undefined) {
      fail(key, { value: raw, origin }, `has the wrong type: expected ${describeAllowed(spec)}`);
    }
    // the same key twice (--batch_size and --batch-size) is fine with the same value
    const earlier = flagOf.get(key);
    if (earlier !== undefined && given.get(key)?.value !== value) {
      fail(key, { value: raw, origin }, `sets ${key} again (already set by --${earlier})`);
    }
    flagOf.set(key, flag);
    const entry = { value, origin };
    checkEntry(optimizer, key, entry);
    given.set(key, entry);
  }
}

/**
 * Every key of the optimizer (and of the dataset): given, or the default for the dataset,
 * architecture and, for a custom set, its files' facts. A custom set's path is made absolute.
 */
function withDefaults(
  optimizer: Optimizer,
  given: Map<ConfigKey, Entry>,
  data?: DataFacts,
): Map<ConfigKey, Entry> {
  const dataset = String(given.get("dataset")?.value ?? "mnist");
  const ctx: DefaultContext = {
    optimizer,
    dataset: defaultsDataset(dataset),
    labelMode: (given.get("label_mode")?.value ?? "fine") as LabelMode,
    architecture: "BinaryConnect",
    data,
  };
  ctx.architecture = (given.get("model_architecture")?.value ??
    CONFIG_KEYS.model_architecture.default(ctx)) as Architecture;
  const all = new Map<ConfigKey, Entry>();
  for (const key of KEY_ORDER) {
    const spec = CONFIG_KEYS[key];
    if (!spec.appliesTo.includes(optimizer)) continue;
    if (spec.forDataset !== undefined && !spec.forDataset(dataset)) {
      const entry = given.get(key);
      if (entry !== undefined) {
        fail(key, entry, `applies only to ${spec.forDatasetDoc}, not to dataset "${dataset}"`);
      }
      continue;
    }
    const entry = given.get(key) ??
      { value: spec.default(ctx), origin: { kind: "default" } as const };
    checkEntry(optimizer, key, entry);
    all.set(key, entry);
  }
  const entry = all.get("dataset")!;
  all.set("dataset", { ...entry, value: absoluteDatasetValue(String(entry.value)) });
  return all;
}

/**
 * The checks that involve more than one key; for a custom set, those against its files'
 * facts only once they are known (`data`).
 */
function crossCheck(all: Map<ConfigKey, Entry>, data?: DataFacts): void {
  const entry = (key: ConfigKey): Entry => {
    const e = all.get(key);
    if (e === undefined) throw new Error(`bnn bug: config key ${key} was not resolved`);
    return e;
  };
  const num = (key: ConfigKey) => entry(key).value as number;
  const dataset = entry("dataset").value as string;
  const custom = isCustomDataset(dataset);
  const architecture = entry("model_architecture").value as Architecture;
  const labelMode = entry("label_mode").value as LabelMode;
  const info = ARCHITECTURES[architecture];
  const onDataset = `dataset is "${dataset}"${setBy(entry("dataset"))}`;

  if (custom) {
    crossCheckCustom(all, data);
  } else if (!info.datasets.includes(dataset as (typeof info.datasets)[number])) {
    const needs = info.datasets.map((d) => `"${d}"`).join(" or ");
    fail(
      "model_architecture",
      entry("model_architecture"),
      `needs dataset ${needs}, but ${onDataset}`,
    );
  }
  if (!custom && num("input_shape") !== info.inputShape) {
    const what = info.inputShape === 784 ? "flattened 28x28 image" : "input channels";
    fail(
      "input_shape",
      entry("input_shape"),
      `does not match model_architecture "${architecture}": must be ${info.inputShape} (${what})`,
    );
  }
  if (labelMode === "coarse" && dataset !== "cifar100" && !dataset.startsWith("cifar:")) {
    fail("label_mode", entry("label_mode"), `needs dataset "cifar100", but ${onDataset}`);
  }
  const classes = custom ? data?.numClasses : numClasses(defaultsDataset(dataset), labelMode);
  if (classes !== undefined && num("output_shape") !== classes) {
    fail(
      "output_shape",
      entry("output_shape"),
      `must equal the number of classes, ${classes}, of dataset "${dataset}" (label_mode "${labelMode}")`,
    );
  }
  if (num("lr_final") > num("lr_init")) {
    fail("lr_final", entry("lr_final"), `must be <= lr_init = ${formatNumber(num("lr_init"))}`);
  }
  if (all.has("num_tasks") && num("num_tasks") > 1 && dataset !== "mnist") {
    fail(
      "num_tasks",
      entry("num_tasks"),
      `> 1 (permuted MNIST) needs dataset "mnist", but ${onDataset}`,
    );
  }
  // the sizes below are known once the files are read
  if (custom && data?.trainCount === undefined) return;
  const limit = num("limit_train");
  const trainSize = data?.trainCount ?? DATASETS[defaultsDataset(dataset)].counts.train;
  const images = limit > 0 ? Math.min(limit, trainSize) : trainSize;
  const validation = Math.floor(images * num("validation_split"));
  const blame: ConfigKey = limit > 0 ? "limit_train" : "batch_size";
  if (images - validation < num("batch_size")) {
    fail(
      blame,
      entry(blame),
      `leaves ${
        images - validation
      } training images after the validation split, fewer than batch_size = ${num("batch_size")}`,
    );
  }
  if (num("validation_split") > 0 && validation === 0) {
    const key: ConfigKey = limit > 0 ? "limit_train" : "validation_split";
    fail(
      key,
      entry(key),
      `gives an empty validation set (${images} images x ${num("validation_split")})`,
    );
  }
}

/**
 * The checks of a custom set's image shape against the architecture, once its files' facts
 * are known: channels of a conv net, the image side its max-pools need, the MLP's input size.
 */
function crossCheckCustom(all: Map<ConfigKey, Entry>, data: DataFacts | undefined): void {
  if (data === undefined) return;
  const entry = (key: ConfigKey): Entry => all.get(key)!;
  const architecture = entry("model_architecture").value as Architecture;
  const info = ARCHITECTURES[architecture];
  const { height, width, channels } = data;
  const shape = `${height}×${width}×${channels}`;
  const onData = `dataset "${entry("dataset").value}" has ${shape} images`;
  if (!info.mlp && channels !== info.inputShape) {
    fail(
      "model_architecture",
      entry("model_architecture"),
      `takes ${info.inputShape}-channel images, but ${onData}`,
    );
  }
  const m = info.sideMultiple;
  if (height % m !== 0 || width % m !== 0) {
    const k = Math.log2(m);
    fail(
      "model_architecture",
      entry("model_architecture"),
      `cannot take ${height}×${width} images: its ${k} max-pools need a side that is a multiple of ${m} (set image_size, e.g. ${
        Math.max(m, Math.round(height / m) * m)
      })`,
    );
  }
  const expected = info.mlp ? height * width * channels : channels;
  if (entry("input_shape").value !== expected) {
    fail(
      "input_shape",
      entry("input_shape"),
      `must be ${expected} for model_architecture "${architecture}" (${
        info.mlp ? "the flattened image size" : "the image channels"
      }): ${onData}`,
    );
  }
}

/**
 * Resolves a config: the paper's defaults for the optimizer and dataset, then the JSON
 * `file` (if any), then the command-line `overrides`; validates every key and the keys
 * against each other; returns a frozen {@linkcode Config}.
 *
 * @param optimizer The command's optimizer; a file may repeat it as `"optimizer"`.
 * @param file Path of a JSON config, or `undefined` for the defaults only (paper's MNIST setup).
 * @param overrides Flag name → raw string, e.g. `{ "batch-size": "50", temperature: "1e-8" }`
 *   (snake_case or kebab-case names, with or without `--`); `undefined` values are skipped,
 *   so node:util `parseArgs` values can be passed through {@linkcode pickConfigOverrides}.
 * @param data A custom dataset's facts, once its files are read: they give the defaults of
 *   `output_shape` and `input_shape` and are checked against the config. Without them a custom
 *   set's config is resolved with the checks that need no files (see `resolveRunConfig`).
 * @returns The fully defaulted, validated, frozen config.
 * @throws {ConfigError} For an unreadable or malformed file, an unknown key or flag, a wrong
 *   type, an out-of-range value, a value outside the allowed set, a key of the other
 *   optimizer, or keys that contradict each other.
 *
 * @example Usage
 * ```ts
 * import { resolveConfig } from "./config.ts";
 * const mnist = resolveConfig("bayesbinn", undefined, {});
 * if (mnist.lr_init !== 1e-4 || mnist.batch_size !== 100 || mnist.model_architecture !== "BinaryConnect") {
 *   throw new Error("paper's MNIST setup");
 * }
 * const cifar100 = resolveConfig("bayesbinn", undefined, { dataset: "cifar100" });
 * if (cifar100.optimizer !== "bayesbinn" || cifar100.temperature !== 1e-8) throw new Error();
 * ```
 */
export function resolveConfig(
  optimizer: Optimizer,
  file: string | undefined,
  overrides: Readonly<Record<string, string | undefined>> = {},
  data?: DataFacts,
): Config {
  if (!isOptimizerKind(optimizer)) {
    throw new ConfigError(
      "command line",
      "optimizer",
      optimizer,
      `optimizer ${formatValue(optimizer)} is not one of ${
        OPTIMIZER_KINDS.map((k) => JSON.stringify(k)).join(", ")
      }`,
    );
  }
  const given = new Map<ConfigKey, Entry>();
  if (file !== undefined) readFile(optimizer, file, given);
  readOverrides(optimizer, overrides, given);
  const all = withDefaults(optimizer, given, data);
  crossCheck(all, data);
  const config: Record<string, ConfigValue> = { optimizer };
  for (const [key, entry] of all) config[key] = entry.value;
  return Object.freeze(config) as unknown as Config;
}

/**
 * Checks a resolved config against a custom dataset's facts (once its files are read): the
 * classes, the image shape against the architecture, the train split's size against the
 * batch. A resumed run does this, as its saved config was resolved before the data was read.
 *
 * @param config A resolved config.
 * @param data The facts of its dataset's files.
 * @param source Where the config came from (e.g. its `config.json`), for the message.
 * @throws {ConfigError} If the config does not fit the data.
 *
 * @example Usage
 * ```ts
 * import { checkConfigFitsData, ConfigError, resolveConfig } from "./config.ts";
 * const config = resolveConfig("ste", undefined, { dataset: "idx:/data/fashion", output_shape: "10" });
 * const facts = { height: 28, width: 28, channels: 1, numClasses: 5, trainCount: 1000 };
 * try {
 *   checkConfigFitsData(config, facts, "run/config.json");
 *   throw new Error("not reached");
 * } catch (e) {
 *   if (!(e instanceof ConfigError) || e.key !== "output_shape") throw e;
 * }
 * ```
 */
export function checkConfigFitsData(config: Config, data: DataFacts, source: string): void {
  const all = new Map<ConfigKey, Entry>();
  const record = config as unknown as Record<string, ConfigValue>;
  for (const key of KEY_ORDER) {
    if (Object.hasOwn(record, key)) {
      all.set(key, { value: record[key], origin: { kind: "file", file: source } });
    }
  }
  crossCheck(all, data);
}

/**
 * node:util `parseArgs` option definitions for every config key: `--key value` in
 * snake_case and, for keys with `_`, the kebab-case alias (`--batch-size`). All take a
 * string, which {@linkcode resolveConfig} parses and checks (booleans need an explicit
 * `true` / `false`). Keys of both optimizers are included so that a key of the other
 * optimizer gets resolveConfig's clear message rather than "unknown option".
 *
 * @returns Option name → `{ type: "string" }`.
 *
 * @example Usage
 * ```ts
 * import { parseArgs } from "node:util";
 * import { configOptions, pickConfigOverrides, resolveConfig } from "./config.ts";
 * const { values } = parseArgs({
 *   args: ["--limit-train", "2000", "--temperature", "1e-8"],
 *   options: { ...configOptions(), out: { type: "string" } },
 *   strict: true,
 * });
 * const config = resolveConfig("bayesbinn", undefined, pickConfigOverrides(values));
 * if (config.limit_train !== 2000) throw new Error();
 * ```
 */
export function configOptions(): Record<string, { type: "string" }> {
  const options: Record<string, { type: "string" }> = {};
  for (const key of KEY_ORDER) {
    options[key] = { type: "string" };
    const kebab = key.replaceAll("_", "-");
    if (kebab !== key) options[kebab] = { type: "string" };
  }
  return options;
}

/**
 * The entries of parsed command-line `values` that are config flags (see
 * {@linkcode configOptions}), as strings, ready for {@linkcode resolveConfig}; other
 * options (the trainer's own) are left out.
 *
 * @example Usage
 * ```ts
 * import { pickConfigOverrides } from "./config.ts";
 * const picked = pickConfigOverrides({ "batch-size": "50", out: "runs/x", epochs: undefined });
 * if (JSON.stringify(picked) !== '{"batch-size":"50"}') throw new Error();
 * ```
 */
export function pickConfigOverrides(
  values: Readonly<Record<string, unknown>>,
): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined || !isKey(name.replaceAll("-", "_"))) continue;
    picked[name] = String(value);
  }
  return picked;
}

/**
 * The config as JSON text: `optimizer` first, then the keys in table order (the
 * reproduction's file order, then bnn's keys), two-space indent, final newline.
 *
 * @example Usage
 * ```ts
 * import { configToJson, resolveConfig } from "./config.ts";
 * const text = configToJson(resolveConfig("ste", undefined, {}));
 * if (!text.startsWith('{\n  "optimizer": "ste",\n  "dataset": "mnist"')) throw new Error();
 * ```
 */
export function configToJson(config: Config): string {
  const record = config as unknown as Record<string, ConfigValue>;
  const ordered: Record<string, ConfigValue> = { optimizer: config.optimizer };
  for (const key of KEY_ORDER) {
    if (Object.hasOwn(record, key)) ordered[key] = record[key] as ConfigValue;
  }
  return JSON.stringify(ordered, null, 2) + "\n";
}

/**
 * Writes the resolved config as JSON ({@linkcode configToJson}) atomically: a temporary
 * file beside `path`, then a rename. `resolveConfig(config.optimizer, path, {})` gives
 * back an equal config.
 *
 * @param config A resolved config.
 * @param path Destination file; its directory must exist.
 *
 * @example Usage
 * ```ts
 * import { resolveConfig, saveResolvedConfig } from "./config.ts";
 * const dir = Deno.makeTempDirSync();
 * const config = resolveConfig("bayesbinn", undefined, { dataset: "cifar10" });
 * saveResolvedConfig(config, `${dir}/config.json`);
 * const back = resolveConfig("bayesbinn", `${dir}/config.json`, {});
 * if (JSON.stringify(back) !== JSON.stringify(config)) throw new Error("round trip");
 * Deno.removeSync(dir, { recursive: true });
 * ```
 */
export function saveResolvedConfig(config: Config, path: string): void {
  const temp = `${path}.${crypto.randomUUID()}.tmp`;
  try {
    Deno.writeTextFileSync(temp, configToJson(config));
    Deno.renameSync(temp, path);
  } catch (e) {
    try {
      Deno.removeSync(temp);
    } catch { /* the temporary file was never written */ }
    throw e;
  }
}

/**
 * Notes on accepted values that have no effect, one line each, for the CLI to print
 * (e.g. `drop_prob` on a conv net, as in the reproduction's CIFAR configs).
 *
 * @example Usage
 * ```ts
 * import { configNotes, resolveConfig } from "./config.ts";
 * const config = resolveConfig("ste", undefined, { dataset: "cifar10", drop_prob: "0.2" });
 * if (configNotes(config).length !== 1) throw new Error();
 * ```
 */
export function configNotes(config: Config): string[] {
  const notes: string[] = [];
  if (config.drop_prob > 0 && !ARCHITECTURES[config.model_architecture].dropout) {
    notes.push(
      `drop_prob = ${config.drop_prob} is ignored: ${config.model_architecture} has no dropout layers`,
    );
  }
  if (config.optimizer === "bayesbinn" && config.evaluate_steps === 0) {
    if (config.evaluate_mean !== "probs") {
      notes.push(`evaluate_mean = "${config.evaluate_mean}" is ignored: evaluate_steps = 0 (mode)`);
    }
  }
  return notes;
}

/**
 * The config flag nearest to a mistyped one (for the CLI's "unknown option" message),
 * in the typed style (kebab-case if the typo has a `-`), or `undefined` when none is close.
 *
 * @param flag The unknown option, with or without leading `--`.
 * @returns A known flag with `--`, e.g. `--temperature`.
 *
 * @example Usage
 * ```ts
 * import { closestConfigFlag } from "./config.ts";
 * if (closestConfigFlag("--temprature") !== "--temperature") throw new Error();
 * if (closestConfigFlag("--verbose") !== undefined) throw new Error();
 * ```
 */
export function closestConfigFlag(flag: string): string | undefined {
  const typed = flag.replace(/^--/, "");
  const near = closest(typed, KEY_ORDER);
  if (near === undefined) return undefined;
  return `--${typed.includes("-") ? near.replaceAll("_", "-") : near}`;
}
