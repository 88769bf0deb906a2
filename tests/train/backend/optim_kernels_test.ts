import assert from "node:assert/strict";
import { Rng } from "../../../train/random.ts";
import { fillUniform } from "../../../train/backend/fill_uniform.ts";
import { useNativeOptimKernels } from "../../../train/backend/optim_native.ts";
import { adamUpdate } from "../../../train/optimizers/adam_kernel.ts";
import {
  bayesBinnAccumulate,
  bayesBinnSample,
  bayesBinnSampleRng,
  bayesBinnUpdate,
} from "../../../train/optimizers/bayes_binn_kernels.ts";
import { data } from "./_reference.ts";
import { assertClose } from "../../_fixtures/assert_close.ts";

const f = Math.fround;
const N = 10_001;
const PATHS = [["native", true], ["js", false]] as const;

function eachPath(fn: (path: string) => void): void {
  assert.ok(
    useNativeOptimKernels(true),
    "native kernels not built: run train/backend/build_native.ts",
  );
  for (const [path, on] of PATHS) {
    useNativeOptimKernels(on);
    fn(path);
  }
  useNativeOptimKernels(true);
}

Deno.test("fillUniform() reproduces Rng.fillUniform's stream and state", () => {
  eachPath((path) => {
    const rng = new Rng(7, "noise");
    const want = new Rng(7, "noise").fillUniform(new Float32Array(N));
    const state = new Uint32Array(rng.state());
    const got = new Float32Array(N);
    fillUniform(state, got);
    assert.deepEqual(got, want, path);
    const ref = new Rng(7, "noise");
    ref.fillUniform(new Float32Array(N));
    assert.deepEqual([...state], ref.state(), `${path} state`);
  });
});

const lambda = new Float32Array(data(N, 1).map((x) => x * 12));
const uniform = new Rng(3, "u").fillUniform(new Float32Array(N));

Deno.test("bayesBinnSample() matches tanh((λ + log(ε/(1−ε))/2)/τ) in float32", () => {
  for (const tau of [1, 0.3, 1e-10]) {
    const want = new Float32Array(N), tol = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      const e = uniform[i];
      const delta = f(f(Math.log(f(e / f(1 - e)))) / 2);
      want[i] = Math.tanh(f(f(delta + lambda[i]) / f(tau)));
      // a few ulp of log's input magnitudes, amplified by 1/τ (λ + δ cancels)
      tol[i] = Math.min(2, 1e-6 * (Math.abs(lambda[i]) + Math.abs(delta) + 1) / tau) + 1e-6;
    }
    eachPath((path) => {
      const got = new Float32Array(N);
      bayesBinnSample(lambda, uniform, tau, got);
      for (let i = 0; i < N; i++) {
        if (!(Math.abs(got[i] - want[i]) <= tol[i])) {
          assert.fail(`${path} tau=${tau} [${i}]: ${got[i]} vs ${want[i]}`);
        }
      }
      if (tau === 1e-10) {
        assert.ok(got.every((x) => x === 1 || x === -1), `${path}: saturated samples are ±1`);
      }
      const viaRng = new Float32Array(N);
      bayesBinnSampleRng(lambda, new Uint32Array(new Rng(3, "u").state()), tau, viaRng);
      assert.deepEqual(viaRng, got, `${path} sampleRng`);
    });
  }
});

Deno.test("bayesBinnAccumulate() adds (1 − w² + 1e-10)/τ/(1 − μ² + 1e-10)·g exactly", () => {
  const w = new Float32Array(data(N, 4)), mu = new Float32Array(data(N, 5)), g = data(N, 6);
  w[0] = 1;
  mu[0] = 1;
  mu[1] = -1;
  for (const tau of [1, 1e-10]) {
    const want = data(N, 7);
    for (let i = 0; i < N; i++) {
      const num = f(f(1 - f(w[i] * w[i])) + f(1e-10));
      const den = f(f(1 - f(mu[i] * mu[i])) + f(1e-10));
      want[i] = f(want[i] + f(f(f(num / f(tau)) / den) * g[i]));
    }
    eachPath((path) => {
      const ghat = data(N, 7);
      bayesBinnAccumulate(ghat, g, w, mu, tau);
      assert.deepEqual(ghat, want, `${path} tau=${tau}`);
    });
  }
});

Deno.test("bayesBinnUpdate() follows m, λ, lagged μ of the reference", () => {
  const ghat = data(N, 8), lambda0 = data(N, 9);
  for (const [beta, prior] of [[0, false], [0.99, true]] as const) {
    const lam = new Float32Array(lambda), m = data(N, 10);
    const wantL = new Float32Array(N), wantM = new Float32Array(N), wantMu = new Float32Array(N);
    const step = 3, lr = 1e-4, kappa = 1, gs = 54000;
    for (let i = 0; i < N; i++) {
      const g = f(ghat[i] * gs);
      const mm = f(
        f(f(beta) * m[i]) + f(f(1 - beta) * f(g + f(kappa * f(lam[i] - (prior ? lambda0[i] : 0))))),
      );
      wantM[i] = mm;
      wantMu[i] = Math.tanh(lam[i]);
      wantL[i] = f(lam[i] - f(f(f(lr) * mm) / f(1 - beta ** step)));
    }
    eachPath((path) => {
      const l2 = new Float32Array(lam), m2 = new Float32Array(m), mu = new Float32Array(N);
      bayesBinnUpdate({
        lambda: l2,
        m: m2,
        mu,
        ghat,
        lambda0: prior ? lambda0 : undefined,
        gradScale: gs,
        beta,
        kappa,
        lr,
        step,
      });
      assert.deepEqual(m2, wantM, `${path} m beta=${beta}`);
      assert.deepEqual(l2, wantL, `${path} lambda beta=${beta}`);
      assertClose(mu, wantMu, 2e-7, `${path} mu`);
    });
  }
});

Deno.test("adamUpdate() matches PyTorch's Adam with clamps in float32", () => {
  const grad = new Float32Array(data(N, 11).map((x) => x * 3));
  for (const [gradClip, weightClip] of [[0, 0], [1, 0.5]]) {
    const w0 = data(N, 12), m0 = data(N, 13), v0 = new Float32Array(data(N, 14).map(Math.abs));
    const want = new Float32Array(w0), wm = new Float32Array(m0), wv = new Float32Array(v0);
    const step = 5, lr = 1e-3, b1 = 0.9, b2 = 0.999, eps = 1e-8;
    const stepSize = f(lr / (1 - b1 ** step)), bc2 = f(Math.sqrt(1 - b2 ** step));
    for (let i = 0; i < N; i++) {
      const g = gradClip ? Math.min(Math.max(grad[i], -gradClip), gradClip) : grad[i];
      // PyTorch's fused multiply-adds (exact float32 product in float64, one rounding)
      wm[i] = f(f(wm[i] * f(b1)) + f(1 - b1) * g);
      wv[i] = f(f(wv[i] * f(b2)) + f(f(1 - b2) * g) * g);
      const upd = f(want[i] - f(f(stepSize * wm[i]) / f(f(f(Math.sqrt(wv[i])) / bc2) + f(eps))));
      want[i] = weightClip ? Math.min(Math.max(upd, -f(weightClip)), f(weightClip)) : upd;
    }
    eachPath((path) => {
      const w = new Float32Array(w0), m = new Float32Array(m0), v = new Float32Array(v0);
      adamUpdate({ w, m, v, grad, lr, step, gradClip, weightClip });
      assert.deepEqual(m, wm, `${path} m`);
      assert.deepEqual(v, wv, `${path} v`);
      assert.deepEqual(w, want, `${path} w clip=${gradClip},${weightClip}`);
    });
  }
});

Deno.test("optimizer kernels reject mismatched lengths", () => {
  assert.throws(
    () => bayesBinnSample(new Float32Array(3), new Float32Array(2), 1, new Float32Array(3)),
    RangeError,
  );
  assert.throws(
    () =>
      adamUpdate({
        w: new Float32Array(2),
        m: new Float32Array(2),
        v: new Float32Array(2),
        grad: new Float32Array(2),
        lr: 1,
        step: 0,
      }),
    RangeError,
  );
});

Deno.test("native kernels give the same bits on large arrays (two threads) as in small pieces", () => {
  assert.ok(useNativeOptimKernels(true));
  const n = 600_000, piece = 100_000;
  const lam = new Float32Array(data(n, 31).map((x) => x * 3));
  const whole = new Float32Array(n);
  bayesBinnSampleRng(lam, new Uint32Array([5, 6, 7, 8]), 0.7, whole);
  const u = new Float32Array(n);
  fillUniform(new Uint32Array([5, 6, 7, 8]), u);
  const pieces = new Float32Array(n);
  for (let i = 0; i < n; i += piece) {
    bayesBinnSample(
      lam.subarray(i, i + piece),
      u.subarray(i, i + piece),
      0.7,
      pieces.subarray(i, i + piece),
    );
  }
  assert.deepEqual(whole, pieces);
  const args = () => ({
    lambda: new Float32Array(lam),
    m: data(n, 32),
    mu: new Float32Array(n),
    ghat: data(n, 33),
  });
  const a = args(), b = args();
  const common = { gradScale: 3, beta: 0.9, kappa: 1, lr: 0.01, step: 2 };
  bayesBinnUpdate({ ...a, ...common });
  for (let i = 0; i < n; i += piece) {
    const s = (x: Float32Array) => x.subarray(i, i + piece);
    bayesBinnUpdate({ lambda: s(b.lambda), m: s(b.m), mu: s(b.mu), ghat: s(b.ghat), ...common });
  }
  assert.deepEqual(a.lambda, b.lambda);
  assert.deepEqual(a.mu, b.mu);
});
