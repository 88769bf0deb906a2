/**
 * bnn's export and evaluation: a trained run → a standard ONNX model (opset 17, 1-bit
 * packed ±1 weights) → metrics under ONNX Runtime.
 *
 * @example Usage
 * ```ts ignore
 * import { evaluateOnnx, exportModel } from "./mod.ts";
 * const { path } = await exportModel("runs/mnist", { weights: "packed" });
 * const r = await evaluateOnnx(path, { split: "test" });
 * console.log(r.accuracy, r.ece);
 * ```
 * @module
 */
export * from "./export.ts";
export * from "./sidecar.ts";
export * from "./export_error.ts";
export * from "./export_summary.ts";
export * from "./eval.ts";
export * from "./freeze.ts";
export * from "./metrics.ts";
export * from "./reliability.ts";
export * from "./onnx/graph.ts";
export * from "./onnx/pack.ts";
export * from "./onnx/proto.ts";
