import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../../../train/backend/mod.ts";
import { BinaryNet } from "../../../train/models/binary_net.ts";
import type { ModelSpec } from "../../../train/models/spec.ts";
import { Rng } from "../../../train/random.ts";
import { assertClose } from "../../_fixtures/assert_close.ts";

await initBackend("wasm");

// ---------------------------------------------------------------------------
// An independent float64 forward pass with plain loops (rows = batch).
// ---------------------------------------------------------------------------
type Mat = number[][];
const matmul = (a: Mat, b: Mat): Mat =>
  a.map((r) => b[0].map((_, j) => r.reduce((s, x, k) => s + x * b[k][j], 0)));
const relu = (a: Mat): Mat => a.map((r) => r.map((x) => Math.max(0, x)));
const colMean = (a: Mat): number[] =>
  a[0].map((_, j) => a.reduce((s, r) => s + r[j], 0) / a.length);
const colVar = (a: Mat, mean: number[]): number[] =>
  a[0].map((_, j) => a.reduce((s, r) => s + (r[j] - mean[j]) ** 2, 0) / a.length);
const normalize = (
  a: Mat,
  mean: number[],
  v: number[],
  eps: number,
  g?: number[],
  b?: number[],
): Mat =>
  a.map((r) =>
    r.map((x, j) => ((x - mean[j]) / Math.sqrt(v[j] + eps)) * (g ? g[j] : 1) + (b ? b[j] : 0))
  );

// A 2-layer dense net: flatten 2×2×1 → FC 4→3 → BN → ReLU → FC 3→2 → BN (affine).
const DENSE: ModelSpec = {
  architecture: "tiny-dense",
  inputShape: [2, 2, 1],
  numClasses: 2,
  layers: [
    { type: "flatten" },
    { type: "dense", inputs: 4, units: 3 },
    { type: "batchnorm", features: 3, eps: 1e-3, momentum: 0.1, affine: false },
    { type: "relu" },
    { type: "dense", inputs: 3, units: 2 },
    { type: "batchnorm", features: 2, eps: 1e-5, momentum: 0.2, affine: true },
  ],
};
const X: Mat = [[0.5, -1, 2, 0.25], [1.5, 0.5, -0.5, 1], [-2, 1, 0, 3], [0.75, 2, 1, -1], [
  1,
  -0.5,
  -1.5,
  0.5,
]];
const W1: Mat = [[1, -1, 1], [-1, -1, 1], [1, 1, -1], [1, -1, -1]];
const W2: Mat = [[1, -1], [-1, 1], [1, 1]];
const GAMMA = [1.5, -0.5], BETA = [0.25, 2];

function denseInputs() {
  return {
    x: tf.tensor4d(X.flat(), [X.length, 2, 2, 1]),
    w: [tf.tensor2d(W1), tf.tensor2d(W2)],
  };
}

/** Training-mode forward by hand; also returns the batch statistics. */
function denseTrainJS(w1 = W1) {
  const h1 = matmul(X, w1);
  const m1 = colMean(h1), v1 = colVar(h1, m1);
  const h2 = matmul(relu(normalize(h1, m1, v1, 1e-3)), W2);
  const m2 = colMean(h2), v2 = colVar(h2, m2);
  return { logits: normalize(h2, m2, v2, 1e-5, GAMMA, BETA), m1, v1, m2, v2 };
}

function setAffine(net: BinaryNet): void {
  const s = net.getState();
  s["bn.5.gamma"] = new Float32Array(GAMMA);
  s["bn.5.beta"] = new Float32Array(BETA);
  net.setState(s);
}

Deno.test("BinaryNet.apply() in training mode matches a plain-loop forward with batch statistics", () => {
  const net = new BinaryNet(DENSE);
  setAffine(net);
  const { x, w } = denseInputs();
  const logits = net.apply(w, x, { training: true });
  assert.deepEqual(logits.shape, [5, 2]);
  assertClose(logits.dataSync(), denseTrainJS().logits.flat(), 2e-5, "logits", { floor: 1 });
  tf.dispose([x, ...w, logits]);
  net.dispose();
});

Deno.test("BinaryNet.apply() in training mode updates running stats with the unbiased variance", () => {
  // running = (1 − m)·running + m·batch; running_var uses σ²·n/(n − 1), n = 5.
  const net = new BinaryNet(DENSE);
  setAffine(net);
  const { x, w } = denseInputs();
  tf.dispose(net.apply(w, x, { training: true }));
  const { m1, v1, m2, v2 } = denseTrainJS();
  const s = net.getState();
  assertClose(s["bn.2.running_mean"], m1.map((m) => 0.1 * m), 1e-6, "running_mean 1", { floor: 1 });
  assertClose(s["bn.2.running_var"], v1.map((v) => 0.9 + 0.1 * v * 5 / 4), 1e-6, "running_var 1", {
    floor: 1,
  });
  assertClose(s["bn.5.running_mean"], m2.map((m) => 0.2 * m), 1e-6, "running_mean 2", { floor: 1 });
  assertClose(s["bn.5.running_var"], v2.map((v) => 0.8 + 0.2 * v * 5 / 4), 1e-6, "running_var 2", {
    floor: 1,
  });
  // A second step compounds: running ← 0.9·running + 0.1·batch.
  tf.dispose(net.apply(w, x, { training: true }));
  assertClose(
    net.getState()["bn.2.running_mean"],
    m1.map((m) => 0.9 * 0.1 * m + 0.1 * m),
    1e-6,
    "running_mean after 2",
    { floor: 1 },
  );
  tf.dispose([x, ...w]);
  net.dispose();
});

Deno.test("BinaryNet.apply() in eval mode uses the running stats and changes nothing", () => {
  const net = new BinaryNet(DENSE);
  const rm1 = [0.5, -1, 2], rv1 = [4, 0.25, 1], rm2 = [-0.5, 1], rv2 = [2, 9];
  net.setState({
    "bn.2.running_mean": new Float32Array(rm1),
    "bn.2.running_var": new Float32Array(rv1),
    "bn.5.running_mean": new Float32Array(rm2),
    "bn.5.running_var": new Float32Array(rv2),
    "bn.5.gamma": new Float32Array(GAMMA),
    "bn.5.beta": new Float32Array(BETA),
  });
  const before = net.getState();
  const { x, w } = denseInputs();
  const logits = net.apply(w, x, { training: false });
  const h = matmul(relu(normalize(matmul(X, W1), rm1, rv1, 1e-3)), W2);
  assertClose(logits.dataSync(), normalize(h, rm2, rv2, 1e-5, GAMMA, BETA).flat(), 1e-5, "logits", {
    floor: 1,
  });
  assert.deepEqual(net.getState(), before);
  // One example is fine in eval mode.
  const one = net.apply(w, tf.slice(x, [0], [1]) as tf.Tensor4D, { training: false });
  assertClose(one.dataSync(), [...logits.dataSync()].slice(0, 2), 1e-6, "batch of one", {
    floor: 1,
  });
  tf.dispose([x, ...w, logits, one]);
  net.dispose();
});

Deno.test("BinaryNet.apply() gradients w.r.t. the weights match finite differences", () => {
  // L = Σ logits ⊙ C in training mode (through both batch-statistics BNs).
  const Cm = [[1, -2], [0.5, 1], [-1, 0.25], [2, 1], [-0.5, -1]];
  const lossJS = (w1: Mat) =>
    denseTrainJS(w1).logits.reduce((s, r, i) => s + r[0] * Cm[i][0] + r[1] * Cm[i][1], 0);
  const net = new BinaryNet(DENSE);
  setAffine(net);
  const { x, w } = denseInputs();
  const c = tf.tensor2d(Cm);
  const g = tf.grad((w1: tf.Tensor) =>
    tf.sum(tf.mul(net.apply([w1, w[1]], x, { training: true }), c))
  )(w[0]);
  const fd: number[] = [];
  const h = 1e-6;
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 3; j++) {
      const plus = W1.map((r) => [...r]), minus = W1.map((r) => [...r]);
      plus[i][j] += h;
      minus[i][j] -= h;
      fd.push((lossJS(plus) - lossJS(minus)) / (2 * h));
    }
  }
  for (let k = 0; k < fd.length; k++) {
    assert.ok(
      Math.abs(g.dataSync()[k] - fd[k]) < 2e-3 * Math.max(1, Math.abs(fd[k])),
      `dL/dW1[${k}]: ${g.dataSync()[k]} vs ${fd[k]}`,
    );
  }
  tf.dispose([x, ...w, c, g]);
  net.dispose();
});

// Dropout 0.25 then an identity dense layer shows the inverted-dropout mask itself.
const DROP: ModelSpec = {
  architecture: "tiny-dropout",
  inputShape: [1, 1, 8],
  numClasses: 8,
  layers: [{ type: "flatten" }, { type: "dropout", rate: 0.25 }, {
    type: "dense",
    inputs: 8,
    units: 8,
  }],
};

Deno.test("BinaryNet.apply() draws inverted-dropout masks from the Rng, row-major", () => {
  const net = new BinaryNet(DROP);
  const eye = [tf.eye(8)];
  const x = tf.ones([3, 1, 1, 8]) as tf.Tensor4D;
  const a = net.apply(eye, x, { training: true, rng: new Rng(4, "dropout") }).dataSync();
  const b = net.apply(eye, x, { training: true, rng: new Rng(4, "dropout") }).dataSync();
  const c = net.apply(eye, x, { training: true, rng: new Rng(5, "dropout") }).dataSync();
  assert.deepEqual(a, b, "same seed, same mask");
  assert.notDeepEqual(a, c, "another seed, another mask");
  const rng = new Rng(4, "dropout");
  const expected = Array.from(
    { length: 24 },
    () => (rng.uniform() < 0.75 ? Math.fround(1 / 0.75) : 0),
  );
  assert.deepEqual([...a], expected);
  assert.ok(expected.includes(0) && expected.some((v) => v > 1));
  // Eval mode: identity, no Rng needed.
  assert.deepEqual([...net.apply(eye, x, { training: false }).dataSync()], new Array(24).fill(1));
  tf.dispose([...eye, x]);
  net.dispose();
});

Deno.test("BinaryNet.apply() keeps the dropout rate on average", () => {
  const net = new BinaryNet(DROP);
  const eye = [tf.eye(8)];
  const x = tf.ones([2000, 1, 1, 8]) as tf.Tensor4D;
  const out = net.apply(eye, x, { training: true, rng: new Rng(1, "dropout") });
  const kept = out.dataSync().filter((v) => v !== 0).length / out.size;
  assert.ok(Math.abs(kept - 0.75) < 0.01, `kept ${kept}`);
  assert.ok(Math.abs(tf.mean(out).dataSync()[0] - 1) < 0.015, "inverted dropout keeps the mean");
  tf.dispose([...eye, x, out]);
  net.dispose();
});

// conv 3×3 pad 1 (2 → 3 channels) → maxpool 2 → BN → ReLU → flatten → FC 12 → 2, NHWC.
const CONV: ModelSpec = {
  architecture: "tiny-conv",
  inputShape: [4, 4, 2],
  numClasses: 2,
  layers: [
    { type: "conv2d", inChannels: 2, filters: 3, kernelSize: 3, padding: 1 },
    { type: "maxpool", size: 2 },
    { type: "batchnorm", features: 3, eps: 1e-5, momentum: 0.2, affine: false },
    { type: "relu" },
    { type: "flatten" },
    { type: "dense", inputs: 12, units: 2 },
  ],
};

Deno.test("BinaryNet.apply() conv/maxpool/flatten (NHWC) match plain loops", () => {
  const rng = new Rng(8, "test");
  const B = 2;
  const xs = Array.from(
    { length: B * 4 * 4 * 2 },
    () => Math.round((rng.uniform() * 4 - 2) * 4) / 4,
  );
  const k = Array.from({ length: 3 * 3 * 2 * 3 }, () => (rng.uniform() < 0.5 ? -1 : 1));
  const d = Array.from({ length: 12 * 2 }, () => (rng.uniform() < 0.5 ? -1 : 1));
  const rm = [0.5, -1, 0], rv = [4, 2, 1];
  const X4 = (b: number, i: number, j: number, c: number) =>
    i < 0 || j < 0 || i >= 4 || j >= 4 ? 0 : xs[((b * 4 + i) * 4 + j) * 2 + c];
  const expected: number[] = [];
  for (let b = 0; b < B; b++) {
    const conv = (i: number, j: number, o: number) => {
      let s = 0;
      for (let di = 0; di < 3; di++) {
        for (let dj = 0; dj < 3; dj++) {
          for (let c = 0; c < 2; c++) {
            s += X4(b, i + di - 1, j + dj - 1, c) * k[((di * 3 + dj) * 2 + c) * 3 + o];
          }
        }
      }
      return s;
    };
    const flat: number[] = []; // pooled [2, 2, 3], flattened row-major (h, w, c)
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        for (let o = 0; o < 3; o++) {
          const m = Math.max(
            conv(2 * i, 2 * j, o),
            conv(2 * i, 2 * j + 1, o),
            conv(2 * i + 1, 2 * j, o),
            conv(2 * i + 1, 2 * j + 1, o),
          );
          flat.push(Math.max(0, (m - rm[o]) / Math.sqrt(rv[o] + 1e-5)));
        }
      }
    }
    for (let u = 0; u < 2; u++) expected.push(flat.reduce((s, v, q) => s + v * d[q * 2 + u], 0));
  }
  const net = new BinaryNet(CONV);
  net.setState({
    "bn.2.running_mean": new Float32Array(rm),
    "bn.2.running_var": new Float32Array(rv),
  });
  const w = [tf.tensor4d(k, [3, 3, 2, 3]), tf.tensor2d(d, [12, 2])];
  const x = tf.tensor4d(xs, [B, 4, 4, 2]);
  const logits = net.apply(w, x, { training: false });
  assertClose(logits.dataSync(), expected, 1e-5, "conv logits", { floor: 1 });
  // Training mode normalises each channel over batch·h·w = 2·2·2 = 8 values.
  tf.dispose(net.apply(w, x, { training: true }));
  const rvNew = net.getState()["bn.2.running_var"];
  assert.ok(rvNew.every((v, o) => v !== rv[o]));
  tf.dispose([...w, x, logits]);
  net.dispose();
});

Deno.test("BinaryNet.apply() rejects wrong weights, inputs and options", () => {
  const net = new BinaryNet(DENSE);
  const { x, w } = denseInputs();
  assert.throws(() => net.apply([w[0]], x, { training: false }), {
    name: "RangeError",
    message: "Cannot apply BinaryNet as weights must have 2 tensors: current length is 1",
  });
  const wrong = tf.zeros([3, 2]);
  assert.throws(() => net.apply([w[0], tf.zeros([2, 3])], x, { training: false }), {
    message: "Cannot apply BinaryNet as weights[1] must have shape [3,2]: current shape is [2,3]",
  });
  assert.throws(() => net.apply(w, tf.zeros([5, 4, 1, 1]) as tf.Tensor4D, { training: false }), {
    message:
      "Cannot apply BinaryNet as x must have shape [batch, 2,2,1]: current shape is [5,4,1,1]",
  });
  assert.throws(() => net.apply(w, tf.slice(x, [0], [1]) as tf.Tensor4D, { training: true }), {
    name: "RangeError",
    message:
      "Cannot apply BinaryNet batchnorm layers[2] in training mode as it needs more than 1 value per channel: current count is 1",
  });
  const drop = new BinaryNet(DROP);
  assert.throws(
    () => drop.apply([tf.eye(8)], tf.ones([2, 1, 1, 8]) as tf.Tensor4D, { training: true }),
    {
      name: "TypeError",
      message:
        "Cannot apply BinaryNet dropout layers[1] in training mode as rng must be given: current value is undefined",
    },
  );
  tf.dispose([x, ...w, wrong]);
  net.dispose();
  drop.dispose();
});

Deno.test("new BinaryNet() rejects an inconsistent spec naming the layer", () => {
  const bad: ModelSpec = {
    ...DENSE,
    layers: [{ type: "flatten" }, { type: "dense", inputs: 5, units: 2 }],
  };
  assert.throws(() => new BinaryNet(bad), {
    name: "RangeError",
    message: "Invalid model spec at layers[1] (dense): inputs is 5 but its input has 4 features",
  });
  const classes: ModelSpec = { ...DENSE, numClasses: 3 };
  assert.throws(() => new BinaryNet(classes), /the last layer outputs \[2\] but numClasses is 3/);
});

Deno.test("BinaryNet getState()/setState() round trip and validation", () => {
  const a = new BinaryNet(DENSE);
  assert.equal(a.realParams.length, 2, "γ and β of the affine BN");
  assert.deepEqual(a.binaryShapes, [[4, 3], [3, 2]]);
  const { x, w } = denseInputs();
  tf.dispose(a.apply(w, x, { training: true }));
  const s = a.getState();
  assert.deepEqual(Object.keys(s).sort(), [
    "bn.2.running_mean",
    "bn.2.running_var",
    "bn.5.beta",
    "bn.5.gamma",
    "bn.5.running_mean",
    "bn.5.running_var",
  ]);
  const b = new BinaryNet(DENSE);
  b.setState(s);
  assert.deepEqual(b.getState(), s);
  const ea = a.apply(w, x, { training: false }).dataSync();
  const eb = b.apply(w, x, { training: false }).dataSync();
  assert.deepEqual(eb, ea);
  assert.throws(() => b.setState({ ...s, "bn.2.running_var": new Float32Array(2) }), {
    name: "RangeError",
    message:
      "Cannot set BinaryNet state as bn.2.running_var must be a Float32Array of length 3: current value is length 2",
  });
  const { "bn.5.gamma": _drop, ...missing } = s;
  assert.throws(
    () => b.setState(missing),
    /bn\.5\.gamma must be a Float32Array of length 2: current value is undefined/,
  );
  tf.dispose([x, ...w]);
  a.dispose();
  b.dispose();
});

Deno.test("BinaryNet.apply() leaks no tensors, also under gradients; dispose() frees all", () => {
  const before = tf.memory().numTensors;
  const net = new BinaryNet(DENSE);
  const { x, w } = denseInputs();
  tf.dispose(net.apply(w, x, { training: true }));
  const n = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) {
    tf.dispose(net.apply(w, x, { training: true }));
    tf.dispose(net.apply(w, x, { training: false }));
    const { value, grads } = tf.variableGrads(
      () => tf.sum(net.apply(w, x, { training: true })),
      net.realParams,
    );
    tf.dispose([value, ...Object.values(grads)]);
  }
  assert.equal(tf.memory().numTensors, n);
  tf.dispose([x, ...w]);
  net.dispose();
  assert.equal(tf.memory().numTensors, before);
});
