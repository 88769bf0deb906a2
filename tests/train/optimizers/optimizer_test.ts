import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { initBackend } from "../../../train/backend/mod.ts";
import { BayesBiNN } from "../../../train/optimizers/bayes_binn.ts";
import { createOptimizer, type OptimizerKind } from "../../../train/optimizers/optimizer.ts";
import { STE } from "../../../train/optimizers/ste.ts";
import { Rng } from "../../../train/random.ts";

await initBackend("wasm");

Deno.test("createOptimizer() maps config keys onto BayesBiNN", () => {
  const opt = createOptimizer(
    "bayesbinn",
    {
      lr_init: 3e-4,
      temperature: 1e-8,
      mc_steps: 2,
      train_set_size: 45000,
      trainset_scale: 10,
      beta: 0.99,
      kl_reweight: 0.5,
    },
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
    { train_set_size: 10, lambda_init: 3 },
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
    [{ lr_init: 0.01, weight_clip_value: null }, null, null],
  ] as const;
  for (const [opts, gc, wc] of cases) {
    const opt = createOptimizer("ste", opts, [[2, 2]], new Rng(1), []);
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
    () => createOptimizer("adam" as OptimizerKind, {}, [[2]], new Rng(1), []),
    {
      name: "RangeError",
      message:
        'Cannot create an optimizer as kind must be "bayesbinn" or "ste": current value is "adam"',
    },
  );
  assert.throws(
    () => createOptimizer("bayesbinn", {}, [[2]], new Rng(1), []),
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
    createOptimizer(kind, { train_set_size: 10 }, [[3, 4], [2, 2, 1, 3]], new Rng(1), []).dispose();
    assert.equal(tf.memory().numTensors, before, kind);
  }
});
