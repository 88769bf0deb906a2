import assert from "node:assert/strict";
import { Adam } from "../../../train/optimizers/adam.ts";
import { assertClose } from "../../_fixtures/assert_close.ts";
import { add, div, f, KERNEL_PATHS, mul, sub, withKernels } from "./_hand.ts";

Deno.test("Adam.apply() matches torch 1.13's Adam in float32 by hand, with clamps", () => {
  // Step t = 3 from given moments, lr 0.01. PyTorch's CPU kernels: m and v with a fused
  // multiply-add (exact float32 product in float64, one rounding), p + (−s·m)/denom.
  const p = [0.5, -0.25, 2, 0.995], g = [0.1, -3, 0, -2], m0 = [0.02, -0.5, 0.01, 0.3];
  const v0 = [0.001, 0.2, 4e-6, 0.5];
  const t = 3, lr = 0.01;
  for (const [gradClip, weightClip] of [[null, null], [1, 1]] as const) {
    const gc = g.map((x) => (gradClip === null ? x : Math.max(-gradClip, Math.min(gradClip, x))));
    const em = m0.map((x, i) => f(mul(x, 0.9) + f(1 - 0.9) * f(gc[i])));
    const ev = v0.map((x, i) => f(mul(x, 0.999) + mul(1 - 0.999, gc[i]) * f(gc[i])));
    const ep = p.map((x, i) => {
      const denom = add(div(f(Math.sqrt(ev[i])), Math.sqrt(1 - 0.999 ** t)), 1e-8);
      const y = sub(x, div(mul(lr / (1 - 0.9 ** t), em[i]), denom));
      return weightClip === null ? y : Math.max(-weightClip, Math.min(weightClip, y));
    });
    for (const path of KERNEL_PATHS) {
      withKernels(path, () => {
        const adam = new Adam([{ size: 4, gradClip, weightClip }]);
        adam.setState({
          "a.step": t - 1,
          "a.m.0": new Float32Array(m0),
          "a.v.0": new Float32Array(v0),
        }, "a.");
        const w = new Float32Array(p);
        adam.apply([w], [new Float32Array(g)], lr);
        assertClose(adam.m[0], em, 0, `${path} m`);
        assertClose(adam.v[0], ev, 0, `${path} v`);
        assertClose(w, ep, 0, `${path} p clips ${gradClip},${weightClip}`);
      });
    }
  }
});

Deno.test("Adam.apply() takes bias-corrected steps of about lr·sign(g) at first", () => {
  const x = new Float32Array([1, -1, 0]);
  const adam = new Adam([{ size: 3 }]);
  const g = new Float32Array([5, -0.01, 2]);
  adam.apply([x], [g], 0.1);
  assertClose(x, [0.9, -0.9, -0.1], 1e-5, "x");
  assert.throws(
    () => adam.apply([], [], 0.1),
    /values and grads must have 1 arrays: current lengths are 0 and 0/,
  );
  adam.apply([x], [g], 0.1);
  const s = adam.getState("a.");
  assert.equal(s["a.step"], 2);
  const other = new Adam([{ size: 3 }]);
  other.setState(s, "a.");
  assert.deepEqual(other.getState("a."), s);
  assert.throws(
    () => other.setState({ ...s, "a.v.0": new Float32Array(1) }, "a."),
    /a\.v\.0 must be a Float32Array of length 3/,
  );
  assert.throws(() => other.setState({ ...s, "a.step": 0.5 }, "a."), /a\.step must be/);
});
