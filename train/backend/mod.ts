/**
 * Chooses and prepares the tfjs backend that bnn trains on.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";

/** The backends bnn can train on. */
export type BackendName = "wasm" | "cpu";

/**
 * Sets the tfjs backend, failing loudly instead of silently staying on `cpu`.
 *
 * @example Usage
 * ```ts
 * import { initBackend } from "./mod.ts";
 * await initBackend("cpu");
 * ```
 */
export async function initBackend(name: BackendName = "wasm"): Promise<BackendName> {
  tf.enableProdMode();
  if (!(await tf.setBackend(name))) {
    throw new Error(`Cannot start the tfjs '${name}' backend (does the process have --allow-read?)`);
  }
  await tf.ready();
  return name;
}
