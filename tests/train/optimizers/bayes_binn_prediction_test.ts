import assert from "node:assert/strict";
import { bernoulliSample, modeFromMu } from "../../../train/optimizers/bayes_binn_prediction.ts";
import { Rng } from "../../../train/random.ts";

const a = (xs: number[]) => new Float32Array(xs);

Deno.test("modeFromMu() gives ±1 with ties (0 and −0) to −1", () => {
  const mu = a([-1, -0, 0, 1e-38, 0.2, -1e-38]);
  assert.deepEqual([...modeFromMu(mu, new Float32Array(6))], [-1, -1, -1, 1, 1, -1]);
  modeFromMu(mu, mu);
  assert.deepEqual([...mu], [-1, -1, -1, 1, 1, -1], "in place");
});

Deno.test("bernoulliSample() is +1 where u < sigmoid(2λ)", () => {
  // p = sigmoid(2λ): λ = 0 → ½; λ = ½·ln 3 → 0.75; u < p → +1.
  const w = bernoulliSample(
    a([0, 0, 10, -10, 0.5 * Math.log(3), 0.5 * Math.log(3)]),
    a([0.49, 0.51, 0.999, 1e-6, 0.74, 0.76]),
    new Float32Array(6),
  );
  assert.deepEqual([...w], [1, -1, 1, -1, 1, -1]);
  // Frequency over 20,000 draws at p = 0.75.
  const n = 20000;
  const u = new Rng(4, "eval").fillUniform(new Float32Array(n));
  const s = bernoulliSample(new Float32Array(n).fill(0.5 * Math.log(3)), u, u);
  const plus = s.filter((x) => x === 1).length / n;
  assert.ok(Math.abs(plus - 0.75) < 0.015, `fraction of +1 is ${plus}`);
});
