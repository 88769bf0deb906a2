/**
 * Test helpers: scalar float32 arithmetic (Math.fround after every operation)
 * and optimizer-kernel switching.
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import { useNativeOptimKernels } from "../../../train/backend/mod.ts";

/** Rounds to float32. */
export const f = Math.fround;
/** float32 a + b, a − b, a·b, a / b. */
export const add = (a: number, b: number) => f(f(a) + f(b));
export const sub = (a: number, b: number) => f(f(a) - f(b));
export const mul = (a: number, b: number) => f(f(a) * f(b));
export const div = (a: number, b: number) => f(f(a) / f(b));

/** The optimizer-kernel paths: bnn's native library (must be built) and the JS fallback. */
export const KERNEL_PATHS = ["native", "js"] as const;

/** Runs `fn` with the native or the JS optimizer kernels, restoring native afterwards. */
export function withKernels(path: "native" | "js", fn: () => void): void {
  if (!useNativeOptimKernels(true)) {
    throw new Error("native kernels not built: run deno run -A train/backend/build_native.ts");
  }
  useNativeOptimKernels(path === "native");
  try {
    fn();
  } finally {
    useNativeOptimKernels(true);
  }
}

/** Copies a tensor's values. */
export function values(t: tf.Tensor): Float32Array {
  return (t.dataSync() as Float32Array).slice();
}
