import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../../../train/backend/mod.ts";
import {
  bernoulliSample,
  gradScale,
  lambdaUpdate,
  modeFromMu,
  momentumUpdate,
  relaxedSample,
} from "../../../train/optimizers/bayes_binn_math.ts";
import { add, assertClose, div, f, mul, sub, values } from "./_hand.ts";

await initBackend("wasm");

const t = (xs: number[]) => tf.tensor1d(xs);

Deno.test("relaxedSample() is tanh((log(ε/(1−ε))/2 + λ)/τ)", () => {
  const lambda = [0.5, 0, -1, 10, -10, 0.3];
  const eps = [0.5, 0.25, 0.9, 2 ** -25, 1 - 2 ** -24, 0.75];
  const w = values(relaxedSample(t(lambda), t(eps), 0.5));
  const expected = lambda.map((l, i) => Math.tanh((Math.log(eps[i] / (1 - eps[i])) / 2 + l) / 0.5));
  assertClose(w, expected, 1e-5, "w"); // float32 vs float64 (λ + δ cancels for λ = −1)
  // ε = ½ gives δ = 0 exactly: w = tanh(2λ) (τ = ½).
  assertClose([w[0]], [f(Math.tanh(1))], 2e-7, "δ = 0");
  // τ = 1e-10: every sample is ±1 exactly, with the sign of λ + δ.
  const hard = values(relaxedSample(t(lambda.slice(1)), t(eps.slice(1)), 1e-10));
  assert.deepEqual([...hard], [-1, 1, 1, -1, 1]);
});

Deno.test("gradScale() keeps the 1e-10 terms: 1/τ when saturated", () => {
  // w² = μ² = 1: (0 + 1e-10)/τ/(0 + 1e-10) = fround(1/fround(τ)).
  assert.deepEqual([...values(gradScale(t([1, -1]), t([1, -1]), 1e-10))], [1e10, 1e10]);
  assert.deepEqual([...values(gradScale(t([1]), t([-1]), 1e-8))], [f(1 / f(1e-8))]);
  // The "exact" sech² form would be 0 here: 1 − tanh²(10) = 0 in float32.
  assert.equal(sub(1, mul(f(Math.tanh(10)), f(Math.tanh(10)))), 0);
  // Unsaturated: (1 − w² + 1e-10)/τ/(1 − μ² + 1e-10), every op in float32.
  const w = [0.5, -0.25, 0.9, 0], mu = [0.1, 0.99, -0.5, 1];
  const expected = w.map((x, i) =>
    div(div(add(sub(1, mul(x, x)), 1e-10), 0.3), add(sub(1, mul(mu[i], mu[i])), 1e-10))
  );
  assertClose(values(gradScale(t(w), t(mu), 0.3)), expected, 0, "scale");
  // Unsaturated μ with saturated w at τ = 1e-10: (1e-10/τ)/(1 − μ²) ≈ 1/(1 − μ²).
  assertClose(values(gradScale(t([1]), t([0.5]), 1e-10)), [1 / 0.75], 1e-6, "≈ 1/(1−μ²)");
});

Deno.test("momentumUpdate() is β·m + (1−β)·(ĝ + κ·(λ − λ₀))", () => {
  const m = [1, -2], g = [0.5, 4], l = [3, -1], p = [1, 0.5];
  const got = values(momentumUpdate(t(m), t(g), t(l), t(p), 0.9, 0.5));
  const expected = m.map((mi, i) =>
    add(mul(mi, 0.9), mul(add(g[i], mul(sub(l[i], p[i]), 0.5)), 1 - 0.9))
  );
  assertClose(got, expected, 0, "m");
  assertClose(got, [0.9 * 1 + 0.1 * (0.5 + 1), 0.9 * -2 + 0.1 * (4 - 0.75)], 1e-6, "m by hand");
});

Deno.test("lambdaUpdate() divides by the bias correction 1 − βᵗ", () => {
  // β = 0.9, t = 2: λ − α·m/(1 − 0.81) = 1 − 0.1·0.95/0.19 = 0.5.
  assertClose(values(lambdaUpdate(t([1]), t([0.95]), 0.1, 0.9, 2)), [0.5], 1e-6, "t = 2");
  // β = 0: correction 1 for every t.
  assertClose(values(lambdaUpdate(t([1, 2]), t([4, -8]), 0.25, 0, 7)), [0, 4], 0, "β = 0");
});

Deno.test("modeFromMu() and bernoulliSample() give ±1 with ties to −1", () => {
  assert.deepEqual([...values(modeFromMu(t([-1, -0, 0, 1e-38, 0.2])))], [-1, -1, -1, 1, 1]);
  // p = sigmoid(2λ): λ = 0 → ½; u < p → +1.
  const w = values(
    bernoulliSample(t([0, 0, 10, -10, 0.5 * Math.log(3)]), t([0.49, 0.51, 0.999, 1e-6, 0.74])),
  );
  assert.deepEqual([...w], [1, -1, 1, -1, 1]);
});
