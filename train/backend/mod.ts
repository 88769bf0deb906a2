/**
 * Backend selection and fast kernels: {@linkcode initBackend} sets the tfjs backend bnn trains
 * on (OpenBLAS + native kernels on wasm when available); {@linkcode wasmView} reads and writes
 * wasm tensors in place, {@linkcode fillUniform} draws the Rng's uniform stream in bulk, and
 * {@linkcode useNativeOptimKernels} picks the native or the JS implementation of the
 * optimizers' fused kernels (which live beside their optimizers in `../optimizers/`);
 * {@linkcode setUpWebGpu} readies the `webgpu` backend.
 * @module
 */
export * from "./init_backend.ts";
export * from "./wasm_view.ts";
export * from "./fill_uniform.ts";
export {
  findWebGpuAdapter,
  flushGpuQueue,
  readVariablesBack,
  setUpWebGpu,
  type WebGpuInfo,
} from "./webgpu.ts";
export { useNativeOptimKernels } from "./optim_native.ts";
export { buildNative, NATIVE_CFLAGS } from "./build_native.ts";
