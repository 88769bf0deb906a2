/** Child process of fallback_test.ts: inits the default backend and trains a tiny convnet. */
import * as tf from "@tensorflow/tfjs";
import { activeBackend, initBackend } from "../../../train/backend/mod.ts";
import { data } from "./_reference.ts";

await initBackend();
const x = tf.tensor4d(data(8 * 6 * 6 * 2, 1), [8, 6, 6, 2]);
const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], "int32"), 3);
const w1 = tf.variable(tf.tensor4d(data(3 * 3 * 2 * 4, 2), [3, 3, 2, 4]).mul(0.5));
const w2 = tf.variable(tf.tensor2d(data(3 * 3 * 4 * 3, 3), [36, 3]).mul(0.3));
const opt = tf.train.sgd(0.1);
const losses: number[] = [];
for (let i = 0; i < 20; i++) {
  const loss = opt.minimize(() => {
    const h = tf.maxPool(tf.relu(tf.conv2d(x, w1 as tf.Tensor4D, 1, "same")), 2, 2, "valid");
    return tf.losses.softmaxCrossEntropy(y, tf.matMul(tf.reshape(h, [8, 36]), w2));
  }, true) as tf.Scalar;
  losses.push(loss.dataSync()[0]);
  loss.dispose();
}
const info = activeBackend()!;
console.log(
  JSON.stringify({
    name: info.name,
    native: info.native,
    core: info.openblasCore,
    first: losses[0],
    last: losses[19],
  }),
);
