/**
 * The architecture of a binary network as plain data: a list of layers that the
 * tfjs forward pass ({@linkcode ./binary_net.ts}), the model summary and the ONNX
 * exporter all walk, so each architecture is written down exactly once.
 *
 * Layout conventions (tfjs): images are NHWC; a dense kernel is `[in, out]`; a
 * conv kernel is `[kh, kw, inChannels, outChannels]` (HWIO). `flatten` flattens
 * NHWC in row-major order (the exporter permutes for ONNX's NCHW).
 * @module
 */

/** One layer of a {@linkcode ModelSpec}. Dense and conv layers are binary (±1), with no bias. */
export type LayerSpec =
  | { type: "flatten" }
  | { type: "dropout"; rate: number }
  | { type: "dense"; inputs: number; units: number }
  | { type: "conv2d"; inChannels: number; filters: number; kernelSize: number; padding: number }
  | {
    type: "batchnorm";
    features: number;
    eps: number;
    /** PyTorch convention: running = (1 − momentum)·running + momentum·batch. */
    momentum: number;
    /** Real-valued γ/β trained with Adam (paper footnote 3); false in every paper experiment. */
    affine: boolean;
  }
  | { type: "relu" }
  | { type: "maxpool"; size: number };

/** A whole network: input image shape `[height, width, channels]`, classes, layers. */
export interface ModelSpec {
  /** `BinaryConnect`, `VGGBinaryConnect`, `LRNetSmall`, `LRNetBig` or `MLP_CL`. */
  architecture: string;
  inputShape: [number, number, number];
  numClasses: number;
  layers: LayerSpec[];
}
