import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../../../train/backend/mod.ts";
import type { LossFn } from "../../../train/optimizers/binary_optimizer.ts";
import { latentInit, STE, type STEOptions } from "../../../train/optimizers/ste.ts";
import { Rng } from "../../../train/random.ts";
import { assertClose } from "../../_fixtures/assert_close.ts";
import { onBackend } from "../../_fixtures/on_backend.ts";
import { add, div, f, KERNEL_PATHS, mul, sub, values, withKernels } from "./_hand.ts";

await initBackend("wasm");

/**
 * One Adam step in scalar float32 as torch 1.13's CPU kernels: m and v with a fused
 * multiply-add (the float32 product is exact in float64, then one rounding), then
 * p + (−(lr/(1 − β₁ᵗ))·m)/denom (addcdiv).
 */
function handAdam(
  p: number,
  g: number,
  s: { m: number; v: number },
  t: number,
  lr: number,
): number {
  s.m = f(mul(s.m, 0.9) + f(1 - 0.9) * f(g));
  s.v = f(mul(s.v, 0.999) + mul(1 - 0.999, g) * f(g));
  const denom = add(div(f(Math.sqrt(s.v)), Math.sqrt(1 - 0.999 ** t)), 1e-8);
  return sub(p, div(mul(lr / (1 - 0.9 ** t), s.m), denom));
}

const clamp = (x: number, c: number) => Math.min(c, Math.max(-c, x));

// Linear loss L = Σ C ⊙ w_b over one [2, 3] layer: ∂L/∂w_b = C exactly.
const C = [2.5, -3, 0.5, -1, 1, 0.25];
const LATENT = [0.3, -0.2, 0, 0.995, -0.999, 0.5];
const seen: number[][] = [];
const linearLoss: LossFn = (w) => {
  seen.push([...values(w[0])]);
  return {
    loss: tf.sum(tf.mul(w[0], tf.tensor(C, [2, 3]))) as tf.Scalar,
    logits: tf.reshape(w[0], [1, -1]) as tf.Tensor2D,
  };
};

function steWithLatent(opts: STEOptions): STE {
  const ste = new STE([[2, 3]], new Rng(1, "ste"), opts);
  const s = ste.getState();
  s["latent.0"] = new Float32Array(LATENT);
  ste.setState(s);
  return ste;
}

const CASES = [
  { name: "gradient clamp 1 and latent clamp 1", gradClip: 1, weightClip: 1 },
  { name: "no clamps", gradClip: null, weightClip: null },
  { name: "gradient clamp 0.75 only", gradClip: 0.75, weightClip: null },
] as const;

// Adam has no transcendental functions: every backend and kernel path gives the same bits.
for (
  const [c, backend, path] of CASES.flatMap((c) =>
    (["cpu", "wasm"] as const).flatMap((b) => KERNEL_PATHS.map((p) => [c, b, p] as const))
  )
) {
  Deno.test(`STE.step() matches two Adam steps by hand: ${c.name} (${backend}, ${path})`, async () => {
    await onBackend(backend, () =>
      withKernels(path, () => {
        const lr = 0.01;
        const ste = steWithLatent({
          learningRate: lr,
          gradClipValue: c.gradClip,
          weightClipValue: c.weightClip,
        });
        const hand = [...LATENT].map((x) => f(x));
        const moments = hand.map(() => ({ m: 0, v: 0 }));
        for (let t = 1; t <= 2; t++) {
          seen.length = 0;
          const r = ste.step(linearLoss);
          // The forward saw sign(latent) with sign(0) = +1.
          assert.deepEqual(seen[0], hand.map((x) => (x >= 0 ? 1 : -1)));
          assert.equal(r.loss, seen[0].reduce((s, w, i) => s + w * C[i], 0));
          r.logits.dispose();
          for (let i = 0; i < hand.length; i++) {
            const g = c.gradClip === null ? C[i] : clamp(C[i], c.gradClip);
            hand[i] = handAdam(hand[i], g, moments[i], t, lr);
            if (c.weightClip !== null) hand[i] = clamp(hand[i], c.weightClip);
          }
          assertClose(ste.latent[0], hand, 0, `latent after step ${t}`);
          const s = ste.getState();
          assertClose(
            s["adam.m.0"] as Float32Array,
            moments.map((x) => x.m),
            0,
            `Adam m after step ${t}`,
          );
          assertClose(
            s["adam.v.0"] as Float32Array,
            moments.map((x) => x.v),
            0,
            `Adam v after step ${t}`,
          );
        }
        if (c.weightClip !== null) {
          assert.deepEqual([...ste.latent[0]].slice(3, 5), [1, -1], "the latent clamp bites");
        }
        ste.dispose();
      }));
  });
}

Deno.test("STE.modeWeights() and sampleWeights() are sign(latent) with sign(0) = +1", () => {
  const ste = steWithLatent({ learningRate: 0.01, gradClipValue: null, weightClipValue: null });
  const [m] = ste.modeWeights();
  const [s] = ste.sampleWeights(new Rng(1));
  assert.deepEqual([...values(m)], [1, -1, 1, 1, -1, 1]);
  assert.deepEqual(values(s), values(m));
  tf.dispose([m, s]);
  const st = ste.getState();
  st["latent.0"] = new Float32Array([-3, -1e-30, -0, 0, 1e-30, 2]);
  ste.setState(st);
  const [z] = ste.modeWeights();
  assert.deepEqual([...values(z)], [-1, -1, 1, 1, 1, 1], "sign(−0) = +1 too");
  z.dispose();
  ste.dispose();
});

Deno.test("latentInit() is PyTorch's U(−1/√fan_in, 1/√fan_in), seeded, row-major", () => {
  const dense = latentInit([100, 7], new Rng(3, "init"));
  const b = 1 / Math.sqrt(100);
  assert.ok(dense.every((x) => Math.abs(x) <= b));
  assert.ok(Math.max(...dense) > 0.9 * b && Math.min(...dense) < -0.9 * b);
  const rng = new Rng(3, "init");
  assert.equal(dense[0], f((2 * rng.uniform() - 1) * b));
  assert.deepEqual(latentInit([100, 7], new Rng(3, "init")), dense);
  const conv = latentInit([3, 3, 2, 4], new Rng(3, "init"));
  assert.ok(conv.every((x) => Math.abs(x) <= 1 / Math.sqrt(18)), "conv fan_in = 3·3·2");
  assert.ok(Math.max(...conv) > 0.8 / Math.sqrt(18));
});

Deno.test("STE getState()/setState() round trip continues bit-identically", () => {
  const gamma = tf.variable(tf.tensor1d([1, 1, 1]));
  const loss: LossFn = (w) => {
    const l = linearLoss(w);
    return {
      loss: tf.add(l.loss, tf.sum(tf.mul(gamma, tf.tensor1d([0.3, -2, 1])))) as tf.Scalar,
      logits: l.logits,
    };
  };
  const a = new STE([[2, 3]], new Rng(5, "ste"), {
    learningRate: 0.05,
    gradClipValue: 1,
    weightClipValue: null,
    realParams: [gamma],
  });
  for (let i = 0; i < 3; i++) a.step(loss).logits.dispose();
  const saved = a.getState();
  const savedGamma = values(gamma);
  for (let i = 0; i < 3; i++) a.step(loss).logits.dispose();
  const endA = a.getState();
  const endGamma = values(gamma);
  const b = new STE([[2, 3]], new Rng(77, "other"), {
    learningRate: 0.05,
    gradClipValue: 1,
    weightClipValue: null,
    realParams: [gamma],
  });
  b.setState(saved);
  gamma.assign(tf.tensor1d(savedGamma));
  for (let i = 0; i < 3; i++) b.step(loss).logits.dispose();
  const endB = b.getState();
  for (const k of Object.keys(endA)) assert.deepEqual(endB[k], endA[k], k);
  assert.deepEqual(values(gamma), endGamma);
  assert.equal(endA["adam.step"], 6);
  assert.throws(
    () => b.setState({ ...saved, "latent.0": new Float32Array(5) }),
    /latent\.0 must be a Float32Array of length 6/,
  );
  assert.throws(
    () => b.setState({ ...saved, "adam.step": -1 }),
    /adam\.step must be a non-negative integer/,
  );
  a.dispose();
  b.dispose();
  gamma.dispose();
});

Deno.test("STE.step() leaks no tensors", () => {
  const ste = steWithLatent({ learningRate: 0.01, gradClipValue: 1, weightClipValue: 1 });
  ste.step(linearLoss).logits.dispose();
  const n = tf.memory().numTensors;
  for (let i = 0; i < 4; i++) ste.step(linearLoss).logits.dispose();
  assert.equal(tf.memory().numTensors, n);
  ste.dispose();
});

Deno.test("STE constructor rejects invalid options with the value", () => {
  const cases: [STEOptions, string][] = [
    [
      { learningRate: -1, gradClipValue: null, weightClipValue: null },
      "Cannot create STE as learningRate must be a finite number >= 0: current value is -1",
    ],
    [
      { learningRate: 0.01, gradClipValue: 0, weightClipValue: null },
      "Cannot create STE as gradClipValue must be a finite number > 0 or null: current value is 0",
    ],
    [
      { learningRate: 0.01, gradClipValue: null, weightClipValue: -2 },
      "Cannot create STE as weightClipValue must be a finite number > 0 or null: current value is -2",
    ],
  ];
  for (const [opts, message] of cases) {
    assert.throws(() => new STE([[2]], new Rng(1), opts), { name: "RangeError", message });
  }
});
