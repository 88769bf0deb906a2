/**
 * Backend selection and fast kernels: {@linkcode initBackend} sets the tfjs backend bnn trains
 * on (OpenBLAS + native kernels on wasm when available), and the fused optimizer kernels do
 * BayesBiNN's and Adam's element-wise work in one pass over Float32Arrays.
 * @module
 */
export * from "./init_backend.ts";
export * from "./optim_kernels.ts";
export { buildNative, NATIVE_CFLAGS } from "./build_native.ts";
