/**
 * Configs of custom datasets: the dataset value's forms, defaults from the files' facts,
 * the architecture against the image shape, and where `image_size` applies.
 */
import assert from "node:assert/strict";
import path from "node:path";
import { ConfigError, resolveConfig } from "../../../train/config/config.ts";
import { decodeShape } from "../../../train/config/run_config.ts";
import { datasetLabel, parseDatasetRef } from "../../../train/data/dataset_ref.ts";

const facts = (height: number, channels: number, numClasses = 5, trainCount = 1000) => ({
  height,
  width: height,
  channels,
  numClasses,
  trainCount,
});

Deno.test("parseDatasetRef() and datasetLabel() read the dataset forms", () => {
  const cases: [string, unknown, string][] = [
    ["mnist", { kind: "builtin", name: "mnist" }, "mnist"],
    ["idx:/d/fashion", { kind: "idx", path: "/d/fashion" }, "fashion"],
    ["cifar:rel/x/", { kind: "cifar", path: "rel/x/" }, "x"],
    ["folder:/a:b", { kind: "folder", path: "/a:b" }, "a:b"],
    ["folder: ", 'needs a folder after "folder:"', "folder: "],
    ["imagenet", "is not a dataset", "imagenet"],
    ["png:/x", "is not a dataset", "png:/x"],
  ];
  for (const [value, ref, label] of cases) {
    assert.deepEqual(parseDatasetRef(value), ref, value);
    assert.equal(datasetLabel(value), label, value);
  }
});

Deno.test("resolveConfig() takes a custom set's classes and image size from its facts", () => {
  const idx = resolveConfig("ste", undefined, { dataset: "idx:fashion" }, facts(28, 1));
  assert.equal(idx.dataset, `idx:${path.resolve("fashion")}`, "made absolute");
  assert.deepEqual([idx.output_shape, idx.input_shape, idx.model_architecture], [
    5,
    784,
    "BinaryConnect",
  ]);
  assert.equal(idx.image_size, undefined, "image_size is not an idx: key");
  const folder = resolveConfig(
    "bayesbinn",
    undefined,
    { dataset: "folder:/f", image_size: "20" },
    facts(20, 1, 3),
  );
  assert.deepEqual([folder.output_shape, folder.input_shape, folder.image_size], [3, 400, 20]);
  assert.equal(folder.lr_init, 1e-4, "MNIST's defaults");
  const cifar = resolveConfig("ste", undefined, { dataset: "cifar:/c" }, facts(32, 3, 7));
  assert.deepEqual([cifar.model_architecture, cifar.input_shape, cifar.output_shape], [
    "VGGBinaryConnect",
    3,
    7,
  ]);
  assert.equal(cifar.batch_size, 50, "CIFAR-10's defaults");
  // before the files are read, a custom config resolves with the checks that need none
  const draft = resolveConfig("ste", undefined, { dataset: "folder:/f", limit_train: "5" });
  assert.equal(draft.limit_train, 5);
  // a saved config reloads to the same
  const text = JSON.stringify({ ...folder, optimizer: undefined });
  const dir = Deno.makeTempDirSync();
  Deno.writeTextFileSync(`${dir}/c.json`, text);
  assert.deepEqual(resolveConfig("bayesbinn", `${dir}/c.json`, {}, facts(20, 1, 3)), folder);
  Deno.removeSync(dir, { recursive: true });
});

/** [overrides, facts, the key blamed, the message]. */
const BAD: [Record<string, string>, ReturnType<typeof facts> | undefined, string, RegExp][] = [
  [
    { dataset: "idx:/d", output_shape: "10" },
    facts(28, 1),
    "output_shape",
    /must equal the number of classes, 5, of dataset "idx:\/d"/,
  ],
  [
    { dataset: "idx:/d", model_architecture: "VGGBinaryConnect" },
    facts(32, 1),
    "model_architecture",
    /takes 3-channel images, but dataset "idx:\/d" has 32×32×1 images/,
  ],
  [
    { dataset: "folder:/d", model_architecture: "LRNetSmall", image_size: "30" },
    facts(30, 1),
    "model_architecture",
    /cannot take 30×30 images: its 2 max-pools need a side that is a multiple of 4 \(set image_size, e\.g\. 32\)/,
  ],
  [
    { dataset: "idx:/d", input_shape: "784" },
    facts(20, 1),
    "input_shape",
    /must be 400 for model_architecture "BinaryConnect" \(the flattened image size\)/,
  ],
  [
    { dataset: "idx:/d" },
    facts(28, 1, 5, 60),
    "batch_size",
    /leaves 54 training images after the validation split, fewer than batch_size = 100/,
  ],
  [
    { dataset: "cifar10", image_size: "32" },
    undefined,
    "image_size",
    /applies only to folder:PATH and cifar:DIR datasets, not to dataset "cifar10"/,
  ],
  [
    { dataset: "idx:/d", image_size: "32" },
    undefined,
    "image_size",
    /applies only to folder:PATH and cifar:DIR datasets/,
  ],
  [
    { dataset: "folder:/d", label_mode: "coarse" },
    undefined,
    "label_mode",
    /needs dataset "cifar100"/,
  ],
  [
    { dataset: "folder:/d", num_tasks: "3", validation_split: "0" },
    facts(28, 1),
    "num_tasks",
    /needs dataset "mnist"/,
  ],
  [
    { dataset: "tiff:/d" },
    undefined,
    "dataset",
    /is not allowed: expected one of "mnist", "cifar10", "cifar100", or "idx:DIR", "cifar:DIR", "folder:PATH"/,
  ],
];

Deno.test("resolveConfig() refuses a custom config that does not fit its files, in one line", () => {
  for (const [overrides, data, key, message] of BAD) {
    const optimizer = "num_tasks" in overrides ? "bayesbinn" : "ste";
    const e = (() => {
      try {
        resolveConfig(optimizer, undefined, overrides, data);
      } catch (e) {
        return e;
      }
    })();
    assert.ok(e instanceof ConfigError, `${JSON.stringify(overrides)} was accepted`);
    assert.equal(e.key, key, e.message);
    assert.match(e.message, message);
  }
  assert.ok(resolveConfig("ste", undefined, { dataset: "cifar:/d", label_mode: "coarse" }));
});

Deno.test("decodeShape() follows image_size and the architecture's input", () => {
  const cases: [Record<string, string>, { size: number; channels: number }][] = [
    [{ dataset: "folder:/f" }, { size: 28, channels: 1 }],
    [{ dataset: "folder:/f", model_architecture: "VGGBinaryConnect" }, { size: 32, channels: 3 }],
    [{ dataset: "folder:/f", model_architecture: "LRNetSmall", image_size: "64" }, {
      size: 64,
      channels: 1,
    }],
    [{ dataset: "folder:/f", image_size: "16", input_shape: "768" }, { size: 16, channels: 3 }],
    [{ dataset: "cifar:/c", model_architecture: "BinaryConnect" }, { size: 32, channels: 1 }],
  ];
  for (const [overrides, shape] of cases) {
    assert.deepEqual(
      decodeShape(resolveConfig("ste", undefined, overrides)),
      shape,
      JSON.stringify(overrides),
    );
  }
});
