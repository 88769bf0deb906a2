import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { crossEntropy } from "../../train/cross_entropy.ts";

Deno.test("crossEntropy() is the mean softmax cross-entropy of the batch", () => {
  const logits = tf.tensor2d([[1, 2, 3], [0, 0, 5]]);
  const labels = tf.tensor1d([2, 0], "int32");
  const lse = (r: number[]) => Math.log(r.reduce((a, v) => a + Math.exp(v), 0));
  const want = ((lse([1, 2, 3]) - 3) + (lse([0, 0, 5]) - 0)) / 2;
  const got = crossEntropy(logits, labels);
  assert.ok(Math.abs(got.dataSync()[0]! - want) < 1e-6);
  tf.dispose([logits, labels, got]);
});

Deno.test("crossEntropy() stays finite for large logits", () => {
  const logits = tf.tensor2d([[1000, 0], [0, -1000]]);
  const labels = tf.tensor1d([1, 0], "int32");
  const got = crossEntropy(logits, labels).dataSync()[0]!;
  // log-sum-exp by hand: example 1 gives 1000, example 2 gives 0
  assert.ok(Math.abs(got - 500) < 1e-3, String(got));
  tf.dispose([logits, labels]);
});
