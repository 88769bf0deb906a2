/**
 * `BatchMatMul` for the wasm backend through OpenBLAS: out = op(a) · op(b), every
 * transposeA/transposeB combination, rank 2 and batched inputs, written straight into the
 * backend's output (zero-copy). Batch shapes that need general broadcasting, and non-float32
 * inputs, go to the backend's own kernel.
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import type { BlasLib } from "../_libs.ts";
import { callOriginal, run } from "../_registry.ts";
import { gemmInto, planGemm } from "./_gemm.ts";

/**
 * Makes the BLAS `BatchMatMul` kernel function.
 *
 * @example Usage
 * ```ts ignore
 * import * as tf from "@tensorflow/tfjs";
 * tf.registerKernel({ kernelName: "BatchMatMul", backendName: "wasm", kernelFunc: blasBatchMatMul(blas) });
 * ```
 */
export function blasBatchMatMul(blas: BlasLib): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as BackendWasm;
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const plan = a.dtype === "float32" && b.dtype === "float32"
      ? planGemm(a.shape, b.shape, transposeA, transposeB)
      : null;
    if (!plan) return callOriginal("BatchMatMul", "wasm", args);
    const out = backend.makeOutput(plan.outShape, "float32");
    gemmInto(blas, backend, a, b, out, plan, transposeA, transposeB, 0);
    return out;
  };
}

/**
 * The pure-wasm fix for transposed products: wasm's own kernel skips XNNPACK when
 * transposeA/transposeB is set (10-50x slower), so transpose the operand first.
 *
 * @example Usage
 * ```ts ignore
 * import * as tf from "@tensorflow/tfjs";
 * tf.registerKernel({ kernelName: "BatchMatMul", backendName: "wasm", kernelFunc: wasmTransposedBatchMatMul("BatchMatMul") });
 * ```
 */
export function wasmTransposedBatchMatMul(
  kernelName: "BatchMatMul" | "_FusedMatMul",
): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as BackendWasm;
    const inputs = args.inputs as Record<string, tf.TensorInfo>;
    const attrs = args.attrs as { transposeA: boolean; transposeB: boolean };
    if (!attrs.transposeA && !attrs.transposeB) return callOriginal(kernelName, "wasm", args);
    const temps: tf.TensorInfo[] = [];
    const flip = (t: tf.TensorInfo) => {
      const r = t.shape.length;
      const perm = [...Array(r - 2).keys(), r - 1, r - 2];
      const out = run("Transpose", "wasm", { inputs: { x: t }, backend, attrs: { perm } });
      temps.push(out);
      return out;
    };
    const a = attrs.transposeA ? flip(inputs.a) : inputs.a;
    const b = attrs.transposeB ? flip(inputs.b) : inputs.b;
    const out = callOriginal(kernelName, "wasm", {
      inputs: { ...inputs, a, b },
      backend,
      attrs: { ...attrs, transposeA: false, transposeB: false },
    });
    for (const t of temps) backend.disposeData(t.dataId);
    return out;
  };
}
