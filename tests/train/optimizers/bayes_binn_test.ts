import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../../../train/backend/mod.ts";
import { BayesBiNN } from "../../../train/optimizers/bayes_binn.ts";
import { initLambda } from "../../../train/optimizers/bayes_binn_init.ts";
import type { BayesBiNNOptions } from "../../../train/optimizers/bayes_binn_options.ts";
import type { LossFn } from "../../../train/optimizers/binary_optimizer.ts";
import { Rng } from "../../../train/random.ts";
import { assertClose } from "../../_fixtures/assert_close.ts";
import { onBackend } from "../../_fixtures/on_backend.ts";
import { add, div, f, KERNEL_PATHS, mul, sub, values, withKernels } from "./_hand.ts";

await initBackend("wasm");

// ---------------------------------------------------------------------------
// An independent scalar implementation of one BayesBiNN step, Math.fround after
// every operation, in the order of the authors' optimizers/BayesBiNN.py:
//   δ = log(ε/(1−ε))/2; w = tanh((δ+λ)/τ); s = (1 − w² + 1e-10)/τ/(1 − μ² + 1e-10)
//   ĝ = Σ_s s⊙g · (N/S); m = β·m + (1−β)·(ĝ + κ·(λ−λ₀)); λ ← λ − α·m/(1−βᵗ); μ ← tanh(λ_old)
// Flat arrays over all layers: the optimizer draws noise layer by layer, row-major,
// which is the same sequence as one flat draw.
// ---------------------------------------------------------------------------
interface Hand {
  lambda: number[];
  m: number[];
  mu: number[];
  prior: number[];
  t: number;
  rng: Rng;
}

interface HandOpts {
  tau: number;
  S: number;
  N: number;
  beta: number;
  kappa: number;
  lr: number;
}

function handInit(n: number, lambdaInit: number, rng: Rng): Hand {
  const lambda = Array.from(
    { length: n },
    () => (rng.uniform() < 0.5 ? f(lambdaInit) : f(-lambdaInit)),
  );
  return {
    lambda,
    m: lambda.map(() => 0),
    mu: lambda.map((l) => f(Math.tanh(l))),
    prior: lambda.map(() => 0),
    t: 0,
    rng,
  };
}

function handStep(h: Hand, o: HandOpts, gradOf: (w: number[]) => number[]): void {
  h.t++;
  const n = h.lambda.length;
  let gHat: number[] = [];
  for (let s = 0; s < o.S; s++) {
    const w = h.lambda.map((l) => {
      const eps = f(h.rng.uniform());
      const delta = div(f(Math.log(div(eps, sub(1, eps)))), 2);
      return f(Math.tanh(div(add(delta, l), o.tau)));
    });
    const g = gradOf(w);
    const contrib = w.map((wi, i) => {
      const num = add(sub(1, mul(wi, wi)), 1e-10);
      const den = add(sub(1, mul(h.mu[i], h.mu[i])), 1e-10);
      return mul(div(div(num, o.tau), den), g[i]);
    });
    gHat = s === 0 ? contrib : gHat.map((x, i) => add(x, contrib[i]));
  }
  gHat = gHat.map((x) => mul(x, o.N / o.S));
  const bc = 1 - o.beta ** h.t;
  for (let i = 0; i < n; i++) {
    const kl = mul(sub(h.lambda[i], h.prior[i]), o.kappa);
    h.m[i] = add(mul(h.m[i], o.beta), mul(add(gHat[i], kl), 1 - o.beta));
    const lambdaNew = sub(h.lambda[i], div(mul(h.m[i], o.lr), bc));
    h.mu[i] = f(Math.tanh(h.lambda[i]));
    h.lambda[i] = lambdaNew;
  }
}

/** β, λ_init, λ_std and κ at the paper's values, for the cases that set other options. */
const PAPER = { beta: 0, lambdaInit: 10, lambdaStd: 0, klReweight: 1 } as const;

const SHAPES = [[3, 2], [2, 1]];
// Linear loss L = Σ C ⊙ w: ∇_w L = C exactly.
const C = [[0.5, -1, 2, -0.25, 1.5, -3], [4, -0.5]];
const linearLoss: LossFn = (w) => {
  const terms = w.map((wi, i) => tf.sum(tf.mul(wi, tf.tensor(C[i], wi.shape))));
  return { loss: tf.addN(terms) as tf.Scalar, logits: tf.reshape(w[0], [1, -1]) as tf.Tensor2D };
};
const linearGrad = () => C.flat();
// Quadratic loss L = ½ Σ A ⊙ w²: ∇_w L = A ⊙ w (one float32 rounding, the rest are powers of 2).
const A = [[1, 3, -2, 0.5, 5, -1], [2, 7]];
const quadLoss: LossFn = (w) => {
  const terms = w.map((wi, i) => tf.sum(tf.mul(tf.tensor(A[i], wi.shape), tf.square(wi))));
  return {
    loss: tf.mul(tf.addN(terms), 0.5) as tf.Scalar,
    logits: tf.reshape(w[0], [1, -1]) as tf.Tensor2D,
  };
};
const quadGrad = (w: number[]) => w.map((wi, i) => mul(A.flat()[i], wi));

function state(opt: BayesBiNN): { lambda: number[]; m: number[]; mu: number[] } {
  // m is read from the optimizer's arrays: getState() leaves it out when β = 0
  const cat = (arrays: readonly Float32Array[]) => arrays.flatMap((a) => [...a]);
  return { lambda: cat(opt.lambda), m: cat(opt.momentum), mu: cat(opt.mu) };
}

interface Case {
  name: string;
  opts: Omit<BayesBiNNOptions, "realParams">;
  lambdaInit: number;
  steps: number;
  loss: LossFn;
  grad: (w: number[]) => number[];
}

const CASES: Case[] = [
  {
    name: "one step, τ = 0.5, S = 1, β = 0",
    opts: {
      ...PAPER,
      learningRate: 0.1,
      temperature: 0.5,
      mcSteps: 1,
      trainSetSize: 10,
      lambdaInit: 0.7,
    },
    lambdaInit: 0.7,
    steps: 1,
    loss: linearLoss,
    grad: linearGrad,
  },
  {
    name: "S = 2 samples average (gradient depends on the sample)",
    opts: {
      ...PAPER,
      learningRate: 0.05,
      temperature: 1,
      mcSteps: 2,
      trainSetSize: 7,
      lambdaInit: 0.3,
    },
    lambdaInit: 0.3,
    steps: 1,
    loss: quadLoss,
    grad: quadGrad,
  },
  {
    name: "β = 0.9 with bias correction and lagged μ over 3 steps",
    opts: {
      ...PAPER,
      learningRate: 0.02,
      temperature: 0.8,
      mcSteps: 1,
      trainSetSize: 5,
      beta: 0.9,
      lambdaInit: 1.2,
    },
    lambdaInit: 1.2,
    steps: 3,
    loss: quadLoss,
    grad: quadGrad,
  },
  {
    name: "κ = 0.5 KL term with S = 3",
    opts: {
      ...PAPER,
      learningRate: 0.3,
      temperature: 2,
      mcSteps: 3,
      trainSetSize: 3,
      klReweight: 0.5,
      lambdaInit: 2.5,
    },
    lambdaInit: 2.5,
    steps: 2,
    loss: linearLoss,
    grad: linearGrad,
  },
];

// The JS kernels use fround(Math.log/tanh), as the hand computation: bit-identical. The
// native ones use Cephes' float32 logf/tanhf (≤ 2 ulp, ~2.4e-7 relative, in δ, w and μ); the
// gradient scale (1 − w² + 1e-10)/(1 − μ² + 1e-10) turns an ulp of w or μ near ±1 into up to
// 2|w|·ulp/(1 − w²) relative (≤ 6e-5 for the |w|, |μ| ≤ 0.995 of these cases), and the
// cancellation in m = β·m + (1 − β)(ĝ + κλ) amplifies it further (measured: ≤ 1.5e-4 on m at
// step 2 of the β = 0.9 case), so the native path is held to 2e-4 relative, the bound the
// tfjs-wasm tanh/log path of the earlier tensor implementation needed too.
const NATIVE_REL = 2e-4;

for (
  const [c, backend, path] of CASES.flatMap((c) =>
    (["cpu", "wasm"] as const).flatMap((b) => KERNEL_PATHS.map((p) => [c, b, p] as const))
  )
) {
  {
    const rel = path === "js" ? 0 : NATIVE_REL;
    Deno.test(`BayesBiNN.step() matches a float32 hand computation: ${c.name} (${backend}, ${path})`, async () => {
      await onBackend(backend, () =>
        withKernels(path, () => {
          const opt = new BayesBiNN(SHAPES, new Rng(11, "bayesbinn"), c.opts);
          const hand = handInit(8, c.lambdaInit, new Rng(11, "bayesbinn"));
          const o: HandOpts = {
            tau: c.opts.temperature,
            S: c.opts.mcSteps,
            N: c.opts.trainSetSize,
            beta: c.opts.beta ?? 0,
            kappa: c.opts.klReweight ?? 1,
            lr: c.opts.learningRate,
          };
          for (let t = 0; t < c.steps; t++) {
            const r = opt.step(c.loss);
            r.logits.dispose();
            handStep(hand, o, c.grad);
            const got = state(opt);
            assertClose(got.lambda, hand.lambda, rel, `λ after step ${t + 1}`);
            assertClose(got.m, hand.m, rel, `m after step ${t + 1}`);
            assertClose(got.mu, hand.mu, rel, `μ after step ${t + 1}`);
          }
          assert.equal(opt.stepCount, c.steps);
          opt.dispose();
        }));
    });
  }
}

Deno.test("BayesBiNN.step() at τ = 1e-10 and λ = ±10 uses scale exactly 1/τ = 1e10", () => {
  // tanh(10) rounds to 1 in float32, so μ² = 1; w = tanh((λ+δ)/1e-10) = ±1 exactly
  // (|δ| ≤ 8.7 for the Rng's ε ∈ [2^-25, 1 − 2^-25]). Then
  // s = (1 − 1 + 1e-10)/τ/(1 − 1 + 1e-10) = (1e-10/1e-10)/1e-10 = fround(1/fround(1e-10)) = 1e10.
  assert.equal(f(Math.tanh(10)), 1);
  assert.equal(div(div(add(sub(1, 1), 1e-10), 1e-10), add(sub(1, 1), 1e-10)), 1e10);
  const N = 54000, lr = 1e-4;
  const opt = new BayesBiNN(SHAPES, new Rng(3, "bayesbinn"), {
    ...PAPER,
    learningRate: lr,
    temperature: 1e-10,
    mcSteps: 1,
    trainSetSize: N,
    klReweight: 0,
  });
  const before = state(opt);
  assert.ok(before.mu.every((m) => m === 1 || m === -1), "μ saturates at init");
  opt.step(linearLoss).logits.dispose();
  const after = state(opt);
  // β = 0, κ = 0: m = ĝ = fround(fround(1e10·g)·N), λ' = λ − fround(m·lr) (bias correction 1).
  const g = linearGrad();
  const m = g.map((gi) => mul(mul(1e10, gi), N));
  assertClose(after.m, m, 0, "m = 1e10·g·N");
  assertClose(after.lambda, before.lambda.map((l, i) => sub(l, div(mul(m[i], lr), 1))), 0, "λ");
  // |λ| explodes after one step (§1.4), and the mode is sign(−g) from then on (after the lag).
  assert.ok(after.lambda.every((l) => Math.abs(l) > 1e9));
  opt.step(linearLoss).logits.dispose();
  const mode = opt.modeWeights();
  assert.deepEqual([...values(mode[0]), ...values(mode[1])], g.map((gi) => (gi > 0 ? -1 : 1)));
  tf.dispose(mode);
  opt.dispose();
});

Deno.test("BayesBiNN.step() keeps μ one step behind λ (the original's lagged μ)", () => {
  const opt = new BayesBiNN([[4]], new Rng(5, "bayesbinn"), {
    ...PAPER,
    learningRate: 0.5,
    temperature: 1,
    mcSteps: 1,
    trainSetSize: 2,
    lambdaInit: 0.4,
  });
  const loss: LossFn = (w) => ({
    loss: tf.sum(w[0]),
    logits: tf.reshape(w[0], [1, -1]) as tf.Tensor2D,
  });
  // μ = tanh(λ) within the native tanhf's 2 ulp
  const l0 = opt.lambda[0].slice();
  opt.step(loss).logits.dispose();
  const l1 = opt.lambda[0].slice();
  assert.notDeepEqual(l1, l0);
  assertClose(opt.mu[0], l0.map(Math.tanh), 3e-7, "μ after step 1 = tanh(λ₀)");
  opt.step(loss).logits.dispose();
  assertClose(opt.mu[0], l1.map(Math.tanh), 3e-7, "μ after step 2 = tanh(λ₁)");
  opt.dispose();
});

Deno.test("BayesBiNN.step() with zero gradient decays λ towards the prior λ₀", () => {
  // g = 0, β = 0: λ' = λ − α·κ·(λ − λ₀) (paper eq. 17/21 without the data term).
  const zeroLoss: LossFn = (w) => ({
    loss: tf.mul(tf.sum(w[0]), 0) as tf.Scalar,
    logits: tf.reshape(w[0], [1, -1]) as tf.Tensor2D,
  });
  const opt = new BayesBiNN([[3]], new Rng(2, "bayesbinn"), {
    ...PAPER,
    learningRate: 0.25,
    temperature: 1,
    mcSteps: 1,
    trainSetSize: 100,
    klReweight: 0.5,
  });
  const prior = new Float32Array([1, -2, 6]);
  opt.setPrior([prior]);
  const l0 = opt.lambda[0].slice();
  opt.step(zeroLoss).logits.dispose();
  const expected = [...l0].map((l, i) =>
    sub(l, div(mul(mul(mul(sub(l, prior[i]), 0.5), 1), 0.25), 1))
  );
  assertClose(opt.lambda[0], expected, 0, "λ");
  // With the posterior as prior, the KL term vanishes and λ stays.
  opt.usePosteriorAsPrior();
  const l1 = opt.lambda[0].slice();
  opt.step(zeroLoss).logits.dispose();
  assertClose(opt.lambda[0], l1, 0, "λ with λ₀ = λ");
  assert.throws(
    () => opt.setPrior([new Float32Array(2)]),
    /prior\.0 must be a Float32Array of length 3/,
  );
  opt.dispose();
});

Deno.test("BayesBiNN.modeWeights() maps μ ≤ 0 to −1 and μ > 0 to +1", () => {
  const opt = new BayesBiNN([[6]], new Rng(1, "bayesbinn"), {
    ...PAPER,
    learningRate: 0.1,
    temperature: 1,
    mcSteps: 1,
    trainSetSize: 1,
  });
  const s = opt.getState();
  s["mu.0"] = new Float32Array([-0.5, 0, -0, 1e-30, 0.5, -1e-30]);
  opt.setState(s);
  const [w] = opt.modeWeights();
  assert.deepEqual([...values(w)], [-1, -1, -1, 1, 1, -1]);
  w.dispose();
  opt.dispose();
});

Deno.test("BayesBiNN.sampleWeights() draws 2·Bernoulli(sigmoid(2λ)) − 1 from the Rng", async () => {
  await onBackend("cpu", () => {
    const opt = new BayesBiNN([[5]], new Rng(1, "bayesbinn"), {
      ...PAPER,
      learningRate: 0.1,
      temperature: 1,
      mcSteps: 1,
      trainSetSize: 1,
    });
    const lambda = new Float32Array([10, -10, 0.3, -0.2, 0]);
    const s = opt.getState();
    s["lambda.0"] = lambda;
    opt.setState(s);
    const [w] = opt.sampleWeights(new Rng(9, "eval"));
    const rng = new Rng(9, "eval");
    // w = +1 iff u < sigmoid(2λ) (cpu's sigmoid is fround(1/(1+exp(−x)))).
    const expected = [...lambda].map((l) =>
      (rng.uniform() < f(1 / (1 + Math.exp(-mul(l, 2))))) ? 1 : -1
    );
    assert.deepEqual([...values(w)], expected);
    assert.deepEqual(expected.slice(0, 2), [1, -1]);
    w.dispose();
    opt.dispose();
  });
  // Frequency: λ = ½·ln 3 → p(+1) = sigmoid(ln 3) = 0.75.
  const n = 20000;
  const opt = new BayesBiNN([[n]], new Rng(1, "bayesbinn"), {
    ...PAPER,
    learningRate: 0.1,
    temperature: 1,
    mcSteps: 1,
    trainSetSize: 1,
  });
  const s = opt.getState();
  s["lambda.0"] = new Float32Array(n).fill(0.5 * Math.log(3));
  opt.setState(s);
  const [w] = opt.sampleWeights(new Rng(4, "eval"));
  const plus = values(w).filter((x) => x === 1).length / n;
  assert.ok(Math.abs(plus - 0.75) < 0.015, `fraction of +1 is ${plus}`);
  w.dispose();
  opt.dispose();
});

Deno.test("BayesBiNN getState()/setState() round trip continues bit-identically", () => {
  const opts = {
    ...PAPER,
    learningRate: 0.05,
    temperature: 0.7,
    mcSteps: 2,
    trainSetSize: 9,
    beta: 0.5,
  };
  const a = new BayesBiNN(SHAPES, new Rng(21, "bayesbinn"), opts);
  for (let i = 0; i < 2; i++) a.step(quadLoss).logits.dispose();
  const saved = a.getState();
  for (let i = 0; i < 2; i++) a.step(quadLoss).logits.dispose();
  const b = new BayesBiNN(SHAPES, new Rng(999, "other"), opts);
  b.setState(saved);
  assert.equal(b.stepCount, 2);
  for (let i = 0; i < 2; i++) b.step(quadLoss).logits.dispose();
  const sa = a.getState(), sb = b.getState();
  for (const k of Object.keys(sa)) assert.deepEqual(sb[k], sa[k], k);
  assert.throws(
    () => b.setState({ ...saved, "lambda.1": new Float32Array(3) }),
    /lambda\.1 must be a Float32Array of length 2/,
  );
  assert.throws(() => b.setState({ ...saved, "rng.2": -1 }), /rng\.0\.\.rng\.3/);
  assert.throws(() => b.setState({ ...saved, step: 1.5 }), /step must be a non-negative integer/);
  a.dispose();
  b.dispose();
});

Deno.test("BayesBiNN.getState() stores m only when β > 0 and λ₀ only once a prior is set", () => {
  const opts = { ...PAPER, learningRate: 0.05, temperature: 0.7, mcSteps: 1, trainSetSize: 9 };
  const keys = (o: BayesBiNN) => Object.keys(o.getState()).filter((k) => k.includes("."));
  const a = new BayesBiNN(SHAPES, new Rng(21, "bayesbinn"), opts);
  a.step(quadLoss).logits.dispose();
  const plain = keys(a).filter((k) => !k.startsWith("rng.") && !k.startsWith("adam."));
  assert.deepEqual(plain.sort(), ["lambda.0", "lambda.1", "mu.0", "mu.1"]);
  assert.equal(a.hasPrior, false);
  a.usePosteriorAsPrior();
  assert.equal(a.hasPrior, true);
  assert.deepEqual(keys(a).filter((k) => k.startsWith("prior.")), ["prior.0", "prior.1"]);
  assert.deepEqual(a.getState()["prior.1"], a.getState()["lambda.1"]);
  const b = new BayesBiNN(SHAPES, new Rng(21, "bayesbinn"), { ...opts, beta: 0.5 });
  assert.deepEqual(keys(b).filter((k) => k.startsWith("momentum.")), ["momentum.0", "momentum.1"]);
  const { "momentum.0": _m0, ...noMomentum } = b.getState();
  assert.throws(() => b.setState(noMomentum), /momentum\.0 must be a Float32Array of length 6/);
  // a state without λ₀ clears a prior set before
  const c = new BayesBiNN(SHAPES, new Rng(21, "bayesbinn"), opts);
  c.setPrior([new Float32Array(6).fill(3), new Float32Array(2).fill(3)]);
  c.setState(a.getState());
  assert.equal(c.hasPrior, true);
  const d = new BayesBiNN(SHAPES, new Rng(4, "bayesbinn"), opts);
  d.setPrior([new Float32Array(6).fill(3), new Float32Array(2).fill(3)]);
  d.setState(new BayesBiNN(SHAPES, new Rng(5, "bayesbinn"), opts).getState());
  assert.equal(d.hasPrior, false);
  assert.deepEqual([...d.prior[0]!], [0, 0, 0, 0, 0, 0]);
  for (const o of [a, b, c, d]) o.dispose();
});

Deno.test("BayesBiNN at β = 0 resumes bit-identically from a state without m, with a prior", () => {
  const opts = { ...PAPER, learningRate: 0.05, temperature: 0.7, mcSteps: 2, trainSetSize: 9 };
  const a = new BayesBiNN(SHAPES, new Rng(21, "bayesbinn"), opts);
  for (let i = 0; i < 2; i++) a.step(quadLoss).logits.dispose();
  a.usePosteriorAsPrior();
  a.step(quadLoss).logits.dispose();
  const saved = a.getState();
  assert.ok(!("momentum.0" in saved) && "prior.0" in saved);
  for (let i = 0; i < 3; i++) a.step(quadLoss).logits.dispose();
  const b = new BayesBiNN(SHAPES, new Rng(999, "other"), opts);
  b.setState(saved);
  for (let i = 0; i < 3; i++) b.step(quadLoss).logits.dispose();
  const bits = (v: readonly Float32Array[]) => v.map((x) => [...new Uint32Array(x.slice().buffer)]);
  assert.deepEqual(bits(b.lambda), bits(a.lambda));
  assert.deepEqual(bits(b.mu), bits(a.mu));
  assert.deepEqual(bits(b.momentum), bits(a.momentum));
  assert.deepEqual(bits(b.prior), bits(a.prior));
  a.dispose();
  b.dispose();
});

Deno.test("BayesBiNN.step() leaks no tensors and trains real parameters with Adam", () => {
  const gamma = tf.variable(tf.tensor1d([1, 1]));
  const D = [2, -0.5];
  const opt = new BayesBiNN(SHAPES, new Rng(1, "bayesbinn"), {
    ...PAPER,
    learningRate: 0.01,
    temperature: 1,
    mcSteps: 2,
    trainSetSize: 4,
    realParams: [gamma],
  });
  const loss: LossFn = (w) => {
    const l = linearLoss(w);
    return {
      loss: tf.add(l.loss, tf.sum(tf.mul(gamma, tf.tensor1d(D)))) as tf.Scalar,
      logits: l.logits,
    };
  };
  opt.step(loss).logits.dispose();
  // Adam's first step on the mean gradient D: γ − lr·D/(|D| + 1e-8) ≈ γ − lr·sign(D).
  assertClose(values(gamma), [1 - 0.01, 1 + 0.01], 1e-6, "γ");
  const n = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) opt.step(loss).logits.dispose();
  assert.equal(tf.memory().numTensors, n);
  opt.dispose();
  gamma.dispose();
});

Deno.test("initLambda() draws ±λ_init with a seeded sign, plus √λ_std·N(0,1)", () => {
  const a = initLambda(1000, 10, 0, new Rng(1, "x"));
  assert.ok(a.every((x) => x === 10 || x === -10));
  const plus = a.filter((x) => x > 0).length;
  assert.ok(plus > 430 && plus < 570, `${plus} positive of 1000`);
  assert.deepEqual(initLambda(1000, 10, 0, new Rng(1, "x")), a);
  const b = initLambda(20000, 10, 4, new Rng(2, "x"));
  const dev = [...b].map((x) => x - (x > 0 ? 10 : -10));
  const sd = Math.sqrt(dev.reduce((s, d) => s + d * d, 0) / dev.length);
  assert.ok(Math.abs(sd - 2) < 0.05, `jitter sd ${sd} ≈ √4`);
});

Deno.test("BayesBiNN constructor rejects invalid options with the value", () => {
  const base = { ...PAPER, learningRate: 1e-4, temperature: 1e-10, mcSteps: 1, trainSetSize: 100 };
  const cases: [Partial<BayesBiNNOptions>, string][] = [
    [{ temperature: 0 }, "Cannot create BayesBiNN as temperature must be > 0: current value is 0"],
    [
      { temperature: -1 },
      "Cannot create BayesBiNN as temperature must be > 0: current value is -1",
    ],
    [
      { mcSteps: 0 },
      "Cannot create BayesBiNN as mcSteps must be an integer >= 1: current value is 0",
    ],
    [
      { mcSteps: 1.5 },
      "Cannot create BayesBiNN as mcSteps must be an integer >= 1: current value is 1.5",
    ],
    [
      { trainSetSize: 0 },
      "Cannot create BayesBiNN as trainSetSize must be > 0: current value is 0",
    ],
    [{ beta: 1 }, "Cannot create BayesBiNN as beta must be in [0, 1): current value is 1"],
    [{ beta: -0.1 }, "Cannot create BayesBiNN as beta must be in [0, 1): current value is -0.1"],
    [
      { learningRate: -1 },
      "Cannot create BayesBiNN as learningRate must be >= 0: current value is -1",
    ],
    [
      { learningRate: NaN },
      "Cannot create BayesBiNN as learningRate must be >= 0: current value is NaN",
    ],
    [{ lambdaStd: -1 }, "Cannot create BayesBiNN as lambdaStd must be >= 0: current value is -1"],
  ];
  for (const [bad, message] of cases) {
    assert.throws(() => new BayesBiNN([[2]], new Rng(1), { ...base, ...bad }), {
      name: "RangeError",
      message,
    });
  }
});
