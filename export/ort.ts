/**
 * onnxruntime-node, as bnn uses it: with ONNX Runtime's telemetry off. ORT 1.30 on Linux
 * otherwise creates `$XDG_CACHE_HOME/Microsoft/DeveloperTools/.onnxruntime/` (a persistent
 * device id and an event database) at its first session, and bnn writes only to its run
 * folders, `--out` and its cache. `ORT_DISABLE_TELEMETRY=1` is read when the first session is
 * created, so setting it here, before any session, is enough. Import ORT from here, never
 * from `onnxruntime-node` directly.
 *
 * @example Usage
 * ```ts
 * import { ort } from "./ort.ts";
 * if (ort.env.versions.node !== "1.30.0") throw new Error(ort.env.versions.node);
 * ```
 * @module
 */
import * as ort from "onnxruntime-node";

try {
  Deno.env.set("ORT_DISABLE_TELEMETRY", "1");
} catch {
  // no --allow-env: ORT cannot be told, and the CLIs always have it
}

export { ort };
