/**
 * Switching tfjs to one of bnn's backends for part of a test.
 * @module
 */
import { activeBackend, type BackendName, initBackend } from "../../train/backend/mod.ts";

/**
 * Runs `fn` with bnn backend `name` active (fallback warnings silenced) and returns its result,
 * then activates `restore`, also when `fn` throws; `restore = null` leaves `name` active.
 *
 * @param name The backend to run `fn` on.
 * @param fn The work.
 * @param restore The backend to activate afterwards, or null for none.
 * @returns What `fn` returns.
 * @throws {Error} If `name` is "blas" and bnn's native kernels are not built.
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { onBackend } from "./on_backend.ts";
 * const name = await onBackend("cpu", () => tf.getBackend());
 * if (name !== "cpu" || tf.getBackend() !== "wasm") throw new Error(name);
 * ```
 */
export async function onBackend<T>(
  name: BackendName,
  fn: () => T | Promise<T>,
  restore: BackendName | null = "wasm",
): Promise<T> {
  await initBackend(name, { warn: () => {} });
  if (name === "blas" && !activeBackend()?.native) {
    throw new Error(
      "bnn native kernels are not built: run `deno run -A train/backend/build_native.ts`",
    );
  }
  if (restore === null) return await fn();
  try {
    return await fn();
  } finally {
    await initBackend(restore, { warn: () => {} });
  }
}
