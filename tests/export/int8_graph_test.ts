/**
 * The int8 graph (`export --int8`) under ONNX Runtime against the plain-JS integer reference of
 * tests/export/_int8_reference.ts, on tiny nets: an MLP, a conv net with a max pool before its
 * BatchNorm and an affine BatchNorm with negative γ (negated channels), a conv net without
 * BatchNorms (LRNetBig's conv blocks), and a 2-sample ensemble; both weight storages (1-bit
 * packed unpacked to int8 at load, and plain int8); every architecture of bnn at 1/16 width.
 * Plus: python3-onnx's full check, the activation-scale choices on a known histogram, and the
 * specs the scheme must refuse.
 */
import assert from "node:assert/strict";
import { ort } from "../../export/ort.ts";
import { type ActivationScales, buildInt8Model } from "../../export/onnx/int8_graph.ts";
import { planInt8 } from "../../export/onnx/int8_plan.ts";
import type { FrozenNet } from "../../export/onnx/graph.ts";
import { encodeModel } from "../../export/onnx/proto.ts";
import { withTemperature } from "../../export/onnx/temperature.ts";
import { chooseClip, inputQuantization } from "../../export/activation_scales.ts";
import { checkDeployOptions } from "../../export/deploy_options.ts";
import { ExportError } from "../../export/export_error.ts";
import { exitCodeFor } from "../../cli/errors.ts";
import type { LayerSpec, ModelSpec } from "../../train/models/spec.ts";
import { binaryKernelShapes } from "../../train/models/shapes.ts";
import { ARCHITECTURES, buildSpec } from "../../train/models/architectures.ts";
import { Rng } from "../../train/random.ts";
import { checkWithOnnx, normals, randomSigns } from "./_helpers.ts";
import { int8ReferenceLogits } from "./_int8_reference.ts";

const bn = (features: number, affine = false): LayerSpec => ({
  type: "batchnorm",
  features,
  eps: 1e-5,
  momentum: 0.1,
  affine,
});

const MLP: ModelSpec = {
  architecture: "tiny_mlp",
  inputShape: [4, 4, 1],
  numClasses: 3,
  layers: [
    { type: "flatten" },
    { type: "dropout", rate: 0.2 },
    { type: "dense", inputs: 16, units: 24 },
    bn(24, true),
    { type: "relu" },
    { type: "dropout", rate: 0.2 },
    { type: "dense", inputs: 24, units: 12 },
    bn(12),
    { type: "relu" },
    { type: "dense", inputs: 12, units: 3 },
    bn(3),
  ],
};

const CONV: ModelSpec = {
  architecture: "tiny_conv",
  inputShape: [6, 6, 2],
  numClasses: 4,
  layers: [
    { type: "conv2d", inChannels: 2, filters: 5, kernelSize: 3, padding: 1 },
    { type: "maxpool", size: 2 },
    bn(5),
    { type: "relu" },
    { type: "conv2d", inChannels: 5, filters: 6, kernelSize: 3, padding: 1 },
    bn(6, true),
    { type: "relu" },
    { type: "flatten" },
    { type: "dense", inputs: 54, units: 7 },
    bn(7),
    { type: "relu" },
    { type: "dense", inputs: 7, units: 4 },
    bn(4),
  ],
};

const NO_BN: ModelSpec = {
  architecture: "tiny_lrnetbig",
  inputShape: [4, 4, 3],
  numClasses: 2,
  layers: [
    { type: "conv2d", inChannels: 3, filters: 4, kernelSize: 3, padding: 1 },
    { type: "relu" },
    { type: "conv2d", inChannels: 4, filters: 4, kernelSize: 3, padding: 1 },
    { type: "maxpool", size: 2 },
    { type: "relu" },
    { type: "flatten" },
    { type: "dense", inputs: 16, units: 2 },
    bn(2),
  ],
};

/** Random ±1 weights and BatchNorm statistics of the size a ±1 layer's sums have. */
function randomNet(spec: ModelSpec, sets: number, seed: number): FrozenNet {
  const rng = new Rng(seed, "int8-test");
  const weightSets = [...Array(sets)].map(() => randomSigns(binaryKernelShapes(spec), rng));
  const batchNorms = spec.layers.flatMap((l) => {
    if (l.type !== "batchnorm") return [];
    const f = l.features, z = normals(4 * f, rng);
    return [{
      mean: z.slice(0, f).map((v) => 2 * v),
      variance: z.slice(f, 2 * f).map((v) => 4 + 8 * v * v),
      ...(l.affine
        ? { gamma: z.slice(2 * f, 3 * f), beta: z.slice(3 * f, 4 * f).map((v) => 0.5 * v) }
        : {}),
    }];
  });
  return { spec, weightSets, batchNorms };
}

/** Scales that clip the larger activations (a fixed guess, not calibrated: any scale is legal). */
function someScales(net: FrozenNet): ActivationScales {
  const outputs: Record<string, number> = {};
  const prefixes = net.weightSets.length > 1 ? net.weightSets.map((_, k) => `s${k}_`) : [""];
  planInt8(net.spec).forEach((s, j) => {
    if (s.kind !== "block") return;
    for (const p of prefixes) {
      outputs[`${p}L${s.output}_${net.spec.layers[s.output].type}`] = 0.011 + 0.003 * j;
    }
  });
  return { input: inputQuantization({ mean: [0.3], std: [0.4] }), outputs };
}

/** NHWC → NCHW of one image. */
function toNchw(x: Float32Array, [h, w, c]: number[]): Float32Array {
  const out = new Float32Array(x.length);
  for (let p = 0; p < h * w; p++) for (let k = 0; k < c; k++) out[k * h * w + p] = x[p * c + k];
  return out;
}

async function runOrt(bytes: Uint8Array, x: Float32Array, dims: number[]) {
  const s = await ort.InferenceSession.create(bytes);
  try {
    const out = await s.run({ image: new ort.Tensor("float32", x, dims) });
    return {
      logits: out.logits.data as Float32Array,
      probs: out.probabilities.data as Float32Array,
    };
  } finally {
    await s.release();
  }
}

const CASES = [
  { name: "MLP", spec: MLP, sets: 1 },
  { name: "conv net (max pool before BN, γ < 0)", spec: CONV, sets: 1 },
  { name: "conv net without BatchNorm", spec: NO_BN, sets: 1 },
  { name: "2-sample MLP ensemble", spec: MLP, sets: 2 },
];

for (const c of CASES) {
  for (const weights of ["packed", "float"] as const) {
    Deno.test(`int8 graph = integer reference: ${c.name}, ${weights} weights`, async (t) => {
      const net = randomNet(c.spec, c.sets, 7);
      const scales = someScales(net);
      const bytes = encodeModel(buildInt8Model(net, { scales, weights }).model);
      const [h, w, ch] = c.spec.inputShape, n = 5, K = c.spec.numClasses;
      const rng = new Rng(3, "int8-input");
      const images = [...Array(n)].map(() => normals(h * w * ch, rng).map((v) => v * 1.2 + 0.5));
      const x = new Float32Array(n * h * w * ch);
      images.forEach((im, i) => x.set(toNchw(im, c.spec.inputShape), i * h * w * ch));
      const { logits, probs } = await runOrt(bytes, x, [n, ch, h, w]);
      let worst = 0, saturated = 0;
      for (let i = 0; i < n; i++) {
        const branches = net.weightSets.map((_, s) =>
          int8ReferenceLogits(net, scales, images[i], s)
        );
        // K sets: probabilities = mean softmax (paper eq. 18), logits = log of it
        const p = new Float64Array(K);
        for (const z of branches) {
          const m = Math.max(...z),
            e = z.map((v) => Math.exp(v - m)),
            sum = e.reduce((a, b) => a + b);
          e.forEach((v, k) => (p[k] += v / sum / branches.length));
        }
        for (let k = 0; k < K; k++) {
          const want = c.sets === 1 ? branches[0][k] : Math.log(p[k]);
          worst = Math.max(worst, Math.abs(logits[i * K + k] - want));
          worst = Math.max(worst, Math.abs(probs[i * K + k] - p[k]));
          if (Math.abs(want) > 50) saturated++;
        }
      }
      assert.equal(saturated, 0);
      assert.ok(worst < 2e-4, `max |ORT − reference| = ${worst}`);
      const file = await Deno.makeTempFile({ suffix: ".onnx" });
      try {
        await Deno.writeFile(
          file,
          encodeModel(withTemperature(buildInt8Model(net, { scales, weights }).model, 1.7)),
        );
        await checkWithOnnx(t, [file]);
      } finally {
        await Deno.remove(file);
      }
    });
  }
}

Deno.test("int8 graph: 1-bit packed weights, unpacked at load, equal the plain int8 storage", async () => {
  const net = randomNet(CONV, 1, 11);
  const scales = someScales(net);
  const x = normals(3 * 72, new Rng(5, "x"));
  const packed = encodeModel(buildInt8Model(net, { scales, weights: "packed" }).model);
  const plain = encodeModel(buildInt8Model(net, { scales, weights: "float" }).model);
  const a = await runOrt(packed, x, [3, 2, 6, 6]), b = await runOrt(plain, x, [3, 2, 6, 6]);
  assert.deepEqual(a.logits, b.logits);
});

Deno.test("activation scales: min/max keeps the outlier, MSE and the percentile clip it", () => {
  const histogram = new Float64Array(2048);
  histogram.fill(1e5, 0, 400); // the bulk, 4·10⁷ values on (0, 0.2·M]
  histogram[2047] = 1; // one value at M = 10
  const stats = { name: "t", max: 10, zeros: 0, histogram };
  assert.equal(chooseClip(stats, "minmax"), 10);
  const mse = chooseClip(stats, "mse"), pct = chooseClip(stats, "percentile");
  // clipping the outlier costs (10 − 1.95)² once; the steps of c = 10 cost 4·10⁷·(10/255)²/12
  assert.ok(mse > 1.5 && mse < 2.5, `mse clip ${mse} ≈ the bulk's end 1.95`);
  // 99.99 % of the values: all but ~4000, inside the bulk's last bin (1.948, 1.953]
  assert.ok(Math.abs(pct - 400 * 10 / 2048) < 1e-9, `percentile clip ${pct}`);
  // fewer values in the bulk: rounding costs less than clipping the outlier, so MSE keeps it
  const sparse = histogram.map((v) => (v > 1 ? 100 : v));
  assert.ok(chooseClip({ ...stats, histogram: sparse }, "mse") > 9);
  // normalized MNIST pixels: [−0.4242, 2.8215], one step per grey level
  const q = inputQuantization({ mean: [0.1307], std: [0.3081] });
  assert.ok(Math.abs(q.scale - 1 / (255 * 0.3081)) < 1e-9 && q.zeroPoint === 33, JSON.stringify(q));
});

Deno.test("--int8 refuses specs its scheme does not fit, with one line and exit code 2", () => {
  const dense = { type: "dense", inputs: 4, units: 4 } as const;
  const base = {
    architecture: "t",
    inputShape: [1, 1, 4] as [number, number, number],
    numClasses: 4,
  };
  const bad: [LayerSpec[], RegExp][] = [
    [[{ type: "flatten" }, dense, bn(4), dense, bn(4)], /needs a ReLU after every hidden/],
    [[{ type: "flatten" }, dense, { type: "relu" }, bn(4), dense], /BatchNorm must come before/],
    [[{ type: "flatten" }, { type: "relu" }, dense, bn(4)], /before the first dense\/conv/],
  ];
  for (const [layers, why] of bad) {
    try {
      checkDeployOptions({ ...base, layers }, { int8: true });
      assert.fail(`accepted ${JSON.stringify(layers.map((l) => l.type))}`);
    } catch (e) {
      assert.ok(e instanceof ExportError, String(e));
      assert.match(e.message, why);
      assert.ok(!e.message.includes("\n"));
      assert.equal(exitCodeFor(e), 2);
    }
  }
  const ok = [{ type: "flatten" } as const, dense, bn(4), { type: "relu" } as const, dense, bn(4)];
  checkDeployOptions({ ...base, layers: ok }, { int8: true });
  for (const k of [0, -1, 1.5]) {
    assert.throws(
      () => checkDeployOptions({ ...base, layers: ok }, { int8: true, calibrationBatches: k }),
      {
        name: "ExportError",
        message: new RegExp(
          `^--calibration-batches must be an integer ≥ 1: current value is ${k}$`,
        ),
      },
    );
  }
  assert.throws(
    () => checkDeployOptions({ ...base, layers: ok }, { calibrationBatches: 3 }),
    /needs --int8/,
  );
});

Deno.test("int8 graph: every architecture of bnn fits the scheme and matches the reference", async () => {
  for (const [arch, dataset] of Object.entries(ARCHITECTURES).map(([a, i]) => [a, i.datasets[0]])) {
    const spec = buildSpec({ model_architecture: arch, dataset, width_multiplier: 0.0625 });
    const net = randomNet(spec, 1, 13);
    const scales = someScales(net);
    const [h, w, c] = spec.inputShape;
    const image = normals(h * w * c, new Rng(2, arch)).map((v) => 0.8 * v);
    const bytes = encodeModel(buildInt8Model(net, { scales }).model);
    const { logits } = await runOrt(bytes, toNchw(image, spec.inputShape), [1, c, h, w]);
    const want = int8ReferenceLogits(net, scales, image);
    const diff = Math.max(...want.map((v, k) => Math.abs(v - logits[k])));
    assert.ok(diff < 2e-4, `${arch}: max |ORT − reference| = ${diff}`);
  }
});
