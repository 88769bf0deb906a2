/**
 * The schema of a bnn training config: every key, its type, allowed values, default
 * and the optimizer(s) it applies to. Keys are snake_case exactly as in the JSON
 * configs of the reproduction (`prateekstark/training-binary-neural-network`),
 * followed by bnn's own keys. Defaults are the paper's values (Meng, Bachmann &
 * Khan, ICML 2020, Table 9 and App. B) for the chosen dataset.
 *
 * Dataset facts live in `train/data/datasets.ts` and architecture facts in
 * `train/models/architectures.ts`; the defaults here are read from them.
 *
 * Public through {@linkcode ./mod.ts}; this file only holds the data.
 * @module
 */
import { type DatasetName, DATASETS, type LabelMode, numClasses } from "../data/datasets.ts";
import { CUSTOM_FORMS, parseDatasetRef } from "../data/dataset_ref.ts";
import { type Architecture, ARCHITECTURES } from "../models/architectures.ts";
import { OPTIMIZER_KINDS, type OptimizerKind } from "../optimizers/optimizer_kind.ts";

/** The two training methods: {@linkcode OptimizerKind}, under the config's name for it. */
export type Optimizer = OptimizerKind;
/** How BayesBiNN's MC "mean" prediction combines its C samples. */
export type EvaluateMean = "probs" | "logits";
/** A config value as it appears in JSON. */
export type ConfigValue = number | boolean | string;

/** Keys shared by both optimizers. */
export interface CommonConfig {
  /** A built-in name, or `idx:DIR`, `cifar:DIR`, `folder:PATH` (see `train/data/dataset_ref.ts`). */
  dataset: string;
  input_shape: number;
  output_shape: number;
  data_augmentation: boolean;
  epochs: number;
  criterion: "crossentropy";
  validation_split: number;
  lr_scheduler: "cosine";
  batch_size: number;
  lr_init: number;
  lr_final: number;
  drop_prob: number;
  batch_affine: boolean;
  model_architecture: Architecture;
  momentum: number;
  eps: number;
  seed: number;
  test_batch_size: number;
  limit_train: number;
  limit_test: number;
  label_mode: LabelMode;
  width_multiplier: number;
  /** `folder:` and `cifar:` datasets only (absent otherwise). */
  image_size?: number;
}

/** A resolved BayesBiNN config. */
export interface BayesBiNNConfig extends CommonConfig {
  optimizer: "bayesbinn";
  mc_steps: number;
  temperature: number;
  evaluate_steps: number;
  beta: number;
  trainset_scale: number;
  lambda_init: number;
  lambda_std: number;
  kl_reweight: number;
  evaluate_mean: EvaluateMean;
  num_tasks: number;
}

/** A resolved STE config. */
export interface SteConfig extends CommonConfig {
  optimizer: "ste";
  grad_clip_value: number;
  weight_clip_value: number;
}

/** Every key a config file or `--flag` may set (`optimizer` is set by the command). */
export type ConfigKey = Exclude<keyof BayesBiNNConfig | keyof SteConfig, "optimizer">;

/**
 * What a custom dataset's files say, once read: image shape, classes, train images. The shape
 * alone (a folder's, known before decoding) checks the architecture early.
 */
export interface DataFacts {
  height: number;
  width: number;
  channels: number;
  numClasses?: number;
  /** Images in the train split, before `limit_train`. */
  trainCount?: number;
}

/** What a key's default may depend on. */
export interface DefaultContext {
  optimizer: Optimizer;
  /** The built-in dataset whose defaults apply (a custom set's: see {@linkcode defaultsDataset}). */
  dataset: DatasetName;
  architecture: Architecture;
  labelMode: LabelMode;
  /** A custom dataset's facts, once its files are read. */
  data?: DataFacts;
}

/**
 * The built-in dataset whose defaults a `dataset` value gets: its own for a built-in name;
 * MNIST's for `idx:` and `folder:` sets (the MLP, grey 28×28, quick on a CPU), CIFAR-10's for
 * `cifar:` sets.
 *
 * @example Usage
 * ```ts
 * import { defaultsDataset } from "./keys.ts";
 * if (defaultsDataset("cifar:/d") !== "cifar10" || defaultsDataset("folder:x") !== "mnist") throw new Error();
 * ```
 */
export function defaultsDataset(value: string): DatasetName {
  const ref = parseDatasetRef(value);
  if (typeof ref === "string") return "mnist";
  if (ref.kind === "builtin") return ref.name;
  return ref.kind === "cifar" ? "cifar10" : "mnist";
}

/** The schema of one key. */
export interface KeySpec {
  /** JSON type; `integer` is a number with no fractional part. */
  readonly type: "integer" | "number" | "boolean" | "string";
  /** The allowed strings, for `string` keys. */
  readonly values?: readonly string[];
  /** Lower bound; exclusive when `minExclusive`. */
  readonly min?: number;
  readonly minExclusive?: boolean;
  /** Upper bound; exclusive when `maxExclusive`. */
  readonly max?: number;
  readonly maxExclusive?: boolean;
  /** The optimizers that read the key; setting it for the other one is an error. */
  readonly appliesTo: readonly Optimizer[];
  /** `reproduction`: a key of the reproduction's JSON configs; `bnn`: added by bnn. */
  readonly origin: "reproduction" | "bnn";
  /** The default, the paper's value for the dataset and architecture. */
  readonly default: (ctx: DefaultContext) => ConfigValue;
  /** One-line description. */
  readonly doc: string;
  /** String keys whose values are not all listed: whether a value is allowed. */
  readonly accepts?: (value: string) => boolean;
  /** How `--help` and messages describe the allowed values, when not `values`. */
  readonly allowedDoc?: string;
  /** Keys that only some datasets read: whether `dataset` (a config value) does. */
  readonly forDataset?: (dataset: string) => boolean;
  /** What {@linkcode KeySpec.forDataset} accepts, in words. */
  readonly forDatasetDoc?: string;
}

const BOTH: readonly Optimizer[] = OPTIMIZER_KINDS;
const BAYES: readonly Optimizer[] = ["bayesbinn"];
const STE: readonly Optimizer[] = ["ste"];
const isMnist = (c: DefaultContext) => c.dataset === "mnist";

/**
 * The schema of every key, in the order of the reproduction's files, then bnn's keys;
 * saved configs use this order.
 *
 * @example Usage
 * ```ts
 * import { CONFIG_KEYS } from "./keys.ts";
 * const ctx = { optimizer: "bayesbinn", dataset: "cifar100", architecture: "VGGBinaryConnect", labelMode: "fine" } as const;
 * if (CONFIG_KEYS.temperature.default(ctx) !== 1e-8) throw new Error("paper's CIFAR-100 τ");
 * ```
 */
export const CONFIG_KEYS: { readonly [K in ConfigKey]: KeySpec } = {
  dataset: {
    type: "string",
    values: Object.keys(DATASETS),
    accepts: (v) => typeof parseDatasetRef(v) !== "string",
    allowedDoc: `one of ${Object.keys(DATASETS).map((d) => `"${d}"`).join(", ")}, or ${
      Object.values(CUSTOM_FORMS).map((f) => `"${f}"`).join(", ")
    }`,
    appliesTo: BOTH,
    origin: "reproduction",
    default: () => "mnist",
    doc:
      "Dataset; the defaults of architecture, lr, batch, tau, seed, ... follow from it. Your own data: idx:DIR (IDX files as MNIST's), cifar:DIR (CIFAR binary records), folder:PATH (PATH/train/<class>/*.png|jpg|jpeg|webp and PATH/test/<class>/...; a missing test split is refused, never carved from train); classes, image size and normalization come from the files, never downloaded",
  },
  input_shape: {
    type: "integer",
    min: 1,
    appliesTo: BOTH,
    origin: "reproduction",
    default: (c) => {
      const arch = ARCHITECTURES[c.architecture];
      if (c.data === undefined || !arch.mlp) return arch.inputShape;
      return c.data.height * c.data.width * c.data.channels;
    },
    doc:
      "Flattened input size for MLPs (784), input channels for CNNs (1 LRNetSmall, 3 CIFAR nets); must match the architecture",
  },
  output_shape: {
    type: "integer",
    min: 2,
    appliesTo: BOTH,
    origin: "reproduction",
    default: (c) => c.data?.numClasses ?? numClasses(c.dataset, c.labelMode),
    doc:
      "Number of classes: 10 (mnist, cifar10), 100 (cifar100; 20 with label_mode coarse); a custom set's from its files",
  },
  data_augmentation: {
    type: "boolean",
    appliesTo: BOTH,
    origin: "reproduction",
    default: (c) => !isMnist(c),
    doc:
      "Training-set augmentation: CIFAR random crop 32 (zero pad 4) + horizontal flip; MNIST random crop 28 (zero pad 4) as the reproduction",
  },
  epochs: {
    type: "integer",
    min: 1,
    appliesTo: BOTH,
    origin: "reproduction",
    default: () => 500,
    doc: "Training epochs E; also the cosine schedule's length (per task when num_tasks > 1)",
  },
  criterion: {
    type: "string",
    values: ["crossentropy"],
    appliesTo: BOTH,
    origin: "reproduction",
    default: () => "crossentropy",
    doc: "Loss: softmax cross-entropy, mean over the minibatch (the only one)",
  },
  validation_split: {
    type: "number",
    min: 0,
    max: 1,
    maxExclusive: true,
    appliesTo: BOTH,
    origin: "reproduction",
    default: () => 0.1,
    doc:
      "Fraction of the training set held out (seeded shuffle) for validation; 0 = none. Test accuracy is reported at the best-validation epoch",
  },
  lr_scheduler: {
    type: "string",
    values: ["cosine"],
    appliesTo: BOTH,
    origin: "reproduction",
    default: () => "cosine",
    doc:
      "Per-epoch cosine: epoch e uses lr_final + (lr_init - lr_final)(1 + cos(pi e / epochs))/2 (the only one)",
  },
  batch_size: {
    type: "integer",
    min: 2,
    appliesTo: BOTH,
    origin: "reproduction",
    default: (c) => isMnist(c) ? 100 : 50,
    doc: "Training minibatch size M (>= 2: BatchNorm needs a batch variance)",
  },
  lr_init: {
    type: "number",
    min: 0,
    minExclusive: true,
    appliesTo: BOTH,
    origin: "reproduction",
    default: (c) => c.optimizer === "ste" ? 1e-2 : isMnist(c) ? 1e-4 : 3e-4,
    doc:
      "Initial learning rate: BayesBiNN's alpha (1e-4 MNIST, 3e-4 CIFAR) or STE's Adam lr (1e-2)",
  },
  lr_final: {
    type: "number",
    min: 0,
    appliesTo: BOTH,
    origin: "reproduction",
    default: () => 1e-16,
    doc: "Final learning rate of the cosine schedule (eta_min); must be <= lr_init",
  },
  drop_prob: {
    type: "number",
    min: 0,
    max: 1,
    maxExclusive: true,
    appliesTo: BOTH,
    origin: "reproduction",
    default: (c) => ARCHITECTURES[c.architecture].dropout ? 0.2 : 0,
    doc:
      "Dropout probability of the BinaryConnect MLP (input and hidden layers); accepted and ignored by other architectures (the reproduction's CIFAR configs carry 0.2)",
  },
  batch_affine: {
    type: "boolean",
    appliesTo: BOTH,
    origin: "reproduction",
    default: () => false,
    doc:
      "Learn BatchNorm gamma/beta (real-valued, with Adam; paper footnote 3); false in every paper experiment",
  },
  model_architecture: {
    type: "string",
    values: Object.keys(ARCHITECTURES),
    appliesTo: BOTH,
    origin: "reproduction",
    default: (c) => isMnist(c) ? "BinaryConnect" : "VGGBinaryConnect",
    doc:
      "BinaryConnect (MNIST MLP), VGGBinaryConnect (CIFAR), LRNetSmall (MNIST), LRNetBig (CIFAR), MLP_CL (MNIST 784-100-100-10)",
  },
  mc_steps: {
    type: "integer",
    min: 1,
    appliesTo: BAYES,
    origin: "reproduction",
    default: () => 1,
    doc: "Training MC samples S per step (forward/backward passes per minibatch)",
  },
  temperature: {
    type: "number",
    min: 0,
    minExclusive: true,
    appliesTo: BAYES,
    origin: "reproduction",
    default: (c) => c.dataset === "cifar100" ? 1e-8 : 1e-10,
    doc: "Gumbel-softmax temperature tau: 1e-10 (MNIST, CIFAR-10), 1e-8 (CIFAR-100), paper Table 9",
  },
  evaluate_steps: {
    type: "integer",
    min: 0,
    appliesTo: BAYES,
    origin: "reproduction",
    default: () => 0,
    doc: "Test MC samples C: 0 = mode (sign of mu), C > 0 = mean over C weight samples",
  },
  momentum: {
    type: "number",
    min: 0,
    max: 1,
    appliesTo: BOTH,
    origin: "reproduction",
    default: (c) => ARCHITECTURES[c.architecture].momentum,
    doc:
      "BatchNorm momentum (NOT the optimizer's beta), PyTorch convention; VGG uses it for conv BNs, its FC BNs keep 0.1",
  },
  grad_clip_value: {
    type: "number",
    min: 0,
    appliesTo: STE,
    origin: "reproduction",
    default: () => 1,
    doc:
      "STE: clamp each gradient element to [-v, v] before Adam; 0 = no clipping (the original code)",
  },
  weight_clip_value: {
    type: "number",
    min: 0,
    minExclusive: true,
    appliesTo: STE,
    origin: "reproduction",
    default: () => 1,
    doc: "STE: clamp the latent real weights to [-v, v] after each Adam step",
  },
  eps: {
    type: "number",
    min: 0,
    minExclusive: true,
    appliesTo: BOTH,
    origin: "reproduction",
    default: (c) => ARCHITECTURES[c.architecture].eps,
    doc: "BatchNorm epsilon of every BN layer: 1e-4 for the MLPs, 1e-5 for the conv nets",
  },
  seed: {
    type: "integer",
    min: 0,
    max: Number.MAX_SAFE_INTEGER,
    appliesTo: BOTH,
    origin: "bnn",
    default: (c) => isMnist(c) ? 1 : 10,
    doc:
      "Seed of every random stream (init, split, shuffle, dropout, augmentation, noise); the original's 1 (MNIST) and 10 (CIFAR)",
  },
  beta: {
    type: "number",
    min: 0,
    max: 1,
    maxExclusive: true,
    appliesTo: BAYES,
    origin: "bnn",
    default: () => 0,
    doc:
      "BayesBiNN momentum beta: m <- beta m + (1-beta)(g + kl_reweight (lambda - lambda0)), bias-corrected; paper 0, reproduction 0.99",
  },
  trainset_scale: {
    type: "number",
    min: 0,
    minExclusive: true,
    appliesTo: BAYES,
    origin: "bnn",
    default: (c) => isMnist(c) ? 1 : 10,
    doc:
      "N = training-set size x trainset_scale in BayesBiNN's gradient; 10 for CIFAR (augmentation counted as 10x data, paper App. B.2), 1 for MNIST",
  },
  lambda_init: {
    type: "number",
    min: 0,
    appliesTo: BAYES,
    origin: "bnn",
    default: () => 10,
    doc: "Initial natural parameters: lambda = +-lambda_init with a random sign (paper: +-10)",
  },
  lambda_std: {
    type: "number",
    min: 0,
    appliesTo: BAYES,
    origin: "bnn",
    default: () => 0,
    doc:
      "Spread of the initial lambda: sqrt(lambda_std) x N(0,1) is added (a variance, as the original's --lamda-std)",
  },
  kl_reweight: {
    type: "number",
    min: 0,
    appliesTo: BAYES,
    origin: "bnn",
    default: () => 1,
    doc: "Weight kappa of the prior (KL) term kappa (lambda - lambda0) in the BayesBiNN update",
  },
  evaluate_mean: {
    type: "string",
    values: ["probs", "logits"],
    appliesTo: BAYES,
    origin: "bnn",
    default: () => "probs",
    doc:
      "With evaluate_steps > 0: average softmax probabilities (paper eq. 18) or logits (original code)",
  },
  num_tasks: {
    type: "integer",
    min: 1,
    appliesTo: BAYES,
    origin: "bnn",
    default: () => 1,
    doc:
      "Permuted-MNIST continual learning when > 1: tasks in turn, each a seeded pixel permutation, prior lambda0 = previous task's lambda",
  },
  width_multiplier: {
    type: "number",
    min: 0,
    minExclusive: true,
    appliesTo: BOTH,
    origin: "bnn",
    default: () => 1,
    doc:
      "Scales hidden units and conv channels (rounded, >= 1); 1 = the paper's networks, 0.25 = quarter width for quick CPU runs",
  },
  test_batch_size: {
    type: "integer",
    min: 1,
    appliesTo: BOTH,
    origin: "bnn",
    default: () => 1000,
    doc: "Batch size for validation and test evaluation (running BN statistics; any size)",
  },
  limit_train: {
    type: "integer",
    min: 0,
    appliesTo: BOTH,
    origin: "bnn",
    default: () => 0,
    doc: "Use only the first N images of the training split (before the validation split); 0 = all",
  },
  limit_test: {
    type: "integer",
    min: 0,
    appliesTo: BOTH,
    origin: "bnn",
    default: () => 0,
    doc: "Use only the first N images of the test split; 0 = all",
  },
  label_mode: {
    type: "string",
    values: ["fine", "coarse"],
    appliesTo: BOTH,
    origin: "bnn",
    default: () => "fine",
    doc: "CIFAR-100 labels: fine (100 classes) or coarse (20 superclasses); other datasets: fine",
  },
  image_size: {
    type: "integer",
    min: 0,
    max: 1024,
    appliesTo: BOTH,
    origin: "bnn",
    default: () => 0,
    forDataset: (d) => /^(folder|cifar):/.test(d),
    forDatasetDoc: "folder:PATH and cifar:DIR datasets",
    doc:
      "folder:/cifar: datasets: image side in pixels (folder images are stretched to it, grey for the MNIST nets and MLPs, RGB for the CIFAR nets; cifar: records are that size); 0 = the architecture's (28 MNIST nets, 32 CIFAR nets)",
  },
};
