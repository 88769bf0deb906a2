/**
 * The page: loads `/model.json` (what the server read from the export) and the model, runs it
 * with onnxruntime-web's wasm backend, and wires the input (a drawing pad for one-channel models,
 * an image picker for three-channel ones), the results, the test-image strip and the benchmark.
 *
 * For tests and curious visitors, `window.bnn` holds the state: `ready`, `problem`, `seq` (the
 * number of predictions so far), `last` (the last prediction: source, the model's input, the
 * probabilities and each sampled network's, latency) and `bench` (the last benchmark);
 * `document.body.dataset.state` is `loading`, `ready`, `problem` or `error`.
 * @module
 */
import { drawingPad } from "./drawing.js";
import { centreSquare, mnistDigit, normalizeImage } from "./preprocess.js";
import { renderResults } from "./results.js";

/** @typedef {{ file: string, bytes: number, architecture: string | null, dataset: string | null,
 *   classNames: string[], normalization: { mean: number[], std: number[] } | null,
 *   input: { name: string, channels: number, height: number, width: number } | null,
 *   sampleOutputs: string[], weights: string | null, testAccuracy: number | null,
 *   problem: string | null, testImages: { count: number, note: string } }} ModelInfo */

/** @type {any} */
const state = { ready: false, problem: null, seq: 0, last: null, bench: null };
/** @type {any} */ (window).bnn = state;

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** @param {string} s */
function setState(s) {
  document.body.dataset.state = s;
}

/** @param {string} message */
function showProblem(message) {
  $("problem").textContent = message;
  $("problem").hidden = false;
  console.error(`bnn serve: ${message}`);
}

/** @param {number} bytes */
const size = (bytes) =>
  bytes < 2 ** 20 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 2 ** 20).toFixed(2)} MiB`;

/**
 * Opens the model in onnxruntime-web's wasm backend: one thread per core, up to 4 (ORT's own
 * default is half the cores, 1 on a 2-core machine), when the page is cross-origin isolated —
 * which threads need — else 1.
 *
 * @param {any} ort The `onnxruntime-web/wasm` module.
 * @returns {Promise<{ session: any, threads: number }>}
 */
async function openModel(ort) {
  const threads = self.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
  ort.env.wasm.wasmPaths = new URL("/ort/", location.href).href;
  ort.env.wasm.numThreads = threads;
  const bytes = new Uint8Array(await (await fetch("/model.onnx")).arrayBuffer());
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ["wasm"],
    graphOptimizationLevel: "all",
  });
  $("runtime").textContent = `onnxruntime-web ${ort.env.versions?.web ?? ""} · wasm · ` +
    `${threads} thread${threads > 1 ? "s" : ""}`;
  return { session, threads };
}

/**
 * Runs the model on one image.
 *
 * @param {any} ort
 * @param {any} session
 * @param {ModelInfo} info
 * @param {Uint8Array} pixels HWC bytes.
 */
async function infer(ort, session, info, pixels) {
  const { channels: C, height: H, width: W, name } = /** @type {any} */ (info.input);
  const t0 = performance.now();
  const x = normalizeImage(pixels, H, W, /** @type {any} */ (info.normalization));
  const t1 = performance.now();
  const out = await session.run({ [name]: new ort.Tensor("float32", x, [1, C, H, W]) });
  const t2 = performance.now();
  return {
    input: x,
    probabilities: /** @type {Float32Array} */ (out.probabilities.data),
    samples: info.sampleOutputs.map((n) => /** @type {Float32Array} */ (out[n].data)),
    latencyMs: t2 - t1,
    preprocessMs: t1 - t0,
  };
}

/**
 * Draws HWC bytes on a canvas of the image's size (CSS scales it up, pixelated).
 *
 * @param {HTMLCanvasElement} canvas
 * @param {Uint8Array} pixels
 * @param {number} H
 * @param {number} W
 * @param {number} C
 */
function paint(canvas, pixels, H, W, C) {
  canvas.width = W;
  canvas.height = H;
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  const img = ctx.createImageData(W, H);
  for (let p = 0; p < H * W; p++) {
    for (let k = 0; k < 3; k++) {
      // one channel: ink on paper (MNIST digits are white on black; show them dark on light)
      img.data[p * 4 + k] = C === 1 ? 255 - pixels[p] : pixels[p * C + k];
    }
    img.data[p * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

/**
 * The page once the model is open.
 *
 * @param {any} ort
 * @param {any} session
 * @param {ModelInfo} info
 */
async function wire(ort, session, info) {
  const { channels: C, height: H, width: W } = /** @type {any} */ (info.input);
  const seen = /** @type {HTMLCanvasElement} */ ($("seen"));

  /**
   * @param {Uint8Array} pixels
   * @param {{ kind: string, index?: number, label?: number }} source
   */
  async function predict(pixels, source) {
    paint(seen, pixels, H, W, C);
    const r = await infer(ort, session, info, pixels);
    renderResults($("results"), {
      probabilities: r.probabilities,
      samples: r.samples,
      classNames: info.classNames,
      label: source.label ?? null,
    });
    const top = r.probabilities.indexOf(Math.max(...r.probabilities));
    const truth = source.label === undefined
      ? ""
      : ` · true class ${info.classNames[source.label]} ${source.label === top ? "✓" : "✗"}`;
    $("latency").textContent = `inference ${r.latencyMs.toFixed(1)} ms ` +
      `(+ ${r.preprocessMs.toFixed(2)} ms preprocessing)${truth}`;
    state.last = {
      source,
      pixels: Array.from(pixels),
      input: Array.from(r.input),
      probabilities: Array.from(r.probabilities),
      samples: r.samples.map((s) => Array.from(s)),
      top,
      latencyMs: r.latencyMs,
    };
    state.seq++;
  }

  if (C === 1) wireDrawing(H, W, predict);
  else wirePicker(H, W, predict);
  await wireStrip(info, predict);
  wireBenchmark(ort, session, info);
}

/**
 * @param {number} H
 * @param {number} W
 * @param {(pixels: Uint8Array, source: { kind: string }) => Promise<void>} predict
 */
function wireDrawing(H, W, predict) {
  $("draw").hidden = false;
  const canvas = /** @type {HTMLCanvasElement} */ ($("pad"));
  const pad = drawingPad(canvas, () => {
    const digit = mnistDigit(pad.ink(), canvas.width, canvas.height, W, Math.round(W * 20 / 28));
    if (digit !== null && H === W) predict(digit, { kind: "drawing" });
  });
  $("clear").addEventListener("click", () => pad.clear());
}

/**
 * @param {number} H
 * @param {number} W
 * @param {(pixels: Uint8Array, source: { kind: string }) => Promise<void>} predict
 */
function wirePicker(H, W, predict) {
  $("pick").hidden = false;
  const zone = $("drop");
  const file = /** @type {HTMLInputElement} */ ($("file"));
  /** @param {Blob} blob */
  const use = async (blob) => {
    const bitmap = await createImageBitmap(blob);
    const { sx, sy, side } = centreSquare(bitmap.width, bitmap.height);
    const canvas = new OffscreenCanvas(W, H);
    const ctx = /** @type {OffscreenCanvasRenderingContext2D} */ (canvas.getContext("2d"));
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(bitmap, sx, sy, side, side, 0, 0, W, H);
    const rgba = ctx.getImageData(0, 0, W, H).data;
    const pixels = new Uint8Array(H * W * 3);
    for (let p = 0; p < H * W; p++) for (let k = 0; k < 3; k++) pixels[p * 3 + k] = rgba[p * 4 + k];
    await predict(pixels, { kind: "image" });
  };
  file.addEventListener("change", () => file.files?.[0] && use(file.files[0]));
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    const f = e.dataTransfer?.files?.[0];
    if (f) use(f);
  });
}

/**
 * @param {ModelInfo} info
 * @param {(pixels: Uint8Array, source: { kind: string, index: number, label: number }) => Promise<void>} predict
 */
async function wireStrip(info, predict) {
  if (info.testImages.count === 0) {
    $("strip-note").textContent = info.testImages.note;
    return;
  }
  const b = await (await fetch("/test_images.json")).json();
  const raw = Uint8Array.from(atob(b.pixels), (c) => c.charCodeAt(0));
  const size = b.height * b.width * b.channels;
  const strip = $("strip");
  b.labels.forEach((/** @type {number} */ label, /** @type {number} */ i) => {
    const button = document.createElement("button");
    button.type = "button";
    button.title = `test image ${b.indices[i]}: ${info.classNames[label]}`;
    const canvas = document.createElement("canvas");
    const pixels = raw.subarray(i * size, (i + 1) * size);
    paint(canvas, pixels, b.height, b.width, b.channels);
    button.append(canvas);
    button.addEventListener("click", () => {
      strip.querySelector(".chosen")?.classList.remove("chosen");
      button.classList.add("chosen");
      predict(pixels, { kind: "test", index: b.indices[i], label });
    });
    strip.append(button);
  });
  $("strip-title").textContent =
    `Test images: the first ${b.labels.length} of ${b.dataset}'s test set`;
  $("strip-box").hidden = false;
}

/**
 * The benchmark: `n` images at batch 1, then `n` images in batches of 100 (at least 3), random
 * normalized inputs, after 3 untimed runs of each; images/s = images / elapsed seconds.
 *
 * @param {any} ort
 * @param {any} session
 * @param {ModelInfo} info
 */
function wireBenchmark(ort, session, info) {
  const { channels: C, height: H, width: W, name } = /** @type {any} */ (info.input);
  const button = /** @type {HTMLButtonElement} */ ($("bench"));
  /** @param {number} batch @param {number} runs */
  const time = async (batch, runs) => {
    const x = new Float32Array(batch * C * H * W);
    let seed = 1;
    for (let i = 0; i < x.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      x[i] = (seed / 2 ** 32) * 4 - 2;
    }
    const feeds = { [name]: new ort.Tensor("float32", x, [batch, C, H, W]) };
    for (let i = 0; i < 3; i++) await session.run(feeds);
    const t0 = performance.now();
    for (let i = 0; i < runs; i++) await session.run(feeds);
    return (batch * runs) / ((performance.now() - t0) / 1000);
  };
  button.addEventListener("click", async () => {
    const n = Number(/** @type {HTMLSelectElement} */ ($("bench-n")).value);
    button.disabled = true;
    $("bench-out").textContent = `timing ${n} images at batch 1…`;
    const one = await time(1, n);
    $("bench-out").textContent = `batch 1: ${one.toFixed(0)} images/s; timing batch 100…`;
    const hundred = await time(100, Math.max(3, Math.round(n / 100)));
    $("bench-out").textContent = `batch 1: ${one.toFixed(0)} images/s ` +
      `(${(1000 / one).toFixed(2)} ms each) · batch 100: ${hundred.toFixed(0)} images/s`;
    state.bench = { n, batch1: one, batch100: hundred };
    button.disabled = false;
  });
}

async function main() {
  setState("loading");
  /** @type {ModelInfo} */
  const info = await (await fetch("/model.json")).json();
  $("model").textContent = [
    info.file,
    info.architecture,
    info.dataset,
    info.sampleOutputs.length ? `${info.sampleOutputs.length} posterior samples` : "one network",
    info.weights === "packed" ? `1-bit weights, ${size(info.bytes)}` : size(info.bytes),
  ].filter(Boolean).join(" · ");
  if (info.testAccuracy !== null) {
    $("model").textContent += ` · test accuracy ${(100 * info.testAccuracy).toFixed(2)}%`;
  }
  document.title = `${info.file} · bnn`;
  if (info.problem !== null) {
    state.problem = info.problem;
    showProblem(info.problem);
    setState("problem");
    return;
  }
  const ort = await import("/ort/ort.wasm.min.mjs");
  const { session } = await openModel(ort);
  await wire(ort, session, info);
  state.ready = true;
  setState("ready");
}

main().catch((e) => {
  state.problem = String(e?.message ?? e);
  showProblem(`the page could not run the model: ${state.problem}`);
  setState("error");
});
