/**
 * Test helpers: scalar float32 arithmetic (Math.fround after every operation)
 * and backend switching.
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import { initBackend, useNativeOptimKernels } from "../../../train/backend/mod.ts";

/** Rounds to float32. */
export const f = Math.fround;
/** float32 a + b, a − b, a·b, a / b. */
export const add = (a: number, b: number) => f(f(a) + f(b));
export const sub = (a: number, b: number) => f(f(a) - f(b));
export const mul = (a: number, b: number) => f(f(a) * f(b));
export const div = (a: number, b: number) => f(f(a) / f(b));

/** Runs `fn` with the given tfjs backend active, restoring wasm afterwards. */
export async function onBackend(
  name: "wasm" | "cpu",
  fn: () => void | Promise<void>,
): Promise<void> {
  await initBackend(name);
  try {
    await fn();
  } finally {
    await initBackend("wasm");
  }
}

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

/** Asserts two arrays are equal element-wise within `rel` relative tolerance (0 = bit-identical). */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rel: number,
  what: string,
): void {
  if (actual.length !== expected.length) {
    throw new Error(`${what}: length ${actual.length} != ${expected.length}`);
  }
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i], e = expected[i];
    const ok = rel === 0
      ? Object.is(a, e) || a === e
      : Math.abs(a - e) <= rel * Math.max(Math.abs(e), 1e-30);
    if (!ok) throw new Error(`${what}[${i}]: got ${a}, expected ${e} (rel tol ${rel})`);
  }
}
