import assert from "node:assert/strict";
import { binaryKernelShapes, layerOutputShapes } from "../../../train/models/shapes.ts";
import type { LayerSpec, ModelSpec } from "../../../train/models/spec.ts";

const spec = (
  layers: LayerSpec[],
  inputShape: [number, number, number] = [6, 6, 2],
  numClasses = 4,
): ModelSpec => ({
  architecture: "t",
  inputShape,
  numClasses,
  layers,
});

Deno.test("layerOutputShapes() follows conv, pool and flatten arithmetic", () => {
  // conv 5×5 pad 1 on 6×6: 6 + 2 − 5 + 1 = 4; maxpool 3 on 4×4: ⌊4/3⌋ = 1; flatten 1·1·8.
  const s = spec([
    { type: "conv2d", inChannels: 2, filters: 8, kernelSize: 5, padding: 1 },
    { type: "batchnorm", features: 8, eps: 1e-5, momentum: 0.1, affine: false },
    { type: "maxpool", size: 3 },
    { type: "relu" },
    { type: "flatten" },
    { type: "dropout", rate: 0.5 },
    { type: "dense", inputs: 8, units: 4 },
  ]);
  assert.deepEqual(layerOutputShapes(s), [[4, 4, 8], [4, 4, 8], [1, 1, 8], [1, 1, 8], [8], [8], [
    4,
  ]]);
  assert.deepEqual(binaryKernelShapes(s), [[5, 5, 2, 8], [8, 4]]);
});

Deno.test("layerOutputShapes() names the first layer that does not fit", () => {
  const cases: [LayerSpec[], string][] = [
    [
      [{ type: "dense", inputs: 72, units: 4 }],
      "layers[0] (dense): needs a flat input, got [6,6,2]",
    ],
    [
      [{ type: "conv2d", inChannels: 3, filters: 4, kernelSize: 3, padding: 1 }],
      "layers[0] (conv2d): inChannels is 3 but its input has 2 channels",
    ],
    [
      [{ type: "conv2d", inChannels: 2, filters: 4, kernelSize: 9, padding: 0 }],
      "layers[0] (conv2d): kernel 9 does not fit input [6,6,2]",
    ],
    [[{ type: "maxpool", size: 7 }], "layers[0] (maxpool): pool 7 does not fit input [6,6,2]"],
    [
      [{ type: "flatten" }, { type: "maxpool", size: 2 }],
      "layers[1] (maxpool): needs an image input, got [72]",
    ],
    [
      [{ type: "batchnorm", features: 3, eps: 1e-5, momentum: 0.1, affine: false }],
      "layers[0] (batchnorm): features is 3 but its input has 2",
    ],
    [
      [{ type: "batchnorm", features: 2, eps: 0, momentum: 0.1, affine: false }],
      "layers[0] (batchnorm): eps must be > 0: 0",
    ],
    [[{ type: "dropout", rate: 1 }], "layers[0] (dropout): rate must be in [0, 1): 1"],
    [
      [{ type: "flatten" }, { type: "dense", inputs: 72, units: 0 }],
      "layers[1] (dense): units must be a positive integer: 0",
    ],
  ];
  for (const [layers, msg] of cases) {
    assert.throws(() => layerOutputShapes(spec(layers)), {
      name: "RangeError",
      message: `Invalid model spec at ${msg}`,
    });
  }
  assert.throws(
    () => layerOutputShapes(spec([{ type: "flatten" }])),
    /the last layer outputs \[72\] but numClasses is 4/,
  );
  assert.throws(
    () => layerOutputShapes(spec([], [0, 6, 2])),
    /inputShape must be three positive integers/,
  );
});
