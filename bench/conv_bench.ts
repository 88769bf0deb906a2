/**
 * The convolutions of one VGGBinaryConnect training step (batch 50), alone: forward, filter
 * gradient and input gradient (not for the first layer, whose input needs none) of each 3×3 layer
 * through the active `blas` kernels, best of N runs each, summed. Prints one JSON line. Run it
 * interleaved with bench/torch_conv_bench.py (the same convolutions in PyTorch) and with the
 * convolution path switched (`BNN_DNNL_ALGO=direct`: oneDNN's direct kernels only;
 * `BNN_DNNL_LIB=off`: OpenBLAS im2col + sgemm) to compare convolution paths on a noisy machine,
 * where best-of-N of one kernel is steadier than a whole step:
 *   deno run --allow-read --allow-ffi --allow-env bench/conv_bench.ts [REPEATS]
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { describeBackend, initBackend } from "../train/backend/mod.ts";

/** [in channels, out channels, side] of the VGG's convolutions on CIFAR. */
const LAYERS = [
  [3, 128, 32],
  [128, 128, 32],
  [128, 256, 16],
  [256, 256, 16],
  [256, 512, 8],
  [512, 512, 8],
] as const;
const N = 50;
const repeats = Number(Deno.args[0] ?? 5);

await initBackend("blas");

/** Best-of-`repeats` milliseconds of `f` (its output read back and disposed). */
function best(f: () => tf.Tensor): number {
  let ms = Infinity;
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    const y = f();
    y.dataSync();
    ms = Math.min(ms, performance.now() - t);
    y.dispose();
  }
  return ms;
}

const perLayer: number[] = [];
for (const [i, [C, CO, S]] of LAYERS.entries()) {
  const x = tf.randomNormal([N, S, S, C]) as tf.Tensor4D;
  const w = tf.randomNormal([3, 3, C, CO]) as tf.Tensor4D;
  const dy = tf.randomNormal([N, S, S, CO]) as tf.Tensor4D;
  const attrs = { strides: 1, pad: "same", dataFormat: "NHWC" };
  let ms = best(() => tf.conv2d(x, w, 1, "same"));
  ms += best(() =>
    tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
      ...attrs,
      filterShape: [3, 3, C, CO],
    }) as tf.Tensor
  );
  if (i > 0) {
    ms += best(() =>
      tf.engine().runKernel("Conv2DBackpropInput", { dy, filter: w }, {
        ...attrs,
        inputShape: [N, S, S, C],
      }) as tf.Tensor
    );
  }
  tf.dispose([x, w, dy]);
  perLayer.push(Math.round(ms));
}
console.log(JSON.stringify({
  framework: "tfjs",
  backend: describeBackend(),
  conv_ms: perLayer.reduce((a, b) => a + b, 0),
  per_layer_ms: perLayer,
}));
