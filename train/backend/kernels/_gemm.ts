/**
 * Batched matrix products on wasm tensors through OpenBLAS `cblas_sgemm`, zero-copy on the wasm
 * heap: C[i] = op(A[i]) · op(B[i]) (row-major; op = transpose when asked), with A or B broadcast
 * when its batch is 1.
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import type { BlasLib } from "../_libs.ts";
import { f32View, sizeOf } from "../_wasm_heap.ts";

/** cblas constants. */
export const ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;

/** Shapes of a (possibly batched, possibly transposed) product, or null if not supported. */
export interface GemmPlan {
  m: number;
  n: number;
  k: number;
  batchA: number;
  batchB: number;
  batch: number;
  outShape: number[];
}

/** Works out a product's shapes; null when the batch dimensions need general broadcasting. */
export function planGemm(
  aShape: readonly number[],
  bShape: readonly number[],
  transposeA: boolean,
  transposeB: boolean,
): GemmPlan | null {
  const ra = aShape.length, rb = bShape.length;
  if (ra < 2 || rb < 2) return null;
  const m = transposeA ? aShape[ra - 1] : aShape[ra - 2];
  const k = transposeA ? aShape[ra - 2] : aShape[ra - 1];
  const kb = transposeB ? bShape[rb - 1] : bShape[rb - 2];
  const n = transposeB ? bShape[rb - 2] : bShape[rb - 1];
  if (k !== kb) {
    throw new Error(
      `Error in matMul: inner shapes (${k}) and (${kb}) of Tensors with shapes ${aShape} and ${bShape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
    );
  }
  const outerA = aShape.slice(0, -2), outerB = bShape.slice(0, -2);
  const batchA = sizeOf(outerA), batchB = sizeOf(outerB);
  let outer: number[];
  if (batchA === batchB && outerA.join() === outerB.join()) outer = outerA;
  else if (batchB === 1 && outerB.length <= outerA.length) outer = outerA;
  else if (batchA === 1 && outerA.length <= outerB.length) outer = outerB;
  else return null;
  return { m, n, k, batchA, batchB, batch: Math.max(batchA, batchB), outShape: [...outer, m, n] };
}

/**
 * Computes out = op(a) · op(b) + beta·out into an already allocated output.
 * `beta` = 1 keeps what is in `out` (a prefilled bias).
 */
export function gemmInto(
  blas: BlasLib,
  backend: BackendWasm,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  out: tf.TensorInfo,
  plan: GemmPlan,
  transposeA: boolean,
  transposeB: boolean,
  beta: number,
): void {
  const { m, n, k, batchA, batchB, batch } = plan;
  const A = f32View(backend, a), B = f32View(backend, b), C = f32View(backend, out);
  if (m * n === 0) return;
  if (k === 0) {
    if (beta === 0) C.fill(0);
    return;
  }
  const ta = transposeA ? TRANS : NO_TRANS, tb = transposeB ? TRANS : NO_TRANS;
  const lda = transposeA ? m : k, ldb = transposeB ? k : n;
  if (batchB === 1 && !transposeA && batch > 1) {
    // One big product: the batched rows of A are contiguous.
    blas.cblas_sgemm(ROW_MAJOR, ta, tb, batch * m, n, k, 1, A, lda, B, ldb, beta, C, n);
    return;
  }
  for (let i = 0; i < batch; i++) {
    const ai = batchA === 1 ? A : A.subarray(i * m * k, (i + 1) * m * k);
    const bi = batchB === 1 ? B : B.subarray(i * k * n, (i + 1) * k * n);
    const ci = C.subarray(i * m * n, (i + 1) * m * n);
    blas.cblas_sgemm(ROW_MAJOR, ta, tb, m, n, k, 1, ai, lda, bi, ldb, beta, ci, n);
  }
}
