import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { DEFAULT_DNNL_LIB, dnnlDescription, loadDnnl } from "../../../train/backend/_dnnl.ts";
import { ensureDnnlBuilt } from "../../../train/backend/build_native.ts";
import { activeBackend } from "../../../train/backend/mod.ts";
import { convPathStats, trailingPad } from "../../../train/backend/kernels/_dnnl_plans.ts";
import { collect, data, onReferenceCpu, relError } from "./_reference.ts";
import { onBackend } from "../../_fixtures/on_backend.ts";
import { runJsonChild } from "../../_fixtures/json_child.ts";

await ensureDnnlBuilt(DEFAULT_DNNL_LIB, () => {});
const dnnl = loadDnnl();
const NEEDS = "needs libdnnl2 + libdnnl-dev";
const ignore = dnnl.lib === null;
if (ignore) console.warn(`oneDNN tests skipped: ${dnnl.reason} (${NEEDS})`);
/** oneDNN 2.6 has Winograd kernels for AVX-512 CPUs only. */
const winograd = dnnl.lib !== null && /avx512/.test(dnnlDescription(dnnl.lib));
await tf.setBackend("cpu");
const TOL = 1e-4;

type Pad = "same" | "valid" | number | [
  [number, number],
  [number, number],
  [number, number],
  [number, number],
];
/** Strides, paddings, odd sizes, batch 1, 1x1, a first layer (C = 3), blocked-weight sizes. */
const CASES: { x: number[]; f: number[]; s: number | [number, number]; pad: Pad; d?: number }[] = [
  { x: [2, 8, 8, 3], f: [3, 3, 3, 4], s: 1, pad: "same" },
  { x: [1, 7, 9, 5], f: [3, 3, 5, 6], s: 1, pad: "valid" },
  { x: [2, 9, 9, 4], f: [3, 3, 4, 5], s: 2, pad: "same" },
  { x: [1, 10, 7, 3], f: [5, 3, 3, 2], s: [2, 1], pad: "valid" },
  { x: [3, 6, 6, 2], f: [3, 3, 2, 3], s: 1, pad: 1 },
  { x: [2, 6, 7, 3], f: [3, 2, 3, 4], s: 1, pad: [[0, 0], [2, 0], [1, 2], [0, 0]] },
  { x: [4, 5, 5, 8], f: [1, 1, 8, 6], s: 1, pad: "valid" },
  { x: [1, 11, 13, 7], f: [3, 3, 7, 9], s: 3, pad: "same" },
  { x: [2, 12, 12, 16], f: [3, 3, 16, 32], s: 1, pad: "same" },
  { x: [1, 9, 7, 32], f: [3, 3, 32, 16], s: 1, pad: "valid" },
  { x: [2, 8, 8, 128], f: [3, 3, 128, 128], s: 1, pad: "same" },
  { x: [1, 8, 8, 32], f: [3, 3, 32, 48], s: 2, pad: "valid" },
  { x: [2, 8, 8, 3], f: [3, 3, 3, 2], s: 1, pad: "same", d: 2 },
];

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

Deno.test({
  name: `oneDNN Conv2D and both gradients match cpu on strides, paddings, odd shapes (${NEEDS})`,
  ignore,
  fn: async () => {
    let seed = 500;
    for (const c of CASES) {
      const xv = data(sizeOf(c.x), seed++), fv = data(sizeOf(c.f), seed++);
      const label = `x=${c.x} f=${c.f} s=${c.s} pad=${JSON.stringify(c.pad)} d=${c.d ?? 1}`;
      const conv = (x: tf.Tensor, w: tf.Tensor) =>
        tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, c.s, c.pad, "NHWC", c.d ?? 1);
      const outShape = tf.tidy(() => conv(tf.zeros(c.x), tf.zeros(c.f)).shape);
      const rv = data(sizeOf(outShape), seed++);
      const dilated = (c.d ?? 1) !== 1; // tfjs has no gradient for dilated conv2d
      const f = () => {
        const x = tf.tensor(xv, c.x), w = tf.tensor(fv, c.f);
        if (dilated) return conv(x, w);
        const { value, grads } = tf.valueAndGrads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(conv(a, b), tf.tensor(rv, outShape)))
        )([x, w]);
        return [conv(x, w), value, ...grads];
      };
      const ref = await onReferenceCpu(f);
      const before = convPathStats();
      const got = await onBackend("blas", () => {
        assert.match(activeBackend()!.convolutions!, /^oneDNN 2\.\d+\.\d+ /);
        return collect(f);
      });
      const after = convPathStats();
      assert.equal(after.onednn - before.onednn, dilated ? 1 : 4, `${label}: oneDNN calls`);
      assert.equal(after.openblas, before.openblas, `${label}: fell back to OpenBLAS`);
      got.forEach((g, i) => {
        const err = relError(g, ref[i]);
        assert.ok(err <= TOL, `${label}, output ${i}: relative error ${err}`);
      });
    }
    if (/avx512/.test(activeBackend()!.convolutions!)) {
      // The 16-channel multiples ran on Winograd, the rest on the direct kernels.
      const impls = convPathStats().implementations;
      assert.ok(impls.some((i) => i.startsWith("jit_wino")), impls.join());
      assert.ok(impls.some((i) => !i.startsWith("jit_wino")), impls.join());
    }
  },
});

Deno.test("trailingPad() gives the padding that yields tfjs's output size", () => {
  // H = 9, K = 3, stride 2, 'same': OH = 5, total padding 2 → 1 on top, 1 at the bottom.
  assert.equal(trailingPad(9, 3, 2, 1, 1, 5), 1);
  // 'valid' H = 10, K = 5, stride 2: OH = 3 uses rows 0..8; row 9 is left over → 0, not −1.
  assert.equal(trailingPad(10, 5, 2, 1, 0, 3), 0);
  // H = 8, K = 3, dilation 2 (reach 5), 'same': 4 padding rows, 2 on top → 2 at the bottom.
  assert.equal(trailingPad(8, 3, 1, 2, 2, 8), 2);
});

const child = new URL("./_dnnl_child.ts", import.meta.url).pathname;
function runChild(env: Record<string, string>) {
  return runJsonChild(child, env);
}

Deno.test({
  name: `oneDNN convolutions give the same bits in two processes, silently (${NEEDS})`,
  ignore,
  fn: async () => {
    const a = await runChild({}), b = await runChild({});
    assert.deepEqual(a.lines, []);
    assert.match(a.result.convolutions, /^oneDNN/);
    assert.equal(a.result.onednn, 3);
    assert.equal(a.result.openblas, 0);
    assert.equal(a.result.hash, b.result.hash);
  },
});

Deno.test("initBackend() without the oneDNN shim says so in one line and uses OpenBLAS", async () => {
  const { result, lines } = await runChild({ BNN_DNNL_LIB: "/nonexistent/libbnn_dnnl.so" });
  assert.equal(lines.length, 1, lines.join("\n"));
  assert.match(
    lines[0],
    /^bnn: oneDNN \(\/nonexistent\/libbnn_dnnl\.so\) cannot be loaded: .*libdnnl2/,
  );
  assert.equal(result.convolutions, "OpenBLAS im2col + sgemm");
  assert.equal(result.onednn, 0);
  const off = await runChild({ BNN_DNNL_LIB: "off" });
  assert.deepEqual(off.lines, []);
  assert.equal(off.result.convolutions, "OpenBLAS im2col + sgemm");
});

Deno.test({
  name: "oneDNN under a small memory bound runs Winograd in chunks of images and sums filter " +
    "gradients over them: within 1e-4 of cpu, same bits twice (needs oneDNN on an AVX-512 CPU)",
  ignore: !winograd,
  fn: async () => {
    const a = await runChild({ BNN_TEST_CHUNKS: "1" }),
      b = await runChild({ BNN_TEST_CHUNKS: "2" });
    assert.deepEqual(a.lines, []);
    assert.deepEqual([a.result.onednn, a.result.openblas, a.result.chunked], [3, 0, 3]);
    assert.deepEqual(a.result.implementations, ["jit_wino_4x3:avx512_core"]);
    assert.ok(a.result.bufferMiB <= a.result.bound, `${a.result.bufferMiB} > ${a.result.bound}`);
    assert.ok(a.result.error <= TOL, `relative error ${a.result.error}`);
    assert.equal(a.result.hash, b.result.hash);
  },
});
