/**
 * `_FusedMatMul` for the wasm backend through OpenBLAS: out = act(op(a) · op(b) + bias).
 * The bias is prefilled into the output (broadcast over rows) and the product accumulated onto
 * it (beta = 1); activations linear, relu, relu6, elu, sigmoid and leakyrelu are applied in
 * place. PReLU, odd bias shapes and general batch broadcasting go to the backend's own kernel.
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import type { BlasLib } from "../_libs.ts";
import { callOriginal } from "../_registry.ts";
import { f32View, sizeOf } from "../_wasm_heap.ts";
import { gemmInto, planGemm } from "./_gemm.ts";

const ACTIVATIONS = new Set(["linear", "relu", "relu6", "elu", "sigmoid", "leakyrelu"]);

/** Applies a fused activation in place. */
export function activateInPlace(y: Float32Array, activation: string, alpha: number): void {
  const n = y.length;
  switch (activation) {
    case "relu":
      for (let i = 0; i < n; i++) if (y[i] < 0) y[i] = 0;
      break;
    case "relu6":
      for (let i = 0; i < n; i++) y[i] = Math.min(Math.max(y[i], 0), 6);
      break;
    case "elu":
      for (let i = 0; i < n; i++) if (y[i] < 0) y[i] = Math.expm1(y[i]);
      break;
    case "sigmoid":
      for (let i = 0; i < n; i++) y[i] = 1 / (1 + Math.exp(-y[i]));
      break;
    case "leakyrelu":
      for (let i = 0; i < n; i++) if (y[i] < 0) y[i] = alpha * y[i];
      break;
  }
}

/**
 * Makes the BLAS `_FusedMatMul` kernel function.
 *
 * @example Usage
 * ```ts ignore
 * import * as tf from "@tensorflow/tfjs";
 * tf.registerKernel({ kernelName: "_FusedMatMul", backendName: "wasm", kernelFunc: blasFusedMatMul(blas) });
 * ```
 */
export function blasFusedMatMul(blas: BlasLib): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as BackendWasm;
    const { a, b, bias, preluActivationWeights } = args.inputs as Record<
      string,
      tf.TensorInfo | undefined
    >;
    const { transposeA, transposeB, activation = "linear", leakyreluAlpha = 0.2 } = args.attrs as {
      transposeA: boolean;
      transposeB: boolean;
      activation?: string;
      leakyreluAlpha?: number;
    };
    const plan = a!.dtype === "float32" && b!.dtype === "float32" && !preluActivationWeights &&
        ACTIVATIONS.has(activation)
      ? planGemm(a!.shape, b!.shape, transposeA, transposeB)
      : null;
    const outSize = plan ? sizeOf(plan.outShape) : 0;
    const biasSize = bias ? sizeOf(bias.shape) : 0;
    const biasOk = !bias ||
      (bias.dtype === "float32" &&
        (biasSize === 1 || biasSize === outSize ||
          (plan && biasSize === plan.n && bias.shape[bias.shape.length - 1] === plan.n)));
    if (!plan || !biasOk) return callOriginal("_FusedMatMul", "wasm", args);
    const out = backend.makeOutput(plan.outShape, "float32");
    if (bias) {
      const y = f32View(backend, out), bv = f32View(backend, bias);
      if (biasSize === outSize) y.set(bv);
      else if (biasSize === 1) y.fill(bv[0]);
      else for (let r = 0; r < outSize; r += plan.n) y.set(bv, r);
    }
    gemmInto(blas, backend, a!, b!, out, plan, transposeA, transposeB, bias ? 1 : 0);
    if (activation !== "linear") activateInPlace(f32View(backend, out), activation, leakyreluAlpha);
    return out;
  };
}
