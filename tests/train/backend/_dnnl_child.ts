/**
 * Child process of dnnl_kernels_test.ts: inits the default backend, runs a seeded convolution
 * forward and both gradients at a size where oneDNN splits the work over threads, and prints the
 * backend's info, the convolution statistics and a hash of the result bits.
 *
 * With `BNN_TEST_CHUNKS=1` (or `2`) it first sets `BNN_DNNL_MAX_MIB` just under the smallest of
 * the three Winograd plans over the whole batch (measured through the shim), so every convolution
 * must run in chunks of images, and also prints that bound and (`1` only) the largest relative
 * error of the three results against tfjs's own `cpu` kernels.
 */
import * as tf from "@tensorflow/tfjs";
import { activeBackend, initBackend } from "../../../train/backend/mod.ts";
import { loadDnnl } from "../../../train/backend/_dnnl.ts";
import { convPathStats } from "../../../train/backend/kernels/_dnnl_plans.ts";
import { collect, data, onReferenceCpu, relError } from "./_reference.ts";

const chunks = Deno.env.get("BNN_TEST_CHUNKS"); // "1": with the reference, "2": without
const chunked = chunks === "1" || chunks === "2";
const [N, H, C, CO] = chunked ? [16, 32, 16, 16] : [8, 16, 32, 64];

/** MiB of the shim's Winograd plan of `kind` over `n` images of the convolution below. */
function winogradMiB(kind: number, n: number): number {
  const dnnl = loadDnnl().lib!;
  const plan = dnnl.bnn_dnnl_conv_create(
    kind,
    1,
    n,
    H,
    H,
    C,
    3,
    3,
    CO,
    H,
    H,
    1,
    1,
    1,
    1,
    1,
    1,
    1,
    1,
  );
  if (!plan) throw new Error(`no Winograd plan of kind ${kind}`);
  const mib = dnnl.bnn_dnnl_conv_bytes(plan) / 2 ** 20;
  dnnl.bnn_dnnl_conv_destroy(plan);
  return mib;
}

let bound: number | undefined;
if (chunked) {
  bound = Math.min(...[0, 1, 2].map((kind) => winogradMiB(kind, N))) - 0.01;
  const single = Math.max(...[0, 1, 2].map((kind) => winogradMiB(kind, 1)));
  if (single > bound) throw new Error(`one image takes ${single} MiB, more than ${bound}`);
  Deno.env.set("BNN_DNNL_MAX_MIB", String(bound));
}
await initBackend();
const f = () => {
  const x = tf.tensor4d(data(N * H * H * C, 11), [N, H, H, C]);
  const w = tf.tensor4d(data(3 * 3 * C * CO, 12), [3, 3, C, CO]);
  const r = tf.tensor4d(data(N * H * H * CO, 13), [N, H, H, CO]);
  const loss = (a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, "same"), r));
  const { value, grads } = tf.valueAndGrads(loss)([x, w]);
  return [value, ...grads];
};
const got = collect(f);
let hash = 2166136261;
for (const t of got) {
  for (const byte of new Uint8Array(t.buffer)) hash = Math.imul(hash ^ byte, 16777619) >>> 0;
}
const info = activeBackend()!, stats = convPathStats();
let error: number | undefined;
if (chunks === "1") {
  const ref = await onReferenceCpu(f);
  error = Math.max(...got.map((g, i) => relError(g, ref[i])));
}
console.log(JSON.stringify({ convolutions: info.convolutions, hash, ...stats, bound, error }));
