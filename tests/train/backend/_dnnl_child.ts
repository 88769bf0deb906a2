/**
 * Child process of dnnl_kernels_test.ts: inits the default backend, runs a seeded convolution
 * forward and both gradients at a size where oneDNN splits the work over threads, and prints the
 * backend's info and a hash of the result bits.
 */
import * as tf from "@tensorflow/tfjs";
import { activeBackend, initBackend } from "../../../train/backend/mod.ts";
import { convPathStats } from "../../../train/backend/kernels/_dnnl_plans.ts";
import { data } from "./_reference.ts";

await initBackend();
const x = tf.tensor4d(data(8 * 16 * 16 * 32, 11), [8, 16, 16, 32]);
const w = tf.tensor4d(data(3 * 3 * 32 * 64, 12), [3, 3, 32, 64]);
const r = tf.tensor4d(data(8 * 16 * 16 * 64, 13), [8, 16, 16, 64]);
const f = (a: tf.Tensor, b: tf.Tensor) =>
  tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, "same"), r));
const { value, grads } = tf.valueAndGrads(f)([x, w]);
let hash = 2166136261;
for (const t of [value, ...grads]) {
  for (const byte of new Uint8Array((t.dataSync() as Float32Array).slice().buffer)) {
    hash = Math.imul(hash ^ byte, 16777619) >>> 0;
  }
}
const info = activeBackend()!;
console.log(JSON.stringify({ convolutions: info.convolutions, hash, ...convPathStats() }));
