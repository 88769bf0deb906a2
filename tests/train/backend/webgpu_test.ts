/**
 * The `webgpu` backend against `blas`, on a small VGG (the paper's VGGBinaryConnect at 1/16
 * width, BN γ/β learned by Adam, batch 8): two steps of each optimizer, each step replayed on
 * webgpu — and on `wasm`, a second CPU implementation — from the state blas reached before it
 * (the same λ, μ, m, Adam moments, γ/β, noise stream and batch), so each step is compared on
 * its own; then a webgpu run resumed from a state read back mid-way, against the same run
 * uninterrupted, bit for bit.
 *
 * Skipped (reported as ignored, the reason in its name) where Deno finds no WebGPU adapter; CI
 * installs Mesa's software Vulkan (lavapipe), where the file takes ~45 s on 2 cores.
 *
 * Tolerances (float32, u = 2⁻²⁴ ≈ 6e-8). Implementations sum the convolutions' and matmuls'
 * products in different orders (oneDNN or OpenBLAS blocks, XNNPACK, WGSL tiles) and the GPU's
 * `log`/`tanh`/`exp`/`/` are not correctly rounded, so gradients differ by rounding: a sum of K
 * products carries an error ≲ K·u·Σ|terms| — with K up to 8·32·32 = 8192 (a filter or γ
 * gradient sums over batch × positions), `REL` = K·u ≈ 5e-4 of the tensor's largest value where
 * the terms do not cancel. They do cancel in BatchNorm's backward pass over small batches, and
 * BayesBiNN's 1 − w·w and 1 − μ·μ lose all their digits next to ±1, so the error can be larger;
 * how large is measured, not guessed: wasm's result for the same step is the yardstick, and
 * every tensor must be within `SPREAD` = 2 × (wasm's largest distance from blas) or `REL`·max,
 * whichever is larger (measured on lavapipe: the GPU is up to 2.6e-3 of the max from blas on m,
 * XNNPACK up to 1.7e-2). Adam's step m̂/(√v̂ + ε) moves an element by ~lr whatever its
 * gradient's size, so where a gradient is at its rounding floor the two can move it in opposite
 * directions: in each Adam-updated tensor (STE's latent weights, γ/β) at most 1 % of the
 * elements may be up to 2·lr further off. BayesBiNN's modes (μ ≤ 0 → −1) are equal wherever the
 * reference μ is not within 1e-6 of 0; STE's (w_r ≥ 0 → +1) wherever |w_r| exceeds the latent
 * weights' tolerance (a flipped sign is a difference ≥ |w_r|, which that check bounds).
 * @module
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { findWebGpuAdapter, initBackend, readVariablesBack } from "../../../train/backend/mod.ts";
import { crossEntropy } from "../../../train/cross_entropy.ts";
import { buildSpec } from "../../../train/models/architectures.ts";
import { BinaryNet } from "../../../train/models/binary_net.ts";
import type {
  BinaryOptimizer,
  OptimizerState,
} from "../../../train/optimizers/binary_optimizer.ts";
import { createOptimizer } from "../../../train/optimizers/create_optimizer.ts";
import { DeviceBayesBiNN } from "../../../train/optimizers/device_bayes_binn.ts";
import { DeviceSTE } from "../../../train/optimizers/device_ste.ts";
import type { OptimizerKind } from "../../../train/optimizers/optimizer_kind.ts";
import { Rng } from "../../../train/random.ts";
import { optimizerOptions } from "../../_fixtures/optimizer_options.ts";

const adapter = await findWebGpuAdapter();
const SKIP = adapter ? "" : " [needs a WebGPU adapter: apt-get install mesa-vulkan-drivers]";
const BATCH = 8, STEPS = 2, REL = 5e-4, SPREAD = 2, TIE = 1e-6;

/** A network and its optimizer on the active backend. */
interface Trainee {
  net: BinaryNet;
  opt: BinaryOptimizer;
}

function trainee(kind: OptimizerKind, overrides: Record<string, number>): Trainee {
  const spec = buildSpec({
    model_architecture: "VGGBinaryConnect",
    dataset: "cifar10",
    width_multiplier: 1 / 16,
    batch_affine: true,
  });
  const net = new BinaryNet(spec);
  const opts = optimizerOptions(kind, { train_set_size: 100, ...overrides });
  const opt = createOptimizer(
    kind,
    opts,
    net.binaryShapes,
    new Rng(1, "optimizer"),
    net.realParams,
  );
  return { net, opt };
}

function onDevice(opt: BinaryOptimizer): opt is DeviceBayesBiNN | DeviceSTE {
  return opt instanceof DeviceBayesBiNN || opt instanceof DeviceSTE;
}

/** An optimizer state and the BN γ/β. */
interface Snapshot {
  state: OptimizerState;
  real: Float32Array[];
}

/** The optimizer state and the BN γ/β, read with `await` (all backends). */
async function snapshot(t: Trainee): Promise<Snapshot> {
  const state = onDevice(t.opt) ? await t.opt.getStateAsync() : t.opt.getState();
  const real = await Promise.all(t.net.realParams.map(async (p) => (await p.data()).slice()));
  return { state, real: real as Float32Array[] };
}

function restore(t: Trainee, s: Snapshot): void {
  t.opt.setState(s.state);
  tf.tidy(() => t.net.realParams.forEach((p, i) => p.assign(tf.tensor(s.real[i], p.shape))));
}

/** Step `step`'s seeded batch through one optimizer step; the loss. */
async function trainStep(t: Trainee, step: number): Promise<number> {
  const [H, W, C] = t.net.spec.inputShape;
  const rng = new Rng(step, "data");
  const x = tf.tensor4d(rng.fillUniform(new Float32Array(BATCH * H * W * C)), [BATCH, H, W, C]);
  const y = tf.tensor1d(Int32Array.from({ length: BATCH }, () => rng.int(10)), "int32");
  const lossFn = (w: tf.Tensor[]) => {
    const logits = t.net.apply(w, x, { training: true });
    return { loss: crossEntropy(logits, y), logits };
  };
  const r = onDevice(t.opt) ? await t.opt.stepAsync(lossFn) : t.opt.step(lossFn);
  tf.dispose([r.logits, x, y]);
  return r.loss;
}

function dispose(t: Trainee): void {
  t.opt.dispose();
  t.net.dispose();
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** max |got − want| over a tensor. */
function maxDiff(got: Float32Array, want: Float32Array): number {
  let m = 0;
  for (let i = 0; i < want.length; i++) m = Math.max(m, Math.abs(got[i] - want[i]));
  return m;
}

/**
 * `|got − want| ≤ bound` element-wise, bound = max(`SPREAD`·(how far another CPU implementation
 * is), `REL`·max|want|); with `slack`, 1 % of the elements may be up to `slack` further off.
 */
function assertNear(
  got: Float32Array,
  want: Float32Array,
  other: Float32Array,
  what: string,
  slack = 0,
): void {
  const bound = Math.max(SPREAD * maxDiff(other, want), REL * maxAbs(want));
  let off = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (d <= bound) continue;
    off++;
    assert.ok(d <= bound + slack, `${what}[${i}]: ${got[i]} vs ${want[i]} (bound ${bound})`);
  }
  assert.ok(off <= (slack > 0 ? 0.01 * want.length : 0), `${what}: ${off} elements off`);
}

/** BayesBiNN's modes (μ ≤ 0 → −1) equal where the reference μ is not within `TIE` of 0. */
function assertModes(got: Float32Array, want: Float32Array, what: string): void {
  for (let i = 0; i < want.length; i++) {
    if (Math.abs(want[i]) < TIE) continue;
    assert.equal(got[i] > 0, want[i] > 0, `${what}[${i}] mode: ${got[i]} vs ${want[i]}`);
  }
}

/** One replayed step: the loss and what the state became. */
interface Replayed {
  loss: number;
  after: Snapshot;
}

function compare(got: Replayed, want: Replayed, other: Replayed, lr: number): void {
  const { state } = want.after;
  assert.ok(Math.abs(got.loss - want.loss) <= REL * Math.abs(want.loss), "loss");
  assert.deepEqual(Object.keys(got.after.state).sort(), Object.keys(state).sort());
  for (const [k, w] of Object.entries(state)) {
    const g = got.after.state[k];
    if (typeof w === "number") {
      assert.equal(g, w, k);
      continue;
    }
    // STE's latent weights move by Adam's steps, ±lr whatever the gradient's size
    const slack = k.startsWith("latent.") ? 2 * lr : 0;
    assertNear(g as Float32Array, w, other.after.state[k] as Float32Array, k, slack);
    if (k.startsWith("mu.")) assertModes(g as Float32Array, w, k);
  }
  want.after.real.forEach((w, i) =>
    assertNear(got.after.real[i], w, other.after.real[i], `real.${i}`, 2 * lr)
  );
}

/** Each step `s` on `backend` from `before[s]` (blas's state), with step `s`'s batch. */
async function replay(
  backend: "wasm" | "webgpu",
  kind: OptimizerKind,
  overrides: Record<string, number>,
  before: Snapshot[],
): Promise<Replayed[]> {
  await initBackend(backend);
  const t = trainee(kind, overrides);
  try {
    const out: Replayed[] = [];
    for (let s = 0; s < STEPS; s++) {
      restore(t, before[s]);
      const loss = await trainStep(t, s);
      out.push({ loss, after: await snapshot(t) });
    }
    return out;
  } finally {
    dispose(t);
  }
}

const CASES = [
  ["bayesbinn", "the paper's τ = 1e-10, λ = ±10", { mc_steps: 1, beta: 0, lr_init: 1e-4 }],
  ["bayesbinn", "τ = 0.5, λ_init 0.7 ± 0.3, S = 2, β = 0.9", {
    temperature: 0.5,
    lambda_init: 0.7,
    lambda_std: 0.09,
    mc_steps: 2,
    beta: 0.9,
    lr_init: 0.05,
  }],
  ["ste", "the paper's clamps", { lr_init: 0.01 }],
] as const;

for (const [kind, what, overrides] of CASES) {
  Deno.test({
    name: `webgpu: ${kind} (${what}): ${STEPS} steps, each within float32 tolerance of blas${SKIP}`,
    ignore: adapter === null,
    fn: async () => {
      await initBackend("blas", { warn: () => {} });
      const cpu = trainee(kind, overrides);
      const before = [await snapshot(cpu)], losses: number[] = [];
      for (let s = 0; s < STEPS; s++) {
        losses.push(await trainStep(cpu, s));
        before.push(await snapshot(cpu));
      }
      dispose(cpu);
      try {
        const wasm = await replay("wasm", kind, overrides, before);
        const gpu = await replay("webgpu", kind, overrides, before);
        for (let s = 0; s < STEPS; s++) {
          const blas = { loss: losses[s], after: before[s + 1] };
          compare(gpu[s], blas, wasm[s], overrides.lr_init);
        }
      } finally {
        await initBackend("wasm");
      }
    },
  });
}

for (const [kind, what, overrides] of CASES.slice(1)) {
  Deno.test({
    name: `webgpu: ${kind} (${what}) resumed from a state read back is bit-identical${SKIP}`,
    ignore: adapter === null,
    fn: async () => {
      await initBackend("webgpu");
      try {
        const straight = trainee(kind, overrides);
        const lossesA: number[] = [];
        for (let s = 0; s < 3; s++) lossesA.push(await trainStep(straight, s));
        const a = await snapshot(straight);
        dispose(straight);

        const first = trainee(kind, overrides);
        const lossesB: number[] = [];
        lossesB.push(await trainStep(first, 0));
        const mid = await snapshot(first);
        dispose(first);
        const resumed = trainee(kind, overrides);
        restore(resumed, mid);
        for (let s = 1; s < 3; s++) lossesB.push(await trainStep(resumed, s));
        const b = await snapshot(resumed);

        assert.deepEqual(lossesB, lossesA);
        assert.deepEqual(b, a);
        // what the trainer's synchronous reads need: after readVariablesBack, getState works
        await readVariablesBack();
        assert.deepEqual(resumed.opt.getState(), b.state);
        assert.ok(Object.keys(resumed.net.getState()).length > 0);
        dispose(resumed);
      } finally {
        await initBackend("wasm");
      }
    },
  });
}

Deno.test("train --backend webgpu without an adapter stops with one line naming the fix", async () => {
  const dir = await Deno.makeTempDir();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "train/main.ts", "bayesbinn", "--backend", "webgpu", "--out", dir],
    cwd: new URL("../../..", import.meta.url).pathname,
    env: { DENO_WEBGPU_BACKEND: "dx12" }, // a wgpu backend Linux lacks: no adapter anywhere
    stdout: "null",
    stderr: "piped",
  }).output();
  await Deno.remove(dir, { recursive: true });
  const lines = new TextDecoder().decode(out.stderr).trim().split("\n");
  assert.equal(out.code, 1);
  assert.equal(lines.length, 1, lines.join("\n"));
  assert.match(lines[0], /^error: Cannot init backend 'webgpu': no WebGPU adapter found.*mesa/);
});
