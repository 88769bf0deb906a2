/**
 * The page in a real browser (headless Chromium): what it predicts for a digit drawn with the
 * mouse, one drawn with a finger and 20 test images from its strip equals what onnxruntime-node
 * computes on the same inputs (classes equal, probabilities within 1e-4), for a `--samples 4`
 * export, each sampled network's probabilities too; the benchmark reports images/s; a model that
 * is not a bnn export shows one clear message.
 * @module
 */
import assert from "node:assert/strict";
import path from "node:path";
import type { Page } from "puppeteer-core";
import sharp from "sharp";
import { ort } from "../../export/ort.ts";
import { writeOnnxExport } from "../../export/export.ts";
import { DataType, encodeModel } from "../../export/onnx/proto.ts";
import { loadDataset } from "../../train/data/load_dataset.ts";
import { NORMALIZATION, normalizationTable } from "../../train/data/normalization.ts";
import { Rng } from "../../train/random.ts";
import { realDataDir } from "../_fixtures/real_data.ts";
import { linearSpec } from "../_fixtures/tiny_specs.ts";
import { serveFixture } from "./_model.ts";
import { browserTest, openPage, type PagePrediction, prediction, startServe } from "./_serve.ts";

const TOLERANCE = 1e-4;
const MNIST = NORMALIZATION.mnist;

/** A "7": a top bar, then a diagonal (fractions of the pad's size). */
const SEVEN: [number, number][] = [
  ...Array.from({ length: 9 }, (_, i) => [0.3 + 0.05 * i, 0.22] as [number, number]),
  ...Array.from({ length: 12 }, (_, i) => [0.7 - 0.02 * i, 0.26 + 0.05 * i] as [number, number]),
];

/** A "1" drawn with a finger: one vertical stroke. */
const ONE: [number, number][] = Array.from(
  { length: 12 },
  (_, i) => [0.52 - 0.01 * i, 0.2 + 0.055 * i],
);

async function padPoint(page: Page, [fx, fy]: [number, number]): Promise<[number, number]> {
  const box = (await (await page.$("#pad"))!.boundingBox())!;
  return [box.x + fx * box.width, box.y + fy * box.height];
}

async function drawWithMouse(page: Page, stroke: [number, number][]) {
  await page.mouse.move(...await padPoint(page, stroke[0]));
  await page.mouse.down();
  for (const p of stroke.slice(1)) await page.mouse.move(...await padPoint(page, p));
  await page.mouse.up();
}

async function drawWithFinger(page: Page, stroke: [number, number][]) {
  await page.touchscreen.touchStart(...await padPoint(page, stroke[0]));
  for (const p of stroke.slice(1)) await page.touchscreen.touchMove(...await padPoint(page, p));
  await page.touchscreen.touchEnd();
}

/** onnxruntime-node's outputs for a batch of normalized images. */
async function ortOutputs(session: ort.InferenceSession, inputs: Float32Array[], names: string[]) {
  const x = new Float32Array(inputs.length * 784);
  inputs.forEach((a, i) => x.set(a, i * 784));
  const out = await session.run({
    image: new ort.Tensor("float32", x, [inputs.length, 1, 28, 28]),
  });
  return names.map((n) => out[n].data as Float32Array);
}

function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  return best;
}

function assertNear(actual: number[], expected: ArrayLike<number>, what: string) {
  assert.equal(actual.length, expected.length, what);
  const worst = Math.max(...actual.map((v, i) => Math.abs(v - expected[i])));
  assert.ok(worst <= TOLERANCE, `${what}: differs by ${worst} > ${TOLERANCE}`);
}

/** The MNIST-style checks of a drawn digit: fitted in 20×20, centre of mass at (14, 14). */
function assertCentred(pixels: number[]) {
  let m = 0, sx = 0, sy = 0, x0 = 28, x1 = -1, y0 = 28, y1 = -1;
  pixels.forEach((v, i) => {
    const x = i % 28, y = Math.floor(i / 28);
    m += v;
    sx += v * (x + 0.5);
    sy += v * (y + 0.5);
    if (v > 0) {
      [x0, x1, y0, y1] = [Math.min(x0, x), Math.max(x1, x), Math.min(y0, y), Math.max(y1, y)];
    }
  });
  const side = Math.max(x1 - x0, y1 - y0) + 1;
  assert.ok(
    side >= 18 && side <= 20,
    `the digit's box is ${side} px, expected 20 (18 with faint edges)`,
  );
  assert.ok(
    Math.abs(sx / m - 14) <= 0.55 && Math.abs(sy / m - 14) <= 0.55,
    `centre of mass ${sx / m}, ${sy / m}`,
  );
}

browserTest(
  "the page predicts a drawn digit, a finger's stroke and 20 test images as onnxruntime-node does",
  async (browser) => {
    const fx = await serveFixture();
    const modelFile = path.join(fx.runDir, "model_samples4.onnx");
    const server = await startServe([modelFile, "--data-dir", fx.dataDir], path.dirname(fx.runDir));
    const fromFile = await ort.InferenceSession.create(modelFile);
    const requests: string[] = [];
    try {
      const page = await openPage(browser, server.url, requests);
      const info = await page.evaluate(() => (globalThis as unknown as { bnn: unknown }).bnn);
      assert.deepEqual(info, { ready: true, problem: null, seq: 0, last: null, bench: null });
      // COOP + COEP make the page cross-origin isolated, so onnxruntime-web may use wasm threads
      assert.equal(await page.evaluate("crossOriginIsolated"), true);
      const cores = await page.evaluate("navigator.hardwareConcurrency") as number;
      const threads = Math.min(4, cores);
      assert.equal(
        await page.$eval("#runtime", (e) => e.textContent),
        `onnxruntime-web 1.30.0 · wasm · ${threads} thread${threads > 1 ? "s" : ""}`,
      );
      const served = new Uint8Array(await (await fetch(`${server.url}model.onnx`)).arrayBuffer());
      const withSamples = await ort.InferenceSession.create(served);
      const sampleNames = [0, 1, 2, 3].map((k) => `s${k}_probabilities`);
      const table = normalizationTable(MNIST);

      const check = async (got: PagePrediction, what: string) => {
        assert.deepEqual(got.input, got.pixels.map((v) => table[v]), `${what}: normalization`);
        const input = Float32Array.from(got.input);
        const [p] = await ortOutputs(fromFile, [input], ["probabilities"]);
        assertNear(got.probabilities, p, `${what}: probabilities`);
        assert.equal(got.top, argmax(p), `${what}: predicted class`);
        const samples = await ortOutputs(withSamples, [input], sampleNames);
        samples.forEach((s, k) => assertNear(got.samples[k], s, `${what}: sample ${k}`));
        // the page's mean of the samples is the model's own probabilities (paper eq. 18)
        const mean = p.map((_, c) => got.samples.reduce((a, s) => a + s[c], 0) / 4);
        assertNear(got.probabilities, mean, `${what}: mean of the samples`);
      };

      await drawWithMouse(page, SEVEN);
      const drawn = await prediction(page, 1);
      assert.equal(drawn.source.kind, "drawing");
      assertCentred(drawn.pixels);
      await check(drawn, "mouse drawing");

      await page.click("#clear");
      await drawWithFinger(page, ONE);
      const touched = await prediction(page, 2);
      assertCentred(touched.pixels);
      assert.notDeepEqual(touched.pixels, drawn.pixels);
      await check(touched, "finger drawing");

      const test = await loadDataset("mnist", "test", { dataDir: fx.dataDir, download: false });
      const spreads: number[] = [];
      for (let i = 0; i < 20; i++) {
        await page.click(`#strip button:nth-child(${i + 1})`);
        const got = await prediction(page, 3 + i);
        assert.deepEqual(got.source, { kind: "test", index: i, label: test.labels[i] });
        const own = Float32Array.from(
          test.images.subarray(i * 784, (i + 1) * 784),
          (v) => table[v],
        );
        assert.deepEqual(got.input, Array.from(own), `test image ${i}: the page's input`);
        await check(got, `test image ${i}`);
        spreads.push(
          Math.max(...got.samples.map((s) => Math.abs(s[got.top] - got.probabilities[got.top]))),
        );
      }
      // τ = 1 leaves the posterior wide enough that the 4 sampled networks differ
      assert.ok(Math.max(...spreads) > 1e-3, `the samples agree to ${Math.max(...spreads)}`);
      const shown = await page.$eval(".spread", (e) => e.textContent ?? "");
      assert.match(shown, /^\d of 4 sampled networks pick /);

      await page.click("#bench");
      await page.waitForFunction(
        () => (globalThis as unknown as { bnn: { bench: unknown } }).bnn.bench !== null,
        {
          timeout: 60_000,
        },
      );
      const bench = await page.evaluate(() =>
        (globalThis as unknown as { bnn: { bench: { batch1: number; batch100: number } } }).bnn
          .bench
      );
      assert.ok(bench.batch1 > 0 && bench.batch100 > 0, JSON.stringify(bench));
      assert.match(await page.$eval("#bench-out", (e) => e.textContent ?? ""), /images\/s/);
      // everything came from serve and nothing failed: the page works offline (each wasm
      // thread's worker loads the runtime's .mjs again)
      const own = (path: string) => `200 ${server.url}${path}`;
      assert.deepEqual([...new Set(requests)].sort(), [
        own(""),
        own("app.js"),
        own("drawing.js"),
        own("model.json"),
        own("model.onnx"),
        own("ort/ort-wasm-simd-threaded.mjs"),
        own("ort/ort-wasm-simd-threaded.wasm"),
        own("ort/ort.wasm.min.mjs"),
        own("preprocess.js"),
        own("results.js"),
        own("style.css"),
        own("test_images.json"),
      ]);
    } finally {
      await fromFile.release();
      await server.close();
    }
  },
);

browserTest(
  "a model that is not a bnn export is served with one clear message, in the page and on the console",
  async (browser) => {
    const dir = await Deno.makeTempDir({ prefix: "bnn-serve-plain-" });
    try {
      const file = path.join(dir, "plain.onnx");
      await Deno.writeFile(
        file,
        encodeModel({
          irVersion: 8,
          opsetVersion: 17,
          producerName: "other",
          producerVersion: "1",
          graphName: "g",
          initializers: [],
          nodes: [{ opType: "Softmax", inputs: ["image"], outputs: ["probabilities"] }],
          inputs: [{ name: "image", elemType: DataType.FLOAT, shape: ["N", 10] }],
          outputs: [{ name: "probabilities", elemType: DataType.FLOAT, shape: ["N", 10] }],
        }),
      );
      const server = await startServe([file], dir);
      try {
        const expected =
          "plain.onnx is not a bnn export: it has no sidecar plain.onnx.json and no " +
          "bnn metadata (dataset, normalization) in its metadata_props; export a run with deno " +
          "task export RUN_DIR";
        const page = await browser.newPage();
        const console: string[] = [];
        page.on("console", (m) => console.push(m.text()));
        await page.goto(server.url);
        await page.waitForFunction('document.body.dataset.state === "problem"');
        assert.equal(await page.$eval("#problem", (e) => e.textContent), expected);
        assert.deepEqual(console, [`bnn serve: ${expected}`]);
        assert.deepEqual(server.stderr, [`bnn serve: warning: ${expected}`]);
      } finally {
        await server.close();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

/** The page's file input, as puppeteer drives it (the DOM's types are not loaded here). */
interface FileInput {
  uploadFile(...paths: string[]): Promise<void>;
}

/** A linear CIFAR-10 classifier (no training: the page's picker and strip are what is tested). */
async function cifarExport(file: string) {
  const rng = new Rng(3, "serve-cifar");
  const w = Float32Array.from({ length: 3072 * 10 }, () => (rng.uniform() < 0.5 ? -1 : 1));
  const norm = NORMALIZATION.cifar10;
  await writeOnnxExport(
    { spec: linearSpec([32, 32, 3], 10), weightSets: [[w]], batchNorms: [] },
    file,
    {
      dataset: "cifar10",
      normalization: { mean: [...norm.mean], std: [...norm.std] },
    },
  );
}

browserTest(
  "the page predicts a picked image (and CIFAR-10 test images) as onnxruntime-node does",
  async (browser) => {
    const dir = await Deno.makeTempDir({ prefix: "bnn-serve-cifar-" });
    const real = realDataDir("cifar10");
    const server = await (async () => {
      await cifarExport(`${dir}/model.onnx`);
      return startServe([dir, ...(real ? ["--data-dir", real] : [])], dir);
    })();
    const session = await ort.InferenceSession.create(`${dir}/model.onnx`);
    const table = normalizationTable(NORMALIZATION.cifar10);
    const own = (hwc: Uint8Array) => {
      const x = new Float32Array(3072);
      for (let p = 0; p < 1024; p++) {
        for (let c = 0; c < 3; c++) {
          x[c * 1024 + p] = table[c * 256 + hwc[p * 3 + c]];
        }
      }
      return x;
    };
    const check = async (got: PagePrediction, what: string) => {
      const out = await session.run({
        image: new ort.Tensor("float32", Float32Array.from(got.input), [1, 3, 32, 32]),
      });
      const p = out.probabilities.data as Float32Array;
      assertNear(got.probabilities, p, what);
      assert.equal(got.top, argmax(p), what);
    };
    try {
      const page = await openPage(browser, server.url);
      assert.equal(await page.$eval("#pick", (e) => e.hasAttribute("hidden")), false);
      const rng = new Rng(4, "pixels");
      const pixels = Uint8Array.from(
        { length: 32 * 32 * 3 },
        () => Math.floor(rng.uniform() * 256),
      );
      await Deno.writeFile(
        `${dir}/a.png`,
        await sharp(pixels, { raw: { width: 32, height: 32, channels: 3 } }).png().toBuffer(),
      );
      const picker = (await page.$("#file")) as unknown as FileInput;
      await picker.uploadFile(`${dir}/a.png`);
      const got = await prediction(page, 1);
      assert.deepEqual(got.pixels, Array.from(pixels), "a 32×32 image reaches the model unchanged");
      assert.deepEqual(got.input, Array.from(own(pixels)));
      await check(got, "picked 32×32 image");
      // a 64×48 photo: its middle 48×48 square, resized by the browser
      await Deno.writeFile(
        `${dir}/b.png`,
        await sharp(pixels, { raw: { width: 32, height: 32, channels: 3 } }).resize(64, 48).png()
          .toBuffer(),
      );
      await picker.uploadFile(`${dir}/b.png`);
      await check(await prediction(page, 2), "picked 64×48 image");
      if (real) {
        const test = await loadDataset("cifar10", "test", {
          dataDir: real,
          cacheDir: `${dir}/bnn`,
          download: false,
        });
        for (let i = 0; i < 3; i++) {
          await page.click(`#strip button:nth-child(${i + 1})`);
          const t = await prediction(page, 3 + i);
          assert.deepEqual(t.source, { kind: "test", index: i, label: test.labels[i] });
          assert.deepEqual(
            t.input,
            Array.from(own(test.images.subarray(i * 3072, (i + 1) * 3072))),
          );
          await check(t, `CIFAR-10 test image ${i}`);
        }
      }
    } finally {
      await session.release();
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
