/**
 * The paper's two models written with plain tfjs ops, for benchmarking kernels and optimizer
 * steps independently of train/models: the MNIST MLP (BinaryConnect) and VGGBinaryConnect.
 * BN has no affine parameters; batch statistics in training (with running-stat updates),
 * running statistics in evaluation; no biases; ReLU; dropout in the MLP.
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** A benchmark model: weight shapes and a forward pass. */
export interface BenchModel {
  name: "mlp" | "vgg";
  inputShape: number[];
  weightShapes: number[][];
  apply(ws: tf.Tensor[], x: tf.Tensor, training: boolean): tf.Tensor2D;
  dispose(): void;
}

class Bn {
  mean: tf.Tensor;
  variance: tf.Tensor;
  constructor(readonly channels: number, readonly eps: number, readonly momentum: number) {
    this.mean = tf.zeros([channels]);
    this.variance = tf.ones([channels]);
  }
  apply(x: tf.Tensor, training: boolean): tf.Tensor {
    const axes = x.rank === 4 ? [0, 1, 2] : [0];
    if (!training) return tf.mul(tf.sub(x, this.mean), tf.rsqrt(tf.add(this.variance, this.eps)));
    const { mean, variance } = tf.moments(x, axes);
    const count = x.size / this.channels;
    tf.tidy(() => {
      const m = this.momentum;
      const unbiased = tf.mul(variance, count / Math.max(1, count - 1));
      const nm = tf.keep(tf.add(tf.mul(this.mean, 1 - m), tf.mul(mean, m)));
      const nv = tf.keep(tf.add(tf.mul(this.variance, 1 - m), tf.mul(unbiased, m)));
      this.mean.dispose();
      this.variance.dispose();
      this.mean = nm;
      this.variance = nv;
    });
    return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps)));
  }
  dispose() {
    this.mean.dispose();
    this.variance.dispose();
  }
}

/** MLP 784-2048-2048-2048-10: Dropout → [FC → BN → ReLU → Dropout]×3 → FC → BN. */
export function benchMlp(hidden = 2048, dropout = 0.2): BenchModel {
  const sizes = [784, hidden, hidden, hidden, 10];
  const bns = sizes.slice(1).map((n) => new Bn(n, 1e-4, 0.15));
  let seed = 1;
  return {
    name: "mlp",
    inputShape: [28, 28, 1],
    weightShapes: sizes.slice(0, -1).map((n, i) => [n, sizes[i + 1]]),
    apply(ws, x, training) {
      let h: tf.Tensor = tf.reshape(x, [x.shape[0], 784]);
      if (training) h = tf.dropout(h, dropout, undefined, seed++);
      for (let i = 0; i < ws.length; i++) {
        h = bns[i].apply(tf.matMul(h, ws[i]), training);
        if (i < ws.length - 1) {
          h = tf.relu(h);
          if (training) h = tf.dropout(h, dropout, undefined, seed++);
        }
      }
      return h as tf.Tensor2D;
    },
    dispose: () => bns.forEach((b) => b.dispose()),
  };
}

/** VGGBinaryConnect: 128,128,pool,256,256,pool,512,512,pool, FC 8192-1024-1024-classes, BN. */
export function benchVgg(width = 1, classes = 10): BenchModel {
  const c = [128, 128, 256, 256, 512, 512].map((n) => Math.round(n * width));
  const fc = Math.round(1024 * width);
  const convShapes = c.map((co, i) => [3, 3, i === 0 ? 3 : c[i - 1], co]);
  const flat = 4 * 4 * c[5];
  const fcShapes = [[flat, fc], [fc, fc], [fc, classes]];
  const bns = [
    ...c.map((n) => new Bn(n, 1e-5, 0.2)),
    new Bn(fc, 1e-5, 0.1),
    new Bn(fc, 1e-5, 0.1),
    new Bn(classes, 1e-5, 0.1),
  ];
  return {
    name: "vgg",
    inputShape: [32, 32, 3],
    weightShapes: [...convShapes, ...fcShapes],
    apply(ws, x, training) {
      let h = x as tf.Tensor4D;
      for (let i = 0; i < 6; i++) {
        h = tf.conv2d(h, ws[i] as tf.Tensor4D, 1, "same");
        if (i % 2 === 1) h = tf.maxPool(h, 2, 2, "valid");
        h = tf.relu(bns[i].apply(h, training)) as tf.Tensor4D;
      }
      let y: tf.Tensor = tf.reshape(h, [h.shape[0], flat]);
      for (let j = 0; j < 3; j++) {
        y = bns[6 + j].apply(tf.matMul(y, ws[6 + j]), training);
        if (j < 2) y = tf.relu(y);
      }
      return y as tf.Tensor2D;
    },
    dispose: () => bns.forEach((b) => b.dispose()),
  };
}
