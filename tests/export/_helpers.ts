/**
 * Shared test helpers for the export tests: a network with realistic BatchNorm
 * statistics, tfjs-vs-ORT comparison, and python3-onnx's checker.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { ort } from "../../export/ort.ts";
import { initBackend } from "../../train/backend/mod.ts";
import { BinaryNet } from "../../train/models/binary_net.ts";
import type { ModelSpec } from "../../train/models/spec.ts";
import { Rng } from "../../train/random.ts";

let backendReady: Promise<unknown> | null = null;
/** Starts the tfjs wasm backend once per test process. */
export function ready(): Promise<unknown> {
  backendReady ??= initBackend("wasm");
  return backendReady;
}

/** Standard-normal draws (Box–Muller) from a seeded Rng. */
export function normals(n: number, rng: Rng): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    out[i] = Math.sqrt(-2 * Math.log(rng.uniform())) * Math.cos(2 * Math.PI * rng.uniform());
  }
  return out;
}

/** Random ±1 arrays of the given shapes. */
export function randomSigns(shapes: number[][], rng: Rng): Float32Array[] {
  return shapes.map((s) => {
    const a = new Float32Array(s.reduce((x, y) => x * y, 1));
    for (let i = 0; i < a.length; i++) a[i] = rng.uniform() < 0.5 ? -1 : 1;
    return a;
  });
}

/**
 * A BinaryNet whose BN running statistics are non-trivial but realistic: the batch
 * statistics of one training pass on `calBatch` random images (momentum 1), then the
 * means shifted by 0.2·σ·N(0,1) and the variances scaled by U(0.7, 1.4); affine γ ~ U(0.5, 1.5),
 * β ~ 0.3·N(0,1).
 */
export function calibratedNet(
  spec: ModelSpec,
  weights: Float32Array[],
  rng: Rng,
  calBatch = 8,
): BinaryNet {
  const calSpec: ModelSpec = {
    ...spec,
    layers: spec.layers.map((l) => (l.type === "batchnorm" ? { ...l, momentum: 1 } : l)),
  };
  const cal = new BinaryNet(calSpec);
  const w = weights.map((a, i) => tf.tensor(a, cal.binaryShapes[i]));
  const [h, wd, c] = spec.inputShape;
  const x = tf.tensor4d(normals(calBatch * h * wd * c, rng), [calBatch, h, wd, c]);
  tf.dispose(cal.apply(w, x, { training: true, rng: new Rng(1, "dropout") }));
  const state = cal.getState();
  tf.dispose([...w, x]);
  cal.dispose();
  for (const key of Object.keys(state)) {
    if (!key.endsWith("running_mean")) continue;
    const mean = state[key];
    const v = state[key.replace("running_mean", "running_var")];
    const z = normals(mean.length, rng);
    for (let i = 0; i < mean.length; i++) {
      mean[i] += 0.2 * Math.sqrt(v[i]) * z[i];
      v[i] *= 0.7 + 0.7 * rng.uniform();
    }
    const g = state[key.replace("running_mean", "gamma")];
    const b = state[key.replace("running_mean", "beta")];
    if (g && b) {
      const zb = normals(b.length, rng);
      for (let i = 0; i < g.length; i++) {
        g[i] = 0.5 + rng.uniform();
        b[i] = 0.3 * zb[i];
      }
    }
  }
  const net = new BinaryNet(spec);
  net.setState(state);
  return net;
}

/** tfjs eval-mode logits of NHWC images. */
export function tfjsLogits(
  net: BinaryNet,
  weights: Float32Array[],
  nhwc: Float32Array,
  n: number,
): Float32Array {
  const w = weights.map((a, i) => tf.tensor(a, net.binaryShapes[i]));
  const [h, wd, c] = net.spec.inputShape;
  const x = tf.tensor4d(nhwc, [n, h, wd, c]);
  const logits = net.apply(w, x, { training: false });
  const out = logits.dataSync() as Float32Array;
  tf.dispose([...w, x, logits]);
  return Float32Array.from(out);
}

/** NHWC → NCHW. */
export function toNchw(
  nhwc: Float32Array,
  n: number,
  h: number,
  w: number,
  c: number,
): Float32Array {
  const out = new Float32Array(nhwc.length);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let k = 0; k < c; k++) {
          out[((i * c + k) * h + y) * w + x] = nhwc[((i * h + y) * w + x) * c + k];
        }
      }
    }
  }
  return out;
}

/** Runs an ONNX model (bytes or path) on NCHW images; returns logits and probabilities. */
export async function ortRun(
  model: Uint8Array | string,
  nchw: Float32Array,
  dims: number[],
): Promise<{ logits: Float32Array; probabilities: Float32Array }> {
  const session = typeof model === "string"
    ? await ort.InferenceSession.create(model)
    : await ort.InferenceSession.create(model);
  const out = await session.run({ image: new ort.Tensor("float32", nchw, dims) });
  const res = {
    logits: Float32Array.from(out.logits.data as Float32Array),
    probabilities: Float32Array.from(out.probabilities.data as Float32Array),
  };
  await session.release();
  return res;
}

/** Row-wise argmax of a `[n, k]` array. */
export function argmaxRows(a: Float32Array, k: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < a.length / k; r++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (a[r * k + c] > a[r * k + best]) best = c;
    out.push(best);
  }
  return out;
}

/** max |a − b|. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const PY = "/usr/bin/python3";

async function hasPythonOnnx(): Promise<boolean> {
  try {
    const r = await new Deno.Command(PY, {
      args: ["-c", "import onnx"],
      stdout: "null",
      stderr: "null",
    }).output();
    return r.success;
  } catch {
    return false;
  }
}

/** Whether Debian's python3 has the onnx package (checked once). */
export const HAS_PYTHON_ONNX: boolean = await hasPythonOnnx();

/**
 * Runs `onnx.checker.check_model(onnx.load(p), full_check=True)` on each file, as a step of
 * the test `t` that is skipped visibly when python3-onnx is missing; the step fails with the
 * checker's message when a model is invalid.
 */
export async function checkWithOnnx(t: Deno.TestContext, paths: string[]): Promise<void> {
  await t.step({
    name: "onnx.checker.check_model(full_check=True)" +
      (HAS_PYTHON_ONNX ? "" : ` [needs python3-onnx for ${PY}]`),
    ignore: !HAS_PYTHON_ONNX,
    fn: () => runOnnxChecker(paths),
  });
}

async function runOnnxChecker(paths: string[]): Promise<void> {
  const script = "import onnx, sys\nfor p in sys.argv[1:]:\n" +
    "    m = onnx.load(p)\n    onnx.checker.check_model(m, full_check=True)\n" +
    "    assert m.opset_import[0].version == 17 and m.ir_version == 8, p\n" +
    "    assert all(n.domain == '' for n in m.graph.node), p\n";
  const r = await new Deno.Command(PY, {
    args: ["-c", script, ...paths],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!r.success) throw new Error(`onnx.checker failed: ${new TextDecoder().decode(r.stderr)}`);
}
