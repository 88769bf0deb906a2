import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../../../train/backend/mod.ts";
import { Adam, adamUpdate } from "../../../train/optimizers/adam.ts";
import { add, assertClose, div, f, mul, values } from "./_hand.ts";

await initBackend("wasm");

Deno.test("adamUpdate() matches PyTorch's Adam in float32 by hand", () => {
  // Step t = 3 from given moments, lr 0.01 (order of operations as adam.ts documents).
  const p = [0.5, -0.25, 2], g = [0.1, -3, 0], m = [0.02, -0.5, 0.01], v = [0.001, 0.2, 4e-6];
  const t = 3, lr = 0.01;
  const r = adamUpdate(tf.tensor1d(p), tf.tensor1d(g), tf.tensor1d(m), tf.tensor1d(v), t, lr);
  const em = m.map((x, i) => add(mul(f(x), 0.9), mul(f(g[i]), 1 - 0.9)));
  const ev = v.map((x, i) => add(mul(f(x), 0.999), mul(mul(f(g[i]), f(g[i])), 1 - 0.999)));
  const ep = p.map((x, i) => {
    const denom = add(div(f(Math.sqrt(ev[i])), Math.sqrt(1 - 0.999 ** t)), 1e-8);
    return add(f(x), div(mul(em[i], -(lr / (1 - 0.9 ** t))), denom));
  });
  assertClose(values(r.m), em, 0, "m");
  assertClose(values(r.v), ev, 0, "v");
  assertClose(values(r.p), ep, 0, "p");
  tf.dispose([r.p, r.m, r.v]);
});

Deno.test("Adam.apply() takes bias-corrected steps of about lr·sign(g) at first", () => {
  const x = tf.variable(tf.tensor1d([1, -1, 0]));
  const adam = new Adam([x]);
  const g = tf.tensor1d([5, -0.01, 2]);
  adam.apply([g], 0.1);
  assertClose(values(x), [0.9, -0.9, -0.1], 1e-5, "x");
  assert.throws(() => adam.apply([], 0.1), /grads must have 1 tensors: current length is 0/);
  const n = tf.memory().numTensors;
  adam.apply([g], 0.1);
  assert.equal(tf.memory().numTensors, n);
  const s = adam.getState("a.");
  assert.equal(s["a.step"], 2);
  const y = tf.variable(tf.zeros([3]));
  const other = new Adam([y]);
  other.setState(s, "a.");
  assert.deepEqual(other.getState("a."), s);
  assert.throws(
    () => other.setState({ ...s, "a.v.0": new Float32Array(1) }, "a."),
    /a\.v\.0 must be a Float32Array of length 3/,
  );
  tf.dispose([x, y, g]);
  adam.dispose();
  other.dispose();
});
