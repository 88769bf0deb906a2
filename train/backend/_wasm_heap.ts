/**
 * Zero-copy access to tensors of the tfjs `wasm` backend: Float32Array views of the wasm heap at
 * a tensor's offset. The heap can grow (and detach old views) whenever the backend allocates, so
 * take views right before each native call, after every output is allocated.
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

/** A float32 view of a wasm tensor's data (no copy). */
export function f32View(
  backend: BackendWasm,
  t: tf.TensorInfo,
  offset = 0,
  length?: number,
): Float32Array {
  const { memoryOffset } = backend.dataIdMap.get(t.dataId)!;
  const size = length ?? t.shape.reduce((a, b) => a * b, 1) - offset;
  const heap = (backend.wasm as unknown as { HEAPU8: Uint8Array }).HEAPU8.buffer;
  return new Float32Array(heap, memoryOffset + 4 * offset, size);
}

/** The number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

let scratchBuf = new Float32Array(0);

/**
 * A reusable scratch buffer of at least `n` floats, outside the wasm heap (grown, never shrunk,
 * so the page faults of a large buffer are paid once).
 */
export function scratch(n: number): Float32Array {
  if (scratchBuf.length < n) scratchBuf = new Float32Array(Math.max(n, scratchBuf.length * 1.5));
  return scratchBuf.subarray(0, n);
}
