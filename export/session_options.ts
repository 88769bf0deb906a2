/**
 * The ONNX Runtime session options bnn runs its exports with (eval, bench, export's
 * calibration), set deliberately rather than left to ORT's defaults:
 *
 * - `graphOptimizationLevel: "all"`: constant folding (the 1-bit weight unpacking becomes plain
 *   initializers at load), and the layout transforms (NCHWc for float convolutions, NHWC for
 *   `QLinearConv`) that make the float and int8 convolutions fast;
 * - `intraOpNumThreads`: explicit — the caller's, else the machine's logical CPUs (ORT's own
 *   default counts physical cores);
 * - `interOpNumThreads: 1`, `executionMode: "sequential"`: bnn's graphs are chains;
 * - `session.intra_op.allow_spinning = "0"`: ORT's worker threads otherwise busy-wait after each
 *   operator, burning the cores a shared machine's other processes (and the next batch's
 *   preprocessing) need.
 *
 * What each one is worth was measured with `deno task bench` (README, "int8 export").
 * @module
 */
import type { ort } from "./ort.ts";

/** Overrides for {@linkcode ortSessionOptions}, e.g. to measure what an option is worth. */
export interface OrtTuning {
  threads?: number;
  /** Let the worker threads spin (ORT's default) instead of sleeping. */
  spinning?: boolean;
  graphOptimizationLevel?: "disabled" | "basic" | "extended" | "all";
}

/**
 * bnn's ONNX Runtime session options (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { ortSessionOptions } from "./session_options.ts";
 * const o = ortSessionOptions({ threads: 2 });
 * if (o.intraOpNumThreads !== 2 || o.graphOptimizationLevel !== "all") throw new Error();
 * ```
 */
export function ortSessionOptions(t: OrtTuning = {}): ort.InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: t.graphOptimizationLevel ?? "all",
    intraOpNumThreads: t.threads ?? navigator.hardwareConcurrency,
    interOpNumThreads: 1,
    executionMode: "sequential",
    extra: { session: { intra_op: { allow_spinning: t.spinning ? "1" : "0" } } },
  };
}
