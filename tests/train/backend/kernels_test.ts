import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import type { BackendName } from "../../../train/backend/mod.ts";
import { collect, data, onReferenceCpu, relError } from "./_reference.ts";
import { onBackend } from "../../_fixtures/on_backend.ts";

const FAST: BackendName[] = ["blas", "wasm"];
await tf.setBackend("cpu"); // shapes computed outside compare() run on cpu
const TOL = Number(Deno.env.get("BNN_TEST_TOL") ?? 1e-4);

async function compare(label: string, f: () => tf.Tensor | tf.Tensor[], backends = FAST) {
  const ref = await onReferenceCpu(f);
  for (const name of backends) {
    const got = await onBackend(name, () => collect(f), null);
    assert.equal(got.length, ref.length);
    got.forEach((g, i) => {
      const err = relError(g, ref[i]);
      assert.ok(err <= TOL, `${label} on ${name}, output ${i}: relative error ${err}`);
    });
  }
}

const MATMUL_CASES = [
  { a: [7, 5], b: [5, 3] },
  { a: [64, 300], b: [300, 33] },
  { a: [2, 4, 6], b: [2, 6, 3] },
  { a: [3, 4, 6], b: [6, 5] },
  { a: [4, 6], b: [2, 6, 5] },
  { a: [1, 1], b: [1, 9] },
] as const;

Deno.test("blas/wasm BatchMatMul matches cpu for every transpose combination", async () => {
  let seed = 1;
  for (const c of MATMUL_CASES) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        const ra = c.a.length, rb = c.b.length;
        const aShape: number[] = [...c.a];
        const bShape: number[] = [...c.b];
        if (ta) [aShape[ra - 1], aShape[ra - 2]] = [aShape[ra - 2], aShape[ra - 1]];
        if (tb) [bShape[rb - 1], bShape[rb - 2]] = [bShape[rb - 2], bShape[rb - 1]];
        const av = data(aShape.reduce((x, y) => x * y), seed++),
          bv = data(bShape.reduce((x, y) => x * y), seed++);
        await compare(
          `matMul ${aShape}x${bShape} ta=${ta} tb=${tb}`,
          () => tf.matMul(tf.tensor(av, aShape), tf.tensor(bv, bShape), ta, tb),
        );
      }
    }
  }
});

Deno.test("blas/wasm _FusedMatMul matches cpu with bias and activations", async () => {
  const a = data(6 * 10, 3), b = data(10 * 4, 4), bias = data(4, 5), full = data(6 * 4, 6);
  for (const activation of ["linear", "relu", "relu6", "elu", "sigmoid", "leakyrelu"] as const) {
    for (const [ta, tb] of [[false, false], [true, true], [false, true]]) {
      await compare(`fused ${activation} ta=${ta} tb=${tb}`, () =>
        tf.fused.matMul({
          a: ta ? tf.tensor(a, [6, 10]).transpose() : tf.tensor(a, [6, 10]),
          b: tb ? tf.tensor(b, [10, 4]).transpose() : tf.tensor(b, [10, 4]),
          transposeA: ta,
          transposeB: tb,
          bias: activation === "relu" ? tf.tensor(full, [6, 4]) : tf.tensor(bias, [4]),
          activation,
        }), activation === "relu" ? ["blas"] : FAST);
    }
  }
});

Deno.test("blas/wasm matMul gradients match cpu", async () => {
  const a = data(12 * 20, 7), b = data(20 * 9, 8), r = data(12 * 9, 9);
  await compare("grad matMul", () => {
    const g = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
      tf.sum(tf.mul(tf.matMul(x, y), tf.tensor(r, [12, 9])))
    );
    return g([tf.tensor(a, [12, 20]), tf.tensor(b, [20, 9])]);
  });
});

type Pad = "same" | "valid" | number | [
  [number, number],
  [number, number],
  [number, number],
  [number, number],
];
const CONV_CASES: {
  x: number[];
  f: number[];
  s: number | [number, number];
  pad: Pad;
  d?: number;
}[] = [
  { x: [2, 8, 8, 3], f: [3, 3, 3, 4], s: 1, pad: "same" },
  { x: [3, 7, 9, 5], f: [3, 3, 5, 6], s: 1, pad: "valid" },
  { x: [2, 9, 9, 4], f: [3, 3, 4, 5], s: 2, pad: "same" },
  { x: [2, 10, 7, 3], f: [5, 3, 3, 2], s: [2, 1], pad: "valid" },
  { x: [1, 6, 6, 2], f: [3, 3, 2, 3], s: 1, pad: 1 },
  { x: [2, 6, 7, 3], f: [3, 2, 3, 4], s: 1, pad: [[0, 0], [2, 0], [1, 2], [0, 0]] },
  { x: [4, 5, 5, 8], f: [1, 1, 8, 6], s: 1, pad: "valid" },
  { x: [2, 8, 8, 3], f: [3, 3, 3, 2], s: 1, pad: "same", d: 2 },
];

Deno.test("blas/wasm conv2d and its gradients match cpu on strides and paddings", async () => {
  let seed = 100;
  for (const c of CONV_CASES) {
    const xv = data(c.x.reduce((a, b) => a * b), seed++),
      fv = data(c.f.reduce((a, b) => a * b), seed++);
    const label = `conv2d x=${c.x} f=${c.f} s=${c.s} pad=${JSON.stringify(c.pad)} d=${c.d ?? 1}`;
    const conv = (x: tf.Tensor, w: tf.Tensor) =>
      tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.s, c.pad, "NHWC", c.d ?? 1);
    await compare(label, () => conv(tf.tensor(xv, c.x), tf.tensor(fv, c.f)));
    if ((c.d ?? 1) !== 1) continue; // tfjs has no gradient for dilated conv2d
    const outShape = tf.tidy(() => conv(tf.zeros(c.x), tf.zeros(c.f)).shape);
    const rv = data(outShape.reduce((a, b) => a * b), seed++);
    await compare(`grad ${label}`, () => {
      const g = tf.grads((x: tf.Tensor, w: tf.Tensor) =>
        tf.sum(tf.mul(conv(x, w), tf.tensor(rv, outShape)))
      );
      return g([tf.tensor(xv, c.x), tf.tensor(fv, c.f)]);
    });
  }
});

Deno.test("initBackend('cpu') Conv2DBackpropFilter patch matches cpu's own kernel", async () => {
  const x = data(2 * 7 * 7 * 3, 11), dy = data(2 * 4 * 4 * 5, 12);
  await compare(
    "cpu filter patch",
    () =>
      tf.engine().runKernel("Conv2DBackpropFilter", {
        x: tf.tensor4d(x, [2, 7, 7, 3]),
        dy: tf.tensor4d(dy, [2, 4, 4, 5]),
      }, {
        strides: 2,
        pad: "same",
        dataFormat: "NHWC",
        filterShape: [3, 3, 3, 5],
      }) as tf.Tensor,
    ["cpu"],
  );
});

Deno.test("blas Sum/Mean over leading axes and BN's gradient match cpu", async () => {
  const x = data(6 * 5 * 4 * 7, 21);
  await compare("sum/mean", () => {
    const t = tf.tensor4d(x, [6, 5, 4, 7]);
    const m2 = tf.reshape(t, [120, 7]);
    return [
      tf.sum(t, [0, 1, 2]),
      tf.sum(t, [2, 0, 1], true),
      tf.mean(t, [0, 1, 2]),
      tf.mean(m2, 0),
      tf.sum(m2, -2, true),
      tf.sum(t, [1, 2]), // not leading: the backend's own kernel
      tf.mean(t),
    ];
  });
  await compare("grad of batch-norm via moments", () => {
    const g = tf.grad((v: tf.Tensor) => {
      const { mean, variance } = tf.moments(v, [0, 1, 2]);
      const y = tf.mul(tf.sub(v, mean), tf.rsqrt(tf.add(variance, 1e-5)));
      return tf.sum(tf.mul(y, tf.tensor4d(data(840, 22), [6, 5, 4, 7])));
    });
    return g(tf.tensor4d(x, [6, 5, 4, 7]));
  });
});

Deno.test("blas MaxPoolGrad matches cpu on windows, strides and paddings", async () => {
  const cases: { x: number[]; k: number; s: number; pad: "valid" | "same" }[] = [
    { x: [2, 8, 8, 3], k: 2, s: 2, pad: "valid" },
    { x: [2, 7, 9, 4], k: 3, s: 2, pad: "same" },
    { x: [1, 6, 6, 2], k: 3, s: 1, pad: "valid" },
  ];
  let seed = 300;
  for (const c of cases) {
    const xv = data(c.x.reduce((a, b) => a * b), seed++);
    const pool = (v: tf.Tensor) => tf.maxPool(v as tf.Tensor4D, c.k, c.s, c.pad);
    const outShape = tf.tidy(() => pool(tf.zeros(c.x)).shape);
    const r = data(outShape.reduce((a, b) => a * b), seed++);
    await compare(
      `maxPool grad ${JSON.stringify(c)}`,
      () =>
        tf.grad((v: tf.Tensor) => tf.sum(tf.mul(pool(v), tf.tensor(r, outShape))))(
          tf.tensor(xv, c.x),
        ),
    );
  }
});

Deno.test("blas/wasm zero-copy Identity and Cast keep values and survive disposal", async () => {
  for (const name of FAST) {
    await onBackend(name, () => collect(() => tf.zeros([1])), null);
    const before = tf.memory().numTensors;
    const a = tf.tensor1d([1.5, -2, 3]);
    const b = tf.clone(a);
    const c = tf.cast(a, "float32");
    const d = tf.cast(a, "int32");
    a.dispose();
    assert.deepEqual([...b.dataSync()], [1.5, -2, 3], name);
    assert.deepEqual([...c.dataSync()], [1.5, -2, 3], name);
    assert.deepEqual([...d.dataSync()], [1, -2, 3], name);
    const v = tf.variable(b);
    const next = tf.tensor1d([7, 8, 9]);
    v.assign(next);
    assert.deepEqual([...b.dataSync()], [1.5, -2, 3], `${name}: assign must not write through`);
    tf.dispose([b, c, d, v, next]);
    assert.equal(tf.memory().numTensors, before, `${name}: no leak`);
  }
});

Deno.test("blas Tanh/Log/Exp/Sqrt/Sigmoid/Rsqrt match cpu, with their gradients", async () => {
  const n = 300_001; // above the two-thread threshold
  const wide = new Float32Array(data(n, 41).map((v) => v * 30)); // tanh/exp/sigmoid inputs
  const pos = new Float32Array(data(n, 42).map((v) => Math.abs(v) * 1e3 + 1e-6)); // log/sqrt/rsqrt
  await compare("unary ops", () => {
    const a = tf.tensor1d(wide), p = tf.tensor1d(pos);
    return [tf.tanh(a), tf.exp(tf.div(a, 4)), tf.sigmoid(a), tf.log(p), tf.sqrt(p), tf.rsqrt(p)];
  });
  await compare("unary grads", () => {
    const a = tf.tensor1d(wide.subarray(0, 1000)), p = tf.tensor1d(pos.subarray(0, 1000));
    const f = (x: tf.Tensor, y: tf.Tensor) =>
      tf.sum(tf.add(tf.add(tf.tanh(x), tf.sigmoid(x)), tf.add(tf.log(y), tf.sqrt(y))));
    return tf.grads(f)([a, p]);
  });
  const special = await onBackend("blas", () =>
    collect(() => [
      tf.log(tf.tensor1d([0, -1, Infinity, 1])),
      tf.tanh(tf.tensor1d([-Infinity, 1e30, -0.1, NaN])),
      tf.exp(tf.tensor1d([100, -200, 0, NaN])),
    ]), null);
  assert.deepEqual([...special[0]], [-Infinity, NaN, Infinity, 0]);
  assert.deepEqual([...special[1]].slice(0, 2), [-1, 1]);
  assert.ok(Math.abs(special[1][2] - Math.tanh(-0.1)) < 1e-7 && Number.isNaN(special[1][3]));
  assert.deepEqual([...special[2]].slice(0, 3), [Infinity, 0, 1]);
  assert.ok(Number.isNaN(special[2][3]));
});
