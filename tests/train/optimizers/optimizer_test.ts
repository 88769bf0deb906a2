import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../../../train/backend/mod.ts";
import { BayesBiNN } from "../../../train/optimizers/bayes_binn.ts";
import type { LossFn } from "../../../train/optimizers/binary_optimizer.ts";
import {
  createOptimizer,
  type OptimizerOptions,
} from "../../../train/optimizers/create_optimizer.ts";
import type { OptimizerKind } from "../../../train/optimizers/optimizer_kind.ts";
import { STE } from "../../../train/optimizers/ste.ts";
import { Rng } from "../../../train/random.ts";
import { optimizerOptions } from "../../_fixtures/optimizer_options.ts";
import { assertClose } from "../../_fixtures/assert_close.ts";
import { onBackend } from "../../_fixtures/on_backend.ts";
import { withKernels } from "./_hand.ts";

await initBackend("wasm");

Deno.test("createOptimizer() maps config keys onto BayesBiNN", () => {
  const opt = createOptimizer(
    "bayesbinn",
    optimizerOptions("bayesbinn", {
      lr_init: 3e-4,
      temperature: 1e-8,
      mc_steps: 2,
      train_set_size: 45000,
      trainset_scale: 10,
      beta: 0.99,
      kl_reweight: 0.5,
    }),
    [[3, 4]],
    new Rng(1, "optimizer"),
    [],
  );
  assert.ok(opt instanceof BayesBiNN);
  assert.equal(opt.kind, "bayesbinn");
  assert.equal(opt.learningRate, 3e-4);
  assert.equal(opt.temperature, 1e-8);
  assert.equal(opt.mcSteps, 2);
  assert.equal(opt.trainSetSize, 450000);
  assert.equal(opt.beta, 0.99);
  assert.equal(opt.klReweight, 0.5);
  // lambda_init 10 by default: every λ is ±10.
  assert.ok((opt.getState()["lambda.0"] as Float32Array).every((x) => Math.abs(x) === 10));
  opt.dispose();
  const custom = createOptimizer(
    "bayesbinn",
    optimizerOptions("bayesbinn", { train_set_size: 10, lambda_init: 3 }),
    [[5]],
    new Rng(1),
    [],
  );
  assert.ok((custom.getState()["lambda.0"] as Float32Array).every((x) => Math.abs(x) === 3));
  custom.dispose();
});

Deno.test("createOptimizer() maps config keys onto STE (0 or null disables a clamp)", () => {
  const cases = [
    [{ lr_init: 0.01, grad_clip_value: 1, weight_clip_value: 1 }, 1, 1],
    [{ lr_init: 0.01, grad_clip_value: 0 }, null, 1],
    [{ lr_init: 0.01, grad_clip_value: null, weight_clip_value: null }, null, null],
  ] as const;
  for (const [opts, gc, wc] of cases) {
    const opt = createOptimizer("ste", optimizerOptions("ste", opts), [[2, 2]], new Rng(1), []);
    assert.ok(opt instanceof STE);
    assert.equal(opt.gradClipValue, gc);
    assert.equal(opt.weightClipValue, wc);
    assert.equal(opt.learningRate, 0.01);
    opt.dispose();
  }
});

Deno.test("createOptimizer() rejects an unknown kind and a missing train_set_size", () => {
  const before = tf.memory().numTensors;
  assert.throws(
    () => createOptimizer("adam" as OptimizerKind, optimizerOptions("ste"), [[2]], new Rng(1), []),
    {
      name: "RangeError",
      message:
        'Cannot create an optimizer as kind must be "bayesbinn" or "ste": current value is "adam"',
    },
  );
  assert.throws(
    () => createOptimizer("bayesbinn", optimizerOptions("bayesbinn"), [[2]], new Rng(1), []),
    {
      name: "RangeError",
      message:
        "Cannot create BayesBiNN as train_set_size must be given: current value is undefined",
    },
  );
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("createOptimizer() optimizers free every tensor on dispose()", () => {
  const before = tf.memory().numTensors;
  for (const kind of ["bayesbinn", "ste"] as const) {
    const opts = optimizerOptions(kind, { train_set_size: 10 });
    createOptimizer(kind, opts, [[3, 4], [2, 2, 1, 3]], new Rng(1), []).dispose();
    assert.equal(tf.memory().numTensors, before, kind);
  }
});

Deno.test("createOptimizer() optimizers step alike on the native and the JS kernels", async () => {
  // Quadratic loss ½ Σ A ⊙ w² on 6,300 weights (∇ = A ⊙ w), 3 steps from the same seed.
  // BayesBiNN at the paper's τ = 1e-10, λ = ±10: samples and μ are ±1 exactly on both paths,
  // so the steps agree bit for bit. At τ = 1 (unsaturated) the native Cephes logf/tanhf
  // (≤ 2 ulp) differ from fround(Math.log/tanh) in the last bits: λ agrees within 2e-4
  // relative (see bayes_binn_test.ts). STE's Adam has no transcendentals: bit for bit.
  const shapes = [[200, 30], [30, 10]];
  const rng = new Rng(8, "A");
  const A = shapes.map((s) => tf.tensor(rng.fillUniform(new Float32Array(s[0] * s[1])), s));
  const loss: LossFn = (w) => ({
    loss: tf.mul(tf.addN(w.map((wi, i) => tf.sum(tf.mul(A[i], tf.square(wi))))), 0.5),
    logits: tf.reshape(w[1], [1, -1]) as tf.Tensor2D,
  });
  const run = (path: "native" | "js", kind: OptimizerKind, opts: OptimizerOptions) => {
    let out: Float32Array[] = [];
    withKernels(path, () => {
      const opt = createOptimizer(kind, opts, shapes, new Rng(3, "optimizer"), []);
      for (let t = 0; t < 3; t++) opt.step(loss).logits.dispose();
      const s = opt.getState();
      out = [0, 1].map((i) => s[`${kind === "ste" ? "latent" : "lambda"}.${i}`] as Float32Array);
      opt.dispose();
    });
    return out;
  };
  for (const backend of ["cpu", "wasm"] as const) {
    await onBackend(backend, () => {
      const paper = optimizerOptions("bayesbinn", {
        train_set_size: 100,
        temperature: 1e-10,
        lr_init: 1e-4,
      });
      assert.deepEqual(run("native", "bayesbinn", paper), run("js", "bayesbinn", paper));
      const soft = optimizerOptions("bayesbinn", {
        train_set_size: 100,
        temperature: 1,
        lambda_init: 0.5,
        lr_init: 1e-3,
      });
      const [a, b] = [run("native", "bayesbinn", soft), run("js", "bayesbinn", soft)];
      a.forEach((x, i) => assertClose(x, b[i], 2e-4, `${backend} τ = 1 λ.${i}`));
      const ste = optimizerOptions("ste", { lr_init: 0.01, grad_clip_value: 1 });
      assert.deepEqual(run("native", "ste", ste), run("js", "ste", ste));
    });
  }
  tf.dispose(A);
});
