/**
 * What the three oneDNN convolution kernels (`dnnl_conv2d*.ts`) share: take the call when oneDNN
 * can (an NHWC geometry, float32 operands, nothing empty), run its plans on the tensors in place,
 * and hand anything else to the OpenBLAS kernel, counted.
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import type { DnnlLib } from "../_dnnl.ts";
import { f32View, sizeOf } from "../_wasm_heap.ts";
import type { ConvGeometry } from "./_conv_geometry.ts";
import { convChunks, type ConvKind, countFallback, runChunks } from "./_dnnl_plans.ts";

/** One convolution call, as a kernel hands it over. */
export interface DnnlCall {
  /** What the plan computes. */
  kind: ConvKind;
  /** The geometry, or null when it is not NHWC (then `fallback`). */
  g: ConvGeometry | null;
  /** The shim's first and second operands (see `runChunks`). */
  a: tf.TensorInfo;
  b: tf.TensorInfo;
  /** The output's shape (used only when `g` is not null). */
  outShape: (g: ConvGeometry) => number[];
}

/**
 * Runs `call` on oneDNN, or `fallback(args)` when oneDNN does not take it.
 *
 * @example Usage
 * ```ts ignore
 * return runDnnlOrFallback(dnnl, fallback, args, {
 *   kind: CONV_FORWARD, g, a: x, b: filter, outShape: (g) => [g.N, g.OH, g.OW, g.CO],
 * });
 * ```
 */
export function runDnnlOrFallback(
  dnnl: DnnlLib,
  fallback: tf.KernelFunc,
  args: Parameters<tf.KernelFunc>[0],
  call: DnnlCall,
): tf.TensorInfo | tf.TensorInfo[] {
  const { kind, g, a, b } = call;
  const outShape = g ? call.outShape(g) : [];
  const takes = g !== null && a.dtype === "float32" && b.dtype === "float32" &&
    [a.shape, b.shape, outShape].every((s) => sizeOf(s) > 0);
  const chunks = takes ? convChunks(dnnl, kind, g) : null;
  if (!g || !chunks) {
    countFallback();
    return fallback(args);
  }
  const backend = args.backend as BackendWasm;
  const out = backend.makeOutput(outShape, "float32");
  runChunks(dnnl, chunks, g, f32View(backend, a), f32View(backend, b), f32View(backend, out));
  return out;
}
