/**
 * Deterministic matmuls on the `webgpu` backend. tfjs-backend-webgpu 4.22 picks one of four
 * matmul programs by shape; for a single matrix product whose output needs few 32×32 tiles and
 * whose inner dimension K is ≥ 2000 (the last layer of the paper's MNIST MLP: [100, 2048] ×
 * [2048, 10]) it picks `MatMulSplitKProgram`, which splits K over workgroups and adds the partial
 * sums with float atomics — in whatever order the GPU runs them, so the same inputs can give
 * different bits. bnn promises the same bits for the same seed on the same backend, so this
 * wrapper asks for `MatMulSmallOutputSizeProgram` (small tiles, each output summed in order by
 * one thread) exactly where the split-K program would run, through the backend's own
 * `WEBGPU_MATMUL_PROGRAM_TYPE` flag, and leaves every other choice to tfjs.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { callOriginal } from "../_registry.ts";

/** tfjs-backend-webgpu's `MatMulProgramType.MatMulSmallOutputSizeProgram`. */
const SMALL_OUTPUT_PROGRAM = 2;

/** What tfjs-backend-webgpu 4.22's `batchMatMulImpl` reads to choose the split-K program. */
interface MatMulShape {
  a: readonly number[];
  b: readonly number[];
  transposeA: boolean;
  transposeB: boolean;
}

/**
 * Whether tfjs-backend-webgpu 4.22 would run this product with its split-K (atomic) program:
 * its own rule (`BatchMatMul_impl.js`), with `threshold` its `thresholdToIncreaseWorkgroups`.
 *
 * @example Usage
 * ```ts
 * import { usesSplitK } from "./webgpu_mat_mul.ts";
 * // the MNIST MLP's last layer: 100 × 10 outputs, K = 2048
 * const last = { a: [100, 2048], b: [2048, 10], transposeA: false, transposeB: false };
 * if (!usesSplitK(last, 8)) throw new Error("split-K expected");
 * const hidden = { a: [100, 2048], b: [2048, 2048], transposeA: false, transposeB: false };
 * if (usesSplitK(hidden, 8)) throw new Error("packed expected");
 * ```
 */
export function usesSplitK(s: MatMulShape, threshold: number): boolean {
  const ra = s.a.length, rb = s.b.length;
  const k = s.transposeB ? s.b[rb - 1] : s.b[rb - 2];
  const outerA = s.transposeA ? s.a[ra - 1] : s.a[ra - 2];
  const outerB = s.transposeB ? s.b[rb - 2] : s.b[rb - 1];
  const size = (dims: readonly number[]) => dims.reduce((p, d) => p * d, 1);
  const batch = Math.max(size(s.a.slice(0, -2)), size(s.b.slice(0, -2)));
  const tiles = batch * Math.ceil(outerA / 32) * Math.ceil(outerB / 32);
  const fewTiles = tiles <= threshold || (outerA <= 8 && tiles <= threshold * 2);
  return fewTiles && batch * outerA * outerB > 128 && batch === 1 && k >= 2000;
}

/**
 * A `BatchMatMul` or `_FusedMatMul` kernel function for `webgpu` that runs the backend's own
 * kernel, with the small-output program where it would use the split-K one.
 *
 * @param name `"BatchMatMul"` or `"_FusedMatMul"`.
 * @returns The kernel function.
 * @example Usage
 * ```ts ignore
 * import { setKernel } from "../_registry.ts";
 * setKernel("BatchMatMul", "webgpu", deterministicMatMul("BatchMatMul"));
 * ```
 */
export function deterministicMatMul(name: "BatchMatMul" | "_FusedMatMul"): tf.KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const flag = tf.env().getNumber("WEBGPU_THRESHOLD_TO_INCREASE_WORKGROUPS_FOR_MATMUL");
    const backend = args.backend as unknown as { thresholdToIncreaseWorkgroups: number };
    const threshold = flag > 0 ? flag : backend.thresholdToIncreaseWorkgroups;
    const program = tf.env().getNumber("WEBGPU_MATMUL_PROGRAM_TYPE");
    if (
      program >= 0 || !usesSplitK({ a: a.shape, b: b.shape, transposeA, transposeB }, threshold)
    ) {
      return callOriginal(name, "webgpu", args);
    }
    tf.env().set("WEBGPU_MATMUL_PROGRAM_TYPE", SMALL_OUTPUT_PROGRAM);
    try {
      return callOriginal(name, "webgpu", args);
    } finally {
      tf.env().set("WEBGPU_MATMUL_PROGRAM_TYPE", program);
    }
  };
}
