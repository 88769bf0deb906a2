/**
 * bnn's browser demo server (`deno task serve`): the exported model in one page that runs it
 * with onnxruntime-web, from the metadata the export wrote.
 *
 * @example Usage
 * ```ts ignore
 * import { loadServedModel, startServer, testImageBundle } from "./mod.ts";
 * const model = await loadServedModel("runs/mnist");
 * const tests = await testImageBundle(model.info.dataset);
 * await startServer({ hostname: "127.0.0.1", port: 8080, model, tests });
 * ```
 * @module
 */
export * from "./class_names.ts";
export * from "./model_info.ts";
export * from "./onnx_reader.ts";
export * from "./sample_outputs.ts";
export * from "./serve_error.ts";
export * from "./server.ts";
export * from "./test_images.ts";
