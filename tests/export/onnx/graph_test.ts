import assert from "node:assert/strict";
import {
  buildOnnxModel,
  type FrozenNet,
  hwioToOihw,
  nhwcRowsToNchw,
  validateFrozenNet,
  type WeightFormat,
} from "../../../export/onnx/graph.ts";
import { encodeModel } from "../../../export/onnx/proto.ts";
import type { ModelSpec } from "../../../train/models/spec.ts";
import { Rng } from "../../../train/random.ts";
import {
  checkWithOnnx,
  HAS_PYTHON_ONNX,
  maxAbsDiff,
  normals,
  ortRun,
  randomSigns,
  toNchw,
} from "../_helpers.ts";
import { linearSpec, mlpSpec } from "../../_fixtures/tiny_specs.ts";

/** An independent plain-JS NHWC forward pass in eval mode (no tfjs, no ONNX). */
function referenceForward(net: FrozenNet, set: number, x: Float32Array, n: number): Float32Array {
  const [H0, W0, C0] = net.spec.inputShape;
  let shape = [H0, W0, C0];
  let a = Float64Array.from(x);
  let wi = 0, bi = 0;
  for (const l of net.spec.layers) {
    const per = shape.reduce((p, q) => p * q, 1);
    if (l.type === "dense") {
      const w = net.weightSets[set][wi++];
      const out = new Float64Array(n * l.units);
      for (let i = 0; i < n; i++) {
        for (let o = 0; o < l.units; o++) {
          let s = 0;
          for (let k = 0; k < l.inputs; k++) s += a[i * l.inputs + k] * w[k * l.units + o];
          out[i * l.units + o] = s;
        }
      }
      a = out;
      shape = [l.units];
    } else if (l.type === "conv2d") {
      const w = net.weightSets[set][wi++];
      const [h, wd, c] = shape, k = l.kernelSize, p = l.padding, f = l.filters;
      const ho = h + 2 * p - k + 1, wo = wd + 2 * p - k + 1;
      const out = new Float64Array(n * ho * wo * f);
      for (let i = 0; i < n; i++) {
        for (let y = 0; y < ho; y++) {
          for (let xx = 0; xx < wo; xx++) {
            for (let o = 0; o < f; o++) {
              let s = 0;
              for (let dy = 0; dy < k; dy++) {
                for (let dx = 0; dx < k; dx++) {
                  const iy = y + dy - p, ix = xx + dx - p;
                  if (iy < 0 || ix < 0 || iy >= h || ix >= wd) continue;
                  for (let ci = 0; ci < c; ci++) {
                    s += a[((i * h + iy) * wd + ix) * c + ci] * w[((dy * k + dx) * c + ci) * f + o];
                  }
                }
              }
              out[((i * ho + y) * wo + xx) * f + o] = s;
            }
          }
        }
      }
      a = out;
      shape = [ho, wo, f];
    } else if (l.type === "maxpool") {
      const [h, wd, c] = shape, z = l.size, ho = Math.floor(h / z), wo = Math.floor(wd / z);
      const out = new Float64Array(n * ho * wo * c).fill(-Infinity);
      for (let i = 0; i < n; i++) {
        for (let y = 0; y < ho * z; y++) {
          for (let xx = 0; xx < wo * z; xx++) {
            for (let ci = 0; ci < c; ci++) {
              const o = ((i * ho + Math.floor(y / z)) * wo + Math.floor(xx / z)) * c + ci;
              out[o] = Math.max(out[o], a[((i * h + y) * wd + xx) * c + ci]);
            }
          }
        }
      }
      a = out;
      shape = [ho, wo, c];
    } else if (l.type === "batchnorm") {
      const bn = net.batchNorms[bi++];
      for (let j = 0; j < n * per; j++) {
        const c = j % l.features;
        const g = bn.gamma ? bn.gamma[c] : 1, b = bn.beta ? bn.beta[c] : 0;
        a[j] = g * (a[j] - bn.mean[c]) / Math.sqrt(bn.variance[c] + l.eps) + b;
      }
    } else if (l.type === "relu") {
      a = a.map((v) => Math.max(0, v));
    } else if (l.type === "flatten") {
      shape = [per];
    }
  }
  return Float32Array.from(a);
}

function randomBn(features: number, affine: boolean, rng: Rng) {
  const u = (lo: number, hi: number) =>
    Float32Array.from({ length: features }, () => lo + (hi - lo) * rng.uniform());
  return {
    mean: u(-1, 1),
    variance: u(0.5, 2),
    ...(affine ? { gamma: u(0.5, 1.5), beta: u(-0.5, 0.5) } : {}),
  };
}

async function check(
  t: Deno.TestContext,
  spec: ModelSpec,
  formats: WeightFormat[],
  seed: number,
  sets = 1,
): Promise<void> {
  const rng = new Rng(seed, "graph-test");
  const shapes = spec.layers.flatMap((l) =>
    l.type === "dense"
      ? [[l.inputs, l.units]]
      : l.type === "conv2d"
      ? [[l.kernelSize, l.kernelSize, l.inChannels, l.filters]]
      : []
  );
  const net: FrozenNet = {
    spec,
    weightSets: Array.from({ length: sets }, () => randomSigns(shapes, rng)),
    batchNorms: spec.layers.flatMap((
      l,
    ) => (l.type === "batchnorm" ? [randomBn(l.features, l.affine, rng)] : [])),
  };
  const n = 3;
  const [h, w, c] = spec.inputShape;
  const x = normals(n * h * w * c, rng);
  const k = spec.numClasses;
  // the model's probabilities: mean over sets of softmax(reference logits)
  const probs = new Float32Array(n * k);
  for (let s = 0; s < sets; s++) {
    const z = referenceForward(net, s, x, n);
    for (let i = 0; i < n; i++) {
      const row = z.subarray(i * k, (i + 1) * k);
      const m = Math.max(...row);
      const e = row.map((v) => Math.exp(v - m));
      const sum = e.reduce((p, q) => p + q, 0);
      for (let j = 0; j < k; j++) probs[i * k + j] += e[j] / sum / sets;
    }
  }
  const expectedLogits = sets === 1 ? referenceForward(net, 0, x, n) : probs.map(Math.log);
  const dir = await Deno.makeTempDir();
  try {
    const paths = [];
    for (const format of formats) {
      const p = `${dir}/${format}.onnx`;
      await Deno.writeFile(p, encodeModel(buildOnnxModel(net, { weights: format }).model));
      paths.push(p);
      const got = await ortRun(p, toNchw(x, n, h, w, c), [n, c, h, w]);
      assert.ok(
        maxAbsDiff(got.logits, expectedLogits) < 1e-4,
        `${format}: logits ${got.logits} vs ${expectedLogits}`,
      );
      assert.ok(maxAbsDiff(got.probabilities, probs) < 1e-6, `${format}: probabilities`);
    }
    await checkWithOnnx(t, paths);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("hwioToOihw() moves element (y, x, i, o) to (o, i, y, x)", () => {
  const [kh, kw, ci, co] = [2, 3, 2, 4];
  const w = Float32Array.from({ length: kh * kw * ci * co }, (_, j) => j);
  const o = hwioToOihw(w, kh, kw, ci, co);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < ci; i++) {
        for (let f = 0; f < co; f++) {
          assert.equal(o[((f * ci + i) * kh + y) * kw + x], w[((y * kw + x) * ci + i) * co + f]);
        }
      }
    }
  }
});

Deno.test("nhwcRowsToNchw() permutes dense rows from NHWC to NCHW flatten order", () => {
  // H = 2, W = 1, C = 2, units = 1: NHWC rows (h0c0, h0c1, h1c0, h1c1) → NCHW (c0h0, c0h1, c1h0, c1h1)
  assert.deepEqual([...nhwcRowsToNchw(new Float32Array([10, 11, 20, 21]), 2, 2, 1, 1)], [
    10,
    20,
    11,
    21,
  ]);
});

Deno.test("buildOnnxModel() gives the hand-computed logits of a 3-3-2 MLP", async () => {
  const spec: ModelSpec = {
    architecture: "hand",
    inputShape: [1, 1, 3],
    numClasses: 2,
    layers: [
      { type: "flatten" },
      { type: "dense", inputs: 3, units: 3 },
      { type: "batchnorm", features: 3, eps: 1e-5, momentum: 0.1, affine: false },
      { type: "relu" },
      { type: "dense", inputs: 3, units: 2 },
      { type: "batchnorm", features: 2, eps: 1e-5, momentum: 0.1, affine: true },
    ],
  };
  const net: FrozenNet = {
    spec,
    // W1 [in, out] rows (1,-1,1), (1,1,-1), (-1,1,1); W2 rows (1,-1), (-1,1), (1,1)
    weightSets: [[
      new Float32Array([1, -1, 1, 1, 1, -1, -1, 1, 1]),
      new Float32Array([1, -1, -1, 1, 1, 1]),
    ]],
    batchNorms: [
      { mean: new Float32Array([0, 1, 2]), variance: new Float32Array([1, 4, 0.25]) },
      {
        mean: new Float32Array([0, 0]),
        variance: new Float32Array([1, 1]),
        gamma: new Float32Array([2, 1]),
        beta: new Float32Array([0.5, -0.5]),
      },
    ],
  };
  // x = (1, 2, 3): x·W1 = (0, 4, 2); BN → (0, 3/2, 0); ReLU; ·W2 = (-1.5, 1.5); BN2 → (2·-1.5 + 0.5, 1.5 - 0.5)
  for (const weights of ["packed", "float"] as const) {
    const got = await ortRun(
      encodeModel(buildOnnxModel(net, { weights }).model),
      new Float32Array([1, 2, 3]),
      [1, 3, 1, 1],
    );
    assert.ok(maxAbsDiff(got.logits, [-2.5, 1]) < 1e-4, `${weights}: ${got.logits}`);
    const e = Math.exp(3.5);
    assert.ok(maxAbsDiff(got.probabilities, [1 / (1 + e), e / (1 + e)]) < 1e-5);
  }
});

Deno.test("buildOnnxModel() matches a plain-JS forward pass on conv nets with channels > 1 at flatten", async (t) => {
  const spec: ModelSpec = {
    architecture: "conv",
    inputShape: [7, 6, 3],
    numClasses: 5,
    layers: [
      { type: "conv2d", inChannels: 3, filters: 4, kernelSize: 3, padding: 1 },
      { type: "maxpool", size: 2 }, // 7×6 → 3×3 (floor)
      { type: "batchnorm", features: 4, eps: 1e-5, momentum: 0.1, affine: true },
      { type: "relu" },
      { type: "conv2d", inChannels: 4, filters: 3, kernelSize: 2, padding: 0 }, // → 2×2×3
      { type: "batchnorm", features: 3, eps: 1e-5, momentum: 0.1, affine: false },
      { type: "flatten" },
      { type: "dropout", rate: 0.5 },
      { type: "dense", inputs: 12, units: 5 }, // 60 weights: not a multiple of 8
      { type: "batchnorm", features: 5, eps: 1e-4, momentum: 0.1, affine: false },
    ],
  };
  await check(t, spec, ["packed", "float"], 1);
});

Deno.test("buildOnnxModel() with K weight sets outputs the mean softmax and its log", async (t) => {
  const spec = mlpSpec([2, 2, 1], [5], 3, { outputBatchNorm: false });
  await check(t, spec, ["packed", "float"], 2, 4);
});

Deno.test("buildOnnxModel() packed weights are unpacked by constant folding at session load", async (t) => {
  const spec = linearSpec([1, 1, 9], 2);
  const net: FrozenNet = { spec, weightSets: [randomSigns([[9, 2]], new Rng(1))], batchNorms: [] };
  const dir = await Deno.makeTempDir();
  try {
    const { ort } = await import("../../../export/ort.ts");
    const s = await ort.InferenceSession.create(encodeModel(buildOnnxModel(net).model), {
      optimizedModelFilePath: `${dir}/opt.onnx`,
      graphOptimizationLevel: "basic",
    });
    await s.release();
    await t.step({
      name: "no unpacking op survives in the optimized graph" +
        (HAS_PYTHON_ONNX ? "" : " [needs python3-onnx for /usr/bin/python3]"),
      ignore: !HAS_PYTHON_ONNX,
      fn: async () => {
        const r = await new Deno.Command("/usr/bin/python3", {
          args: [
            "-c",
            "import onnx,sys; print(' '.join(n.op_type for n in onnx.load(sys.argv[1]).graph.node))",
            `${dir}/opt.onnx`,
          ],
          stdout: "piped",
          stderr: "piped",
        }).output();
        assert.ok(r.success, new TextDecoder().decode(r.stderr));
        const ops = new TextDecoder().decode(r.stdout).trim().split(" ");
        for (const op of ["Cast", "Div", "Floor", "Mod", "Mul", "Sub", "Slice", "Reshape"]) {
          assert.ok(!ops.includes(op), `${op} survived constant folding: ${ops}`);
        }
      },
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("validateFrozenNet() rejects zeros, wrong sizes and missing BatchNorm state", () => {
  const spec = mlpSpec([1, 1, 2], [], 2);
  const bn = { mean: new Float32Array(2), variance: new Float32Array(2).fill(1) };
  const ok = new Float32Array([1, -1, 1, 1]);
  validateFrozenNet({ spec, weightSets: [[ok]], batchNorms: [bn] });
  assert.throws(
    () =>
      validateFrozenNet({ spec, weightSets: [[new Float32Array([1, 0, 1, 1])]], batchNorms: [bn] }),
    /index 1 is 0/,
  );
  assert.throws(
    () =>
      validateFrozenNet({ spec, weightSets: [[new Float32Array(3).fill(1)]], batchNorms: [bn] }),
    /3 values/,
  );
  assert.throws(
    () => validateFrozenNet({ spec, weightSets: [], batchNorms: [bn] }),
    /no weight set/,
  );
  assert.throws(
    () => validateFrozenNet({ spec, weightSets: [[ok]], batchNorms: [] }),
    /0 BatchNorm/,
  );
  assert.throws(
    () =>
      validateFrozenNet({
        spec,
        weightSets: [[ok]],
        batchNorms: [{ ...bn, mean: new Float32Array(3) }],
      }),
    /mean has 3 values/,
  );
});
