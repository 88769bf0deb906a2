/**
 * Shape inference over a {@linkcode ModelSpec}: the per-example input and output shapes of
 * every layer and the shapes of the binary kernels, with the spec checked for
 * consistency on the way (one walk, shared by the network, the summary and the
 * exporter).
 * @module
 */
import type { LayerSpec, ModelSpec } from "./spec.ts";

/**
 * Per-example shapes: `[h, w, c]` for images (NHWC), `[features]` after flatten.
 *
 * @example Usage
 * ```ts
 * import type { ExampleShape } from "./shapes.ts";
 * const image: ExampleShape = [28, 28, 1];
 * if (image.length !== 3) throw new Error();
 * ```
 */
export type ExampleShape = number[];

function fail(index: number, layer: LayerSpec, what: string): never {
  throw new RangeError(`Invalid model spec at layers[${index}] (${layer.type}): ${what}`);
}

function positiveInt(x: unknown): boolean {
  return Number.isInteger(x) && (x as number) > 0;
}

/**
 * The output shape (without the batch dimension) of every layer of `spec`.
 *
 * conv2d (stride 1, symmetric zero padding p, kernel k): h' = h + 2p − k + 1;
 * maxpool (size s, stride s, no padding): h' = ⌊h/s⌋.
 *
 * @throws {RangeError} If a layer does not fit its input (naming `layers[i]`).
 *
 * @example Usage
 * ```ts
 * import { layerOutputShapes } from "./shapes.ts";
 * const shapes = layerOutputShapes({
 *   architecture: "tiny", inputShape: [2, 2, 1], numClasses: 3,
 *   layers: [{ type: "flatten" }, { type: "dense", inputs: 4, units: 3 }],
 * });
 * if (shapes[1][0] !== 3) throw new Error("dense output is [3]");
 * ```
 */
export function layerOutputShapes(spec: ModelSpec): ExampleShape[] {
  const [h0, w0, c0] = spec.inputShape;
  if (![h0, w0, c0].every(positiveInt)) {
    throw new RangeError(
      `Invalid model spec: inputShape must be three positive integers: current value is ${
        JSON.stringify(spec.inputShape)
      }`,
    );
  }
  let shape: ExampleShape = [h0, w0, c0];
  const out = spec.layers.map((layer, i) => (shape = outputShape(layer, shape, i)));
  if (shape.length !== 1 || shape[0] !== spec.numClasses) {
    throw new RangeError(
      `Invalid model spec: the last layer outputs [${shape}] but numClasses is ${spec.numClasses}`,
    );
  }
  return out;
}

/** The output shape of `layer` (at `layers[i]`) on an input of `shape`, the layer checked. */
function outputShape(layer: LayerSpec, shape: ExampleShape, i: number): ExampleShape {
  switch (layer.type) {
    case "flatten":
      return [shape.reduce((a, b) => a * b, 1)];
    case "dropout":
      if (!(layer.rate >= 0 && layer.rate < 1)) {
        fail(i, layer, `rate must be in [0, 1): ${layer.rate}`);
      }
      return shape;
    case "dense":
      if (shape.length !== 1) fail(i, layer, `needs a flat input, got [${shape}]`);
      if (!positiveInt(layer.units)) {
        fail(i, layer, `units must be a positive integer: ${layer.units}`);
      }
      if (layer.inputs !== shape[0]) {
        fail(i, layer, `inputs is ${layer.inputs} but its input has ${shape[0]} features`);
      }
      return [layer.units];
    case "conv2d":
      return convOutput(layer, shape, i);
    case "maxpool": {
      if (shape.length !== 3) fail(i, layer, `needs an image input, got [${shape}]`);
      if (!positiveInt(layer.size)) {
        fail(i, layer, `size must be a positive integer: ${layer.size}`);
      }
      const h = Math.floor(shape[0]! / layer.size);
      const w = Math.floor(shape[1]! / layer.size);
      if (h < 1 || w < 1) fail(i, layer, `pool ${layer.size} does not fit input [${shape}]`);
      return [h, w, shape[2]!];
    }
    case "batchnorm":
      checkBatchNorm(layer, shape, i);
      return shape;
    case "relu":
      return shape;
    default:
      throw new RangeError(
        `Invalid model spec at layers[${i}]: unknown type ${
          JSON.stringify((layer as { type: unknown }).type)
        }`,
      );
  }
}

function convOutput(
  layer: Extract<LayerSpec, { type: "conv2d" }>,
  shape: ExampleShape,
  i: number,
): ExampleShape {
  if (shape.length !== 3) fail(i, layer, `needs an image input, got [${shape}]`);
  if (!positiveInt(layer.filters)) {
    fail(i, layer, `filters must be a positive integer: ${layer.filters}`);
  }
  if (!positiveInt(layer.kernelSize)) {
    fail(i, layer, `kernelSize must be a positive integer: ${layer.kernelSize}`);
  }
  if (!(Number.isInteger(layer.padding) && layer.padding >= 0)) {
    fail(i, layer, `padding must be a non-negative integer: ${layer.padding}`);
  }
  if (layer.inChannels !== shape[2]) {
    fail(i, layer, `inChannels is ${layer.inChannels} but its input has ${shape[2]} channels`);
  }
  const h = shape[0]! + 2 * layer.padding - layer.kernelSize + 1;
  const w = shape[1]! + 2 * layer.padding - layer.kernelSize + 1;
  if (h < 1 || w < 1) fail(i, layer, `kernel ${layer.kernelSize} does not fit input [${shape}]`);
  return [h, w, layer.filters];
}

function checkBatchNorm(
  layer: Extract<LayerSpec, { type: "batchnorm" }>,
  shape: ExampleShape,
  i: number,
): void {
  if (layer.features !== shape[shape.length - 1]) {
    fail(i, layer, `features is ${layer.features} but its input has ${shape[shape.length - 1]}`);
  }
  if (!(layer.eps > 0)) fail(i, layer, `eps must be > 0: ${layer.eps}`);
  if (!(layer.momentum >= 0 && layer.momentum <= 1)) {
    fail(i, layer, `momentum must be in [0, 1]: ${layer.momentum}`);
  }
}

/**
 * The input shape (without the batch dimension) of every layer of `spec`: the spec's
 * `inputShape` for the first, the previous layer's output for the others.
 *
 * @throws {RangeError} If a layer does not fit its input (as {@linkcode layerOutputShapes}).
 *
 * @example Usage
 * ```ts
 * import { layerInputShapes } from "./shapes.ts";
 * const shapes = layerInputShapes({
 *   architecture: "tiny", inputShape: [2, 2, 1], numClasses: 3,
 *   layers: [{ type: "flatten" }, { type: "dense", inputs: 4, units: 3 }],
 * });
 * if (shapes[0].join() !== "2,2,1" || shapes[1].join() !== "4") throw new Error();
 * ```
 */
export function layerInputShapes(spec: ModelSpec): ExampleShape[] {
  const outputs = layerOutputShapes(spec);
  return [[...spec.inputShape], ...outputs.slice(0, -1)];
}

/**
 * The kernel shape of every binary layer in layer order: dense `[in, out]`,
 * conv `[kh, kw, cin, cout]` (HWIO).
 *
 * @example Usage
 * ```ts
 * import { binaryKernelShapes } from "./shapes.ts";
 * const s = binaryKernelShapes({
 *   architecture: "tiny", inputShape: [1, 1, 2], numClasses: 2,
 *   layers: [{ type: "flatten" }, { type: "dense", inputs: 2, units: 2 }],
 * });
 * if (s[0].join() !== "2,2") throw new Error("dense kernel is [2, 2]");
 * ```
 */
export function binaryKernelShapes(spec: ModelSpec): number[][] {
  const shapes: number[][] = [];
  for (const layer of spec.layers) {
    if (layer.type === "dense") shapes.push([layer.inputs, layer.units]);
    if (layer.type === "conv2d") {
      shapes.push([layer.kernelSize, layer.kernelSize, layer.inChannels, layer.filters]);
    }
  }
  return shapes;
}
