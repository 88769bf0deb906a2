/**
 * Binary network architectures for bnn: the {@linkcode ModelSpec} data type,
 * the paper's and the reproduction's architectures ({@linkcode buildSpec}), shape
 * inference, the functional forward pass {@linkcode BinaryNet} (weights passed in,
 * BN state owned) and a Larq-style summary.
 *
 * @example Usage
 * ```ts
 * import { BinaryNet, buildSpec, formatSummary, summarize } from "./mod.ts";
 * const spec = buildSpec({ model_architecture: "MLP_CL", dataset: "mnist" });
 * const net = new BinaryNet(spec);
 * if (net.binaryShapes.length !== 3) throw new Error("three binary layers");
 * if (!formatSummary(summarize(spec)).includes("89,400")) throw new Error("89,400 weights");
 * net.dispose();
 * ```
 * @module
 */

export * from "./spec.ts";
export * from "./shapes.ts";
export * from "./architectures.ts";
export * from "./binary_net.ts";
export * from "./summary.ts";
