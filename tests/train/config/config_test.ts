import assert from "node:assert/strict";
import { parseArgs } from "node:util";
import {
  type Architecture,
  ARCHITECTURES,
  closestConfigFlag,
  type Config,
  CONFIG_KEYS,
  ConfigError,
  configHelp,
  configNotes,
  configOptions,
  configToJson,
  type DatasetName,
  type Optimizer,
  pickConfigOverrides,
  resolveConfig,
  saveResolvedConfig,
} from "../../../train/config/mod.ts";

const CONFIGS = new URL("../../../configs/", import.meta.url).pathname;
const path = (name: string) => `${CONFIGS}${name}`;
type Json = Record<string, number | boolean | string>;

/**
 * The reproduction's files as they are at HEAD (prateekstark/training-binary-neural-network
 * 67044fa, checked against its README and the config lines its logs print).
 */
const REPRODUCTION: Record<string, Json> = {
  "mnist_config_bayesbinn.json": {
    dataset: "mnist",
    input_shape: 784,
    output_shape: 10,
    data_augmentation: false,
    epochs: 500,
    criterion: "crossentropy",
    validation_split: 0.1,
    lr_scheduler: "cosine",
    batch_size: 100,
    lr_init: 1e-4,
    lr_final: 1e-16,
    drop_prob: 0.2,
    batch_affine: false,
    model_architecture: "BinaryConnect",
    mc_steps: 1,
    temperature: 1e-10,
    evaluate_steps: 0,
    momentum: 0.15,
  },
  "cifar10_config_bayesbinn.json": {
    dataset: "cifar10",
    input_shape: 3,
    output_shape: 10,
    data_augmentation: true,
    epochs: 500,
    criterion: "crossentropy",
    validation_split: 0.1,
    lr_scheduler: "cosine",
    batch_size: 50,
    lr_init: 3e-4,
    lr_final: 1e-16,
    drop_prob: 0.2,
    batch_affine: false,
    model_architecture: "VGGBinaryConnect",
    mc_steps: 1,
    temperature: 1e-10,
    evaluate_steps: 0,
    momentum: 0.2,
  },
  "cifar100_config_bayesbinn.json": {
    dataset: "cifar100",
    input_shape: 3,
    output_shape: 100,
    data_augmentation: true,
    epochs: 500,
    criterion: "crossentropy",
    validation_split: 0.1,
    lr_scheduler: "cosine",
    batch_size: 50,
    lr_init: 3e-4,
    lr_final: 1e-16,
    drop_prob: 0.2,
    batch_affine: false,
    model_architecture: "VGGBinaryConnect",
    mc_steps: 1,
    temperature: 1e-10,
    evaluate_steps: 0,
    momentum: 0.2,
  },
  "mnist_config_bayesbinn_lrnet.json": {
    dataset: "mnist",
    input_shape: 1,
    output_shape: 10,
    data_augmentation: false,
    epochs: 190,
    criterion: "crossentropy",
    validation_split: 0,
    lr_scheduler: "cosine",
    batch_size: 100,
    lr_init: 1e-4,
    lr_final: 1e-16,
    batch_affine: false,
    model_architecture: "LRNetSmall",
    mc_steps: 1,
    temperature: 1e-10,
    evaluate_steps: 0,
    momentum: 0.15,
  },
  "cifar10_config_bayesbinn_lrnet.json": {
    dataset: "cifar10",
    input_shape: 3,
    output_shape: 10,
    data_augmentation: true,
    epochs: 290,
    criterion: "crossentropy",
    validation_split: 0,
    lr_scheduler: "cosine",
    batch_size: 50,
    lr_init: 3e-4,
    lr_final: 1e-16,
    batch_affine: false,
    model_architecture: "LRNetBig",
    mc_steps: 1,
    temperature: 1e-10,
    evaluate_steps: 0,
    momentum: 0.2,
  },
  "mnist_config_cl.json": {
    dataset: "mnist",
    input_shape: 784,
    output_shape: 10,
    data_augmentation: false,
    epochs: 100,
    criterion: "crossentropy",
    validation_split: 0.0,
    lr_scheduler: "cosine",
    batch_size: 100,
    lr_init: 1e-3,
    lr_final: 1e-16,
    batch_affine: true,
    model_architecture: "BinaryConnect",
    mc_steps: 1,
    temperature: 1e-2,
    evaluate_steps: 100,
    momentum: 0.15,
    eps: 1e-4,
  },
  "mnist_config_ste.json": {
    dataset: "mnist",
    input_shape: 784,
    output_shape: 10,
    data_augmentation: false,
    epochs: 500,
    criterion: "crossentropy",
    validation_split: 0.1,
    lr_scheduler: "cosine",
    batch_size: 100,
    lr_init: 0.01,
    lr_final: 1e-16,
    drop_prob: 0.2,
    batch_affine: false,
    model_architecture: "BinaryConnect",
    momentum: 0.15,
    grad_clip_value: 1,
    weight_clip_value: 1,
  },
  "cifar10_config_ste.json": {
    dataset: "cifar10",
    input_shape: 3,
    output_shape: 10,
    data_augmentation: true,
    epochs: 500,
    criterion: "crossentropy",
    validation_split: 0.1,
    lr_scheduler: "cosine",
    batch_size: 50,
    lr_init: 0.01,
    lr_final: 1e-16,
    batch_affine: false,
    model_architecture: "VGGBinaryConnect",
    momentum: 0.2,
    grad_clip_value: 1,
    weight_clip_value: 1,
  },
  "cifar100_config_ste.json": {
    dataset: "cifar100",
    input_shape: 3,
    output_shape: 100,
    data_augmentation: true,
    epochs: 500,
    criterion: "crossentropy",
    validation_split: 0.1,
    lr_scheduler: "cosine",
    batch_size: 50,
    lr_init: 0.01,
    lr_final: 1e-16,
    batch_affine: false,
    model_architecture: "VGGBinaryConnect",
    momentum: 0.2,
    grad_clip_value: 1,
    weight_clip_value: 1,
  },
};

/** Each shipped file = its reproduction file + exactly these keys (configs/README.md). */
const SHIPPED = [
  ["mnist_bayesbinn.json", "bayesbinn", "mnist_config_bayesbinn.json", {
    seed: 1,
    beta: 0,
    trainset_scale: 1,
  }],
  ["cifar10_bayesbinn.json", "bayesbinn", "cifar10_config_bayesbinn.json", {
    seed: 10,
    beta: 0,
    trainset_scale: 10,
  }],
  ["cifar100_bayesbinn.json", "bayesbinn", "cifar100_config_bayesbinn.json", {
    temperature: 1e-8,
    seed: 10,
    beta: 0,
    trainset_scale: 10,
  }],
  ["mnist_lrnet_bayesbinn.json", "bayesbinn", "mnist_config_bayesbinn_lrnet.json", {
    seed: 1,
    beta: 0,
    trainset_scale: 1,
  }],
  ["cifar10_lrnet_bayesbinn.json", "bayesbinn", "cifar10_config_bayesbinn_lrnet.json", {
    seed: 10,
    beta: 0,
    trainset_scale: 10,
  }],
  ["mnist_cl_bayesbinn.json", "bayesbinn", "mnist_config_cl.json", {
    model_architecture: "MLP_CL",
    batch_affine: false,
    seed: 1,
    beta: 0,
    trainset_scale: 1,
    kl_reweight: 1,
    num_tasks: 5,
  }],
  ["mnist_ste.json", "ste", "mnist_config_ste.json", { seed: 1 }],
  ["cifar10_ste.json", "ste", "cifar10_config_ste.json", { seed: 10 }],
  ["cifar100_ste.json", "ste", "cifar100_config_ste.json", { seed: 10 }],
  ["quick_mnist_bayesbinn.json", "bayesbinn", "mnist_config_bayesbinn.json", {
    epochs: 2,
    seed: 1,
    beta: 0,
    trainset_scale: 1,
    limit_train: 2000,
    limit_test: 1000,
  }],
  ["quick_mnist_ste.json", "ste", "mnist_config_ste.json", {
    epochs: 2,
    seed: 1,
    limit_train: 2000,
    limit_test: 1000,
  }],
  ["quick_cifar10_bayesbinn.json", "bayesbinn", "cifar10_config_bayesbinn.json", {
    epochs: 2,
    seed: 10,
    beta: 0,
    trainset_scale: 10,
    width_multiplier: 0.25,
    limit_train: 2000,
    limit_test: 1000,
  }],
] as const satisfies readonly (readonly [string, Optimizer, string, Json])[];

function readJson(file: string): Json {
  return JSON.parse(Deno.readTextFileSync(file)) as Json;
}

Deno.test("resolveConfig() loads every shipped config, keeping every value of the file", () => {
  const shipped = [...Deno.readDirSync(CONFIGS)].map((e) => e.name).filter((n) =>
    n.endsWith(".json")
  );
  assert.deepEqual(
    shipped.sort(),
    SHIPPED.map(([name]) => name).sort(),
    "every file is in the table",
  );
  for (const [name, optimizer] of SHIPPED) {
    const config = resolveConfig(optimizer, path(name), {});
    assert.equal(config.optimizer, optimizer, name);
    assert.ok(Object.isFrozen(config), name);
    for (const [key, value] of Object.entries(readJson(path(name)))) {
      assert.equal((config as unknown as Json)[key], value, `${name}: ${key}`);
    }
  }
});

Deno.test("shipped configs are the reproduction's files plus the documented changes", () => {
  for (const [name, optimizer, source, changes] of SHIPPED) {
    const repro = REPRODUCTION[source];
    assert.ok(repro, source);
    const file = readJson(path(name));
    assert.deepEqual(file, { optimizer, ...repro, ...changes }, name);
    // The reproduction's keys come first, in the reproduction's order.
    const reproKeys = Object.keys(file).filter((k) => Object.hasOwn(repro, k));
    assert.deepEqual(reproKeys, Object.keys(repro), `${name}: key order`);
  }
});

Deno.test("resolveConfig() gives the paper's values for the shipped configs", () => {
  const cases = [
    ["mnist_bayesbinn.json", {
      temperature: 1e-10,
      lr_init: 1e-4,
      batch_size: 100,
      beta: 0,
      trainset_scale: 1,
    }],
    ["cifar10_bayesbinn.json", {
      temperature: 1e-10,
      lr_init: 3e-4,
      batch_size: 50,
      trainset_scale: 10,
      seed: 10,
    }],
    ["cifar100_bayesbinn.json", {
      temperature: 1e-8,
      output_shape: 100,
      trainset_scale: 10,
      beta: 0,
    }],
    ["mnist_cl_bayesbinn.json", {
      temperature: 1e-2,
      evaluate_steps: 100,
      num_tasks: 5,
      drop_prob: 0,
      eps: 1e-4,
    }],
    ["mnist_lrnet_bayesbinn.json", { input_shape: 1, eps: 1e-5, validation_split: 0, epochs: 190 }],
    ["mnist_ste.json", {
      lr_init: 0.01,
      grad_clip_value: 1,
      weight_clip_value: 1,
      momentum: 0.15,
      eps: 1e-4,
    }],
    ["cifar100_ste.json", { dataset: "cifar100", output_shape: 100, momentum: 0.2, eps: 1e-5 }],
  ] as const;
  for (const [name, expected] of cases) {
    const config = resolveConfig(name.includes("ste") ? "ste" : "bayesbinn", path(name), {});
    for (const [key, value] of Object.entries(expected)) {
      assert.equal((config as unknown as Json)[key], value, `${name}: ${key}`);
    }
  }
});

Deno.test("resolveConfig() defaults without a file are the paper's MNIST setup", () => {
  const bayes = resolveConfig("bayesbinn", undefined, {});
  assert.deepEqual(bayes, resolveConfig("bayesbinn", path("mnist_bayesbinn.json"), {}));
  assert.equal(bayes.optimizer === "bayesbinn" && bayes.temperature, 1e-10);
  const ste = resolveConfig("ste", undefined, {});
  assert.deepEqual(ste, resolveConfig("ste", path("mnist_ste.json"), {}));
  assert.equal(ste.lr_init, 1e-2);
  assert.equal("temperature" in ste, false);
  assert.equal("grad_clip_value" in bayes, false);
});

Deno.test("resolveConfig() defaults follow the dataset (paper Table 9)", () => {
  const cases = [
    ["bayesbinn", "cifar10", {
      model_architecture: "VGGBinaryConnect",
      input_shape: 3,
      output_shape: 10,
      data_augmentation: true,
      batch_size: 50,
      lr_init: 3e-4,
      temperature: 1e-10,
      trainset_scale: 10,
      seed: 10,
      momentum: 0.2,
      eps: 1e-5,
      drop_prob: 0,
    }],
    ["bayesbinn", "cifar100", {
      temperature: 1e-8,
      output_shape: 100,
      lr_init: 3e-4,
      trainset_scale: 10,
    }],
    ["ste", "cifar100", {
      lr_init: 1e-2,
      output_shape: 100,
      batch_size: 50,
      seed: 10,
      grad_clip_value: 1,
    }],
  ] as const;
  for (const [optimizer, dataset, expected] of cases) {
    const config = resolveConfig(optimizer, undefined, { dataset });
    for (const [key, value] of Object.entries(expected)) {
      assert.equal((config as unknown as Json)[key], value, `${optimizer} ${dataset}: ${key}`);
    }
    // The shipped file equals the defaults, except the ignored drop_prob the reproduction wrote.
    const shipped = resolveConfig(optimizer, path(`${dataset}_${optimizer}.json`), {});
    assert.deepEqual({ ...config, drop_prob: 0 }, { ...shipped, drop_prob: 0 });
  }
});

Deno.test("resolveConfig() defaults validate for every optimizer, dataset and architecture", () => {
  const architectures = Object.keys(ARCHITECTURES) as Architecture[];
  let count = 0;
  for (const optimizer of ["bayesbinn", "ste"] as const) {
    for (const dataset of ["mnist", "cifar10", "cifar100"] as DatasetName[]) {
      for (const architecture of architectures) {
        const overrides = { dataset, model_architecture: architecture };
        if (!ARCHITECTURES[architecture].datasets.includes(dataset)) {
          assert.throws(() => resolveConfig(optimizer, undefined, overrides), ConfigError);
          continue;
        }
        const config = resolveConfig(optimizer, undefined, overrides);
        assert.equal(config.input_shape, ARCHITECTURES[architecture].inputShape);
        assert.equal(config.eps, ARCHITECTURES[architecture].eps);
        const keys = Object.keys(config).filter((k) => k !== "optimizer");
        const expected = Object.entries(CONFIG_KEYS).filter(([, s]) =>
          s.appliesTo.includes(optimizer) && (s.forDataset?.(dataset) ?? true)
        );
        assert.deepEqual(keys, expected.map(([k]) => k));
        count++;
      }
    }
  }
  assert.equal(count, 2 * 7, "mnist: 3 architectures, cifar10 and cifar100: 2 each");
});

/** [label, optimizer, file text or undefined, overrides, error key, substrings of the message]. */
const ERRORS = [
  ["unknown key", "bayesbinn", '{"temprature": 1e-10}', {}, "", [
    'unknown key "temprature"',
    'did you mean "temperature"',
  ]],
  ["kebab key in a file", "bayesbinn", '{"batch-size": 50}', {}, "", [
    '"batch-size"',
    '"batch_size"',
  ]],
  ["unknown flag", "bayesbinn", undefined, { temprature: "1" }, "temprature", [
    "--temprature",
    '"--temperature"',
  ]],
  ["string for integer", "ste", '{"epochs": "500"}', {}, "epochs", [
    'key "epochs" = "500"',
    "wrong type",
    "an integer >= 1",
  ]],
  ["fraction for integer", "ste", '{"epochs": 2.5}', {}, "epochs", [
    '"epochs" = 2.5',
    "not an integer",
  ]],
  ["null", "ste", '{"seed": null}', {}, "seed", ['"seed" = null', "wrong type"]],
  ["number flag", "bayesbinn", undefined, { epochs: "ten" }, "epochs", [
    '--epochs "ten"',
    "wrong type",
    "integer",
  ]],
  ["hex flag", "bayesbinn", undefined, { seed: "0x10" }, "seed", ['--seed "0x10"', "wrong type"]],
  ["boolean flag", "bayesbinn", undefined, { "batch-affine": "yes" }, "batch_affine", [
    '--batch-affine "yes"',
    "true or false",
  ]],
  ["boolean as string", "ste", '{"batch_affine": "false"}', {}, "batch_affine", [
    '"batch_affine" = "false"',
    "true or false",
  ]],
  ["temperature 0", "bayesbinn", '{"temperature": 0}', {}, "temperature", [
    '"temperature" = 0',
    "out of range",
    "> 0",
  ]],
  ["temperature flag", "bayesbinn", undefined, { temperature: "-1e-10" }, "temperature", [
    '"-1e-10"',
    "> 0",
  ]],
  ["mc_steps 0", "bayesbinn", '{"mc_steps": 0}', {}, "mc_steps", [
    '"mc_steps" = 0',
    "an integer >= 1",
  ]],
  ["validation_split 1", "ste", '{"validation_split": 1}', {}, "validation_split", [
    "= 1",
    "[0, 1)",
  ]],
  ["negative lr", "ste", undefined, { lr_init: "-0.01" }, "lr_init", [
    '--lr_init "-0.01"',
    "a number > 0",
  ]],
  ["batch size 1", "ste", undefined, { "batch-size": "1" }, "batch_size", [
    '--batch-size "1"',
    ">= 2",
  ]],
  ["beta 1", "bayesbinn", undefined, { beta: "1" }, "beta", ['--beta "1"', "[0, 1)"]],
  ["criterion", "bayesbinn", '{"criterion": "mse"}', {}, "criterion", [
    '"criterion" = "mse"',
    'one of "crossentropy"',
  ]],
  ["scheduler", "ste", '{"lr_scheduler": "step"}', {}, "lr_scheduler", [
    '"step"',
    'one of "cosine"',
  ]],
  ["dataset case", "bayesbinn", '{"dataset": "MNIST"}', {}, "dataset", [
    '"MNIST"',
    '"cifar100"',
    'did you mean "mnist"',
  ]],
  ["architecture", "ste", undefined, { model_architecture: "VGG" }, "model_architecture", [
    '"VGG"',
    '"LRNetBig"',
  ]],
  ["STE key in BayesBiNN", "bayesbinn", '{"grad_clip_value": 1}', {}, "grad_clip_value", [
    '"grad_clip_value" = 1',
    "applies only to ste",
  ]],
  ["BayesBiNN key in STE", "ste", '{"temperature": 1e-10}', {}, "temperature", [
    "applies only to bayesbinn",
  ]],
  ["BayesBiNN flag in STE", "ste", undefined, { beta: "0.9" }, "beta", [
    '--beta "0.9"',
    "applies only to bayesbinn",
  ]],
  ["optimizer mismatch", "bayesbinn", '{"optimizer": "ste"}', {}, "optimizer", [
    '"optimizer" = "ste"',
    '"bayesbinn"',
  ]],
  ["optimizer flag", "bayesbinn", undefined, { optimizer: "ste" }, "optimizer", [
    '--optimizer "ste"',
    "train:ste",
  ]],
  ["flag twice", "bayesbinn", undefined, { batch_size: "50", "batch-size": "60" }, "batch_size", [
    '--batch-size "60"',
    "--batch_size",
  ]],
  ["input_shape", "bayesbinn", '{"input_shape": 3}', {}, "input_shape", [
    '"input_shape" = 3',
    "must be 784",
  ]],
  [
    "MLP on CIFAR",
    "bayesbinn",
    '{"dataset": "cifar10", "model_architecture": "BinaryConnect"}',
    {},
    "model_architecture",
    [
      '"BinaryConnect"',
      'needs dataset "mnist"',
      '"cifar10"',
    ],
  ],
  [
    "LRNetBig on MNIST",
    "bayesbinn",
    undefined,
    { "model-architecture": "LRNetBig" },
    "model_architecture",
    [
      '"LRNetBig"',
      '"cifar10" or "cifar100"',
      'dataset is "mnist" (the default)',
    ],
  ],
  [
    "dataset flag vs file",
    "bayesbinn",
    '{"model_architecture": "BinaryConnect"}',
    { dataset: "cifar10" },
    "model_architecture",
    [
      "(set by --dataset)",
    ],
  ],
  ["output_shape", "bayesbinn", '{"dataset": "cifar100", "output_shape": 10}', {}, "output_shape", [
    '"output_shape" = 10',
    "100",
  ]],
  ["coarse on MNIST", "ste", undefined, { label_mode: "coarse" }, "label_mode", [
    '"coarse"',
    '"cifar100"',
  ]],
  ["lr_final above lr_init", "ste", '{"lr_init": 1e-3, "lr_final": 1e-2}', {}, "lr_final", [
    '"lr_final" = 0.01',
    "<= lr_init = 0.001",
  ]],
  ["limit below a batch", "bayesbinn", undefined, { "limit-train": "100" }, "limit_train", [
    '--limit-train "100"',
    "90 training images",
    "100",
  ]],
  [
    "empty validation",
    "bayesbinn",
    undefined,
    { limit_train: "105", batch_size: "50", validation_split: "0.005" },
    "limit_train",
    [
      "empty validation set",
    ],
  ],
  [
    "num_tasks on CIFAR",
    "bayesbinn",
    undefined,
    { dataset: "cifar10", num_tasks: "5" },
    "num_tasks",
    ['--num_tasks "5"', '"mnist"'],
  ],
  ["not JSON", "bayesbinn", "{", {}, "", ["is not valid JSON"]],
  ["not an object", "bayesbinn", "[1]", {}, "", ["must hold one JSON object", "[1]"]],
] as const;

Deno.test("resolveConfig() throws a one-line ConfigError naming the key and value", () => {
  const dir = Deno.makeTempDirSync();
  try {
    for (const [label, optimizer, text, overrides, key, parts] of ERRORS) {
      const file = text === undefined ? undefined : `${dir}/${label.replaceAll(" ", "_")}.json`;
      if (file !== undefined && text !== undefined) Deno.writeTextFileSync(file, text);
      assert.throws(
        () => resolveConfig(optimizer, file, overrides),
        (e: unknown) => {
          assert.ok(e instanceof ConfigError, `${label}: ${e}`);
          assert.equal(e.key, key, `${label}: key`);
          assert.ok(!e.message.includes("\n"), `${label}: one line`);
          assert.ok(
            e.message.startsWith(file === undefined ? "command line: " : `${file}: `),
            `${label}: ${e.message}`,
          );
          for (const part of parts) {
            assert.ok(e.message.includes(part), `${label}: "${part}" in: ${e.message}`);
          }
          return true;
        },
      );
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("resolveConfig() names a file it cannot read", () => {
  assert.throws(
    () => resolveConfig("ste", "/nonexistent/bnn.json", {}),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.message.startsWith("/nonexistent/bnn.json: cannot read config file") &&
      !e.message.includes("\n"),
  );
});

Deno.test("resolveConfig() parses overrides to the key's type", () => {
  const cases = [
    ["temperature", "1e-8", 1e-8],
    ["temperature", "1E-12", 1e-12],
    ["lr-init", "3e-4", 3e-4],
    ["lr_final", "0", 0],
    ["validation-split", ".2", 0.2],
    ["momentum", "+0.1", 0.1],
    ["epochs", "1e3", 1000],
    ["seed", " 42 ", 42],
    ["batch_affine", "true", true],
    ["data-augmentation", "false", false],
    ["evaluate-mean", "logits", "logits"],
    ["limit-train", "2000", 2000],
    ["limit_test", "500", 500],
    ["--mc-steps", "4", 4],
  ] as const;
  for (const [flag, raw, expected] of cases) {
    const config = resolveConfig("bayesbinn", undefined, { [flag]: raw }) as unknown as Json;
    const key = flag.replace(/^--/, "").replaceAll("-", "_");
    assert.equal(config[key], expected, `--${flag} ${raw}`);
  }
});

Deno.test("resolveConfig() applies overrides over the file, and skips undefined values", () => {
  const config = resolveConfig("bayesbinn", path("cifar100_bayesbinn.json"), {
    temperature: "1e-10",
    "batch-size": "25",
    seed: undefined,
  });
  assert.equal(config.optimizer === "bayesbinn" && config.temperature, 1e-10);
  assert.equal(config.batch_size, 25);
  assert.equal(config.seed, 10);
  assert.equal(config.lr_init, 3e-4);
});

Deno.test("resolveConfig() accepts a key given in both spellings with one value, refuses two values", () => {
  const config = resolveConfig("ste", undefined, { batch_size: "50", "batch-size": "5e1" });
  assert.equal(config.batch_size, 50);
  assert.throws(
    () => resolveConfig("ste", undefined, { batch_size: "50", "batch-size": "60" }),
    (e: unknown) =>
      e instanceof ConfigError && e.key === "batch_size" &&
      e.message ===
        'command line: --batch-size "60" sets batch_size again (already set by --batch_size)',
  );
});

Deno.test("configOptions() builds a strict parseArgs parser for every key", () => {
  const options = configOptions();
  for (const key of Object.keys(CONFIG_KEYS)) {
    assert.deepEqual(options[key], { type: "string" });
    assert.deepEqual(options[key.replaceAll("_", "-")], { type: "string" });
  }
  const { values } = parseArgs({
    args: ["--limit-train", "1000", "--batch_size=20", "--temperature", "1e-9", "--out", "runs/a"],
    options: { ...options, out: { type: "string" } },
    strict: true,
  });
  const overrides = pickConfigOverrides(values);
  assert.deepEqual(overrides, { "limit-train": "1000", batch_size: "20", temperature: "1e-9" });
  const config = resolveConfig("bayesbinn", path("mnist_bayesbinn.json"), overrides);
  assert.equal(config.limit_train, 1000);
  assert.equal(config.batch_size, 20);
  assert.equal(config.optimizer === "bayesbinn" && config.temperature, 1e-9);
  assert.throws(() => parseArgs({ args: ["--temprature", "1"], options, strict: true }));
});

Deno.test("saveResolvedConfig() round-trips every config with stable key order", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const configs: Config[] = SHIPPED.map(([name, optimizer]) =>
      resolveConfig(optimizer, path(name), {})
    );
    configs.push(
      resolveConfig("bayesbinn", undefined, {
        dataset: "cifar100",
        label_mode: "coarse",
        output_shape: "20",
      }),
    );
    configs.push(resolveConfig("ste", undefined, { "grad-clip-value": "0", eps: "1e-3" }));
    for (const [i, config] of configs.entries()) {
      const file = `${dir}/config_${i}.json`;
      saveResolvedConfig(config, file);
      const text = Deno.readTextFileSync(file);
      assert.equal(text, configToJson(config));
      const back = resolveConfig(config.optimizer, file, {});
      assert.deepEqual(back, config);
      assert.deepEqual(
        Object.keys(JSON.parse(text)),
        Object.keys(config),
        "optimizer first, then table order",
      );
      saveResolvedConfig(back, file);
      assert.equal(Deno.readTextFileSync(file), text, "same bytes when saved again");
    }
    const left = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".tmp"));
    assert.deepEqual(left, [], "no temporary files left");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("resolveConfig() returns a frozen config", () => {
  const config = resolveConfig("ste", undefined, {});
  assert.ok(Object.isFrozen(config));
  assert.throws(() => {
    (config as unknown as Json).epochs = 1;
  }, TypeError);
});

Deno.test("configHelp() lists the keys of the optimizer with their defaults", () => {
  const bayes = configHelp("bayesbinn");
  const ste = configHelp("ste");
  for (const [key, spec] of Object.entries(CONFIG_KEYS)) {
    assert.equal(
      bayes.includes(`--${key} `) || bayes.includes(`--${key},`),
      spec.appliesTo.includes("bayesbinn"),
      key,
    );
    assert.equal(
      ste.includes(`--${key} `) || ste.includes(`--${key},`),
      spec.appliesTo.includes("ste"),
      key,
    );
  }
  assert.ok(bayes.includes("default 1e-10 (mnist, cifar10), 1e-8 (cifar100)"));
  assert.ok(ste.includes("--lr_init, --lr-init  (a number > 0; default 0.01)"));
  const markdown = configHelp(undefined, "markdown").trimEnd().split("\n");
  assert.equal(markdown.length, 2 + 1 + Object.keys(CONFIG_KEYS).length);
  assert.ok(
    markdown.some((row) =>
      row.startsWith("| `lr_init` |") && row.includes("bayesbinn: 1e-4 (mnist)")
    ),
  );
});

Deno.test("configNotes() reports accepted values that have no effect", () => {
  const cifar = resolveConfig("bayesbinn", path("cifar10_bayesbinn.json"), {});
  assert.deepEqual(configNotes(cifar), [
    "drop_prob = 0.2 is ignored: VGGBinaryConnect has no dropout layers",
  ]);
  assert.deepEqual(configNotes(resolveConfig("bayesbinn", path("mnist_bayesbinn.json"), {})), []);
  const logits = resolveConfig("bayesbinn", undefined, { evaluate_mean: "logits" });
  assert.equal(configNotes(logits).length, 1);
  assert.deepEqual(
    configNotes(
      resolveConfig("bayesbinn", undefined, { evaluate_mean: "logits", evaluate_steps: "10" }),
    ),
    [],
  );
});

Deno.test("closestConfigFlag() suggests the nearest flag for a typo", () => {
  const cases = [
    ["--temprature", "--temperature"],
    ["batch-sise", "--batch-size"],
    ["--limit_trian", "--limit_train"],
    ["--verbose", undefined],
  ] as const;
  for (const [typed, expected] of cases) assert.equal(closestConfigFlag(typed), expected, typed);
});
