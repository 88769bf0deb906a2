/** Test helpers: run a function on tfjs's original `cpu` kernels (to compare a bnn backend with). */
import * as tf from "@tensorflow/tfjs";
import { setKernel } from "../../../train/backend/_registry.ts";

/** Runs `f` on the untouched cpu backend (its original kernels) and returns plain arrays. */
export async function onReferenceCpu(f: () => tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  setKernel("Conv2DBackpropFilter", "cpu", null);
  await tf.setBackend("cpu");
  return collect(f);
}

/** Runs `f` on the active backend and returns its outputs as plain arrays. */
export function collect(f: () => tf.Tensor | tf.Tensor[]): Float32Array[] {
  return tf.tidy(() => {
    const r = f();
    return (Array.isArray(r) ? r : [r]).map((t) => t.dataSync() as Float32Array).map((a) =>
      a.slice()
    );
  });
}

/** Max |a − b| / max(1, max |b|): the relative error of `a` against reference `b`. */
export function relError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let diff = 0, scale = 1;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

/** Deterministic pseudo-random data (a fixed LCG, independent of the code under test). */
export function data(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 * 2 - 1;
  }
  return out;
}
