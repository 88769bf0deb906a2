import assert from "node:assert/strict";
import { buildSpec, type BuildSpecOptions } from "../../../train/models/architectures.ts";
import { binaryKernelShapes } from "../../../train/models/shapes.ts";
import type { LayerSpec, ModelSpec } from "../../../train/models/spec.ts";

const count = (spec: ModelSpec) =>
  binaryKernelShapes(spec).reduce((s, k) => s + k.reduce((a, b) => a * b, 1), 0);

Deno.test("buildSpec() gives the paper's binary weight counts", () => {
  // MLP: 784·2048 + 2·2048² + 2048·10 = 1,605,632 + 8,388,608 + 20,480.
  // VGG: conv 9·(3·128 + 128·128 + 128·256 + 256·256 + 256·512 + 512·512) = 4,574,592;
  //      FC 8192·1024 + 1024² = 9,437,184; last 1024·classes.
  // MLP_CL: 784·100 + 100·100 + 100·10. LRNetSmall: 25·(1·32 + 32·64) + 3136·512 + 512·10.
  // LRNetBig: the VGG convs + 8192·1024 + 1024·10.
  const cases: [string, string, number][] = [
    ["BinaryConnect", "mnist", 10_014_720],
    ["VGGBinaryConnect", "cifar10", 14_022_016],
    ["VGGBinaryConnect", "cifar100", 14_114_176],
    ["MLP_CL", "mnist", 89_400],
    ["LRNetSmall", "mnist", 1_662_752],
    ["LRNetBig", "cifar10", 4_574_592 + 8_388_608 + 10_240],
  ];
  for (const [arch, dataset, n] of cases) {
    assert.equal(
      count(buildSpec({ model_architecture: arch, dataset })),
      n,
      `${arch} on ${dataset}`,
    );
  }
});

const kinds = (spec: ModelSpec) => spec.layers.map((l) => l.type).join(" ");
const bns = (spec: ModelSpec) =>
  spec.layers.filter((l): l is Extract<LayerSpec, { type: "batchnorm" }> => l.type === "batchnorm");

Deno.test("buildSpec() BinaryConnect is Dropout → [FC → BN → ReLU → Dropout]×3 → FC → BN", () => {
  const spec = buildSpec({ model_architecture: "BinaryConnect", dataset: "mnist", drop_prob: 0.2 });
  assert.deepEqual(spec.inputShape, [28, 28, 1]);
  assert.equal(
    kinds(spec),
    "flatten dropout " + "dense batchnorm relu dropout ".repeat(3) + "dense batchnorm",
  );
  assert.ok(spec.layers.every((l) => l.type !== "dropout" || l.rate === 0.2));
  assert.ok(bns(spec).every((b) => b.eps === 1e-4 && b.momentum === 0.15 && !b.affine));
  const noDrop = buildSpec({ model_architecture: "BinaryConnect", dataset: "mnist", drop_prob: 0 });
  assert.equal(kinds(noDrop), "flatten " + "dense batchnorm relu ".repeat(3) + "dense batchnorm");
});

Deno.test("buildSpec() VGGBinaryConnect pools before BN; conv BN uses momentum, FC BN 0.1", () => {
  const spec = buildSpec({
    model_architecture: "VGGBinaryConnect",
    dataset: "cifar10",
    momentum: 0.2,
  });
  assert.equal(
    kinds(spec),
    "conv2d batchnorm relu conv2d maxpool batchnorm relu ".repeat(3) +
      "flatten dense batchnorm relu dense batchnorm relu dense batchnorm",
  );
  const b = bns(spec);
  assert.deepEqual(b.map((x) => x.momentum), [0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.1, 0.1, 0.1]);
  assert.ok(b.every((x) => x.eps === 1e-5));
  const convs = spec.layers.filter((l) => l.type === "conv2d");
  assert.deepEqual(
    convs.map((c) => c.type === "conv2d" && [c.filters, c.kernelSize, c.padding].join()),
    [
      "128,3,1",
      "128,3,1",
      "256,3,1",
      "256,3,1",
      "512,3,1",
      "512,3,1",
    ],
  );
  assert.deepEqual(spec.layers[22], { type: "dense", inputs: 8192, units: 1024 });
});

Deno.test("buildSpec() LRNetSmall, LRNetBig and MLP_CL follow the reproduction", () => {
  const small = buildSpec({ model_architecture: "LRNetSmall", dataset: "mnist", momentum: 0.15 });
  assert.equal(
    kinds(small),
    "conv2d maxpool batchnorm relu conv2d maxpool batchnorm relu flatten dense batchnorm relu dense batchnorm",
  );
  assert.deepEqual(bns(small).map((b) => b.momentum), [0.15, 0.15, 0.1, 0.1]);
  assert.deepEqual(small.layers[0], {
    type: "conv2d",
    inChannels: 1,
    filters: 32,
    kernelSize: 5,
    padding: 2,
  });
  const big = buildSpec({ model_architecture: "LRNetBig", dataset: "cifar10" });
  assert.equal(
    kinds(big),
    "conv2d relu conv2d maxpool relu ".repeat(3) + "flatten dense batchnorm relu dense batchnorm",
  );
  const cl = buildSpec({
    model_architecture: "MLP_CL",
    dataset: "mnist",
    drop_prob: 0.2,
    batch_affine: true,
  });
  assert.equal(kinds(cl), "flatten " + "dense batchnorm relu ".repeat(2) + "dense batchnorm");
  assert.ok(bns(cl).every((b) => b.affine && b.eps === 1e-4 && b.momentum === 0.15));
});

Deno.test("buildSpec() applies eps, batch_affine, output_shape, image_shape and width_multiplier", () => {
  const spec = buildSpec({
    model_architecture: "VGGBinaryConnect",
    image_shape: [16, 16, 1],
    output_shape: 7,
    eps: 1e-3,
    batch_affine: true,
    width_multiplier: 0.25,
  });
  assert.equal(spec.numClasses, 7);
  assert.ok(bns(spec).every((b) => b.eps === 1e-3 && b.affine));
  assert.deepEqual(spec.layers[0], {
    type: "conv2d",
    inChannels: 1,
    filters: 32,
    kernelSize: 3,
    padding: 1,
  });
  assert.deepEqual(spec.layers[22], { type: "dense", inputs: 128 * 2 * 2, units: 256 });
  assert.deepEqual(spec.layers[28], { type: "dense", inputs: 256, units: 7 });
});

Deno.test("buildSpec() rejects bad keys with one clear message", () => {
  const base = { model_architecture: "BinaryConnect", dataset: "mnist" };
  const cases: [Record<string, unknown>, string, string][] = [
    [
      { model_architecture: "ResNet" },
      "RangeError",
      'model_architecture must be one of BinaryConnect, VGGBinaryConnect, LRNetSmall, LRNetBig, MLP_CL: current value is "ResNet"',
    ],
    [
      { dataset: "svhn" },
      "RangeError",
      'dataset must be one of mnist, cifar10, cifar100: current value is "svhn"',
    ],
    [{ drop_prob: 1 }, "RangeError", "drop_prob must be in [0, 1): current value is 1"],
    [{ drop_prob: "0.2" }, "TypeError", 'drop_prob must be a number: current value is "0.2"'],
    [{ momentum: 1.5 }, "RangeError", "momentum must be in [0, 1]: current value is 1.5"],
    [{ eps: 0 }, "RangeError", "eps must be a finite number > 0: current value is 0"],
    [
      { output_shape: 0 },
      "RangeError",
      "output_shape must be a positive integer: current value is 0",
    ],
    [
      { input_shape: 3 },
      "RangeError",
      "input_shape must be 784 (the flattened image size for BinaryConnect): current value is 3",
    ],
    [{ batch_affine: 1 }, "TypeError", "batch_affine must be a boolean: current value is 1"],
    [
      { width_multiplier: -1 },
      "RangeError",
      "width_multiplier must be a finite number > 0: current value is -1",
    ],
    [
      { image_shape: [28, 28] },
      "RangeError",
      "image_shape must be three positive integers [height, width, channels]: current value is [28,28]",
    ],
  ];
  for (const [bad, name, tail] of cases) {
    assert.throws(() => buildSpec({ ...base, ...bad } as unknown as BuildSpecOptions), {
      name,
      message: `Cannot build the model spec as ${tail}`,
    });
  }
  assert.throws(
    () =>
      buildSpec({ model_architecture: "VGGBinaryConnect", dataset: "cifar10", input_shape: 784 }),
    /input_shape must be 3 \(the image channels for VGGBinaryConnect\)/,
  );
  assert.throws(
    () =>
      buildSpec({
        model_architecture: "VGGBinaryConnect",
        image_shape: [4, 4, 3],
        output_shape: 10,
      }),
    /VGGBinaryConnect does not fit image_shape \[4,4,3\]: .*maxpool/,
  );
});
