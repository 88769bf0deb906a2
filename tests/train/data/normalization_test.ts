import assert from "node:assert/strict";
import { NORMALIZATION, normalizationTable } from "../../../train/data/normalization.ts";

Deno.test("NORMALIZATION holds the constants of reference.md §Data", () => {
  assert.deepEqual(NORMALIZATION, {
    mnist: { mean: [0.1307], std: [0.3081] },
    cifar10: { mean: [0.4914, 0.4822, 0.4465], std: [0.2023, 0.1994, 0.2010] },
    cifar100: { mean: [0.507, 0.487, 0.441], std: [0.267, 0.256, 0.276] },
  });
});

Deno.test("normalizationTable() gives MNIST's two extremes and CIFAR-100's per channel", () => {
  const t = normalizationTable(NORMALIZATION.mnist);
  assert.equal(t.length, 256);
  // By hand: (0 − 0.1307)/0.3081 = −0.42421292, (1 − 0.1307)/0.3081 = 2.82148653.
  assert.ok(Math.abs(t[0] + 0.42421292) < 1e-6);
  assert.ok(Math.abs(t[255] - 2.82148653) < 1e-6);
  // numpy: (np.float32(255) / np.float32(255) - np.float32(0.1307)) / np.float32(0.3081)
  assert.equal(t[255], 2.821486711502075);
  assert.equal(t[0], -0.4242129623889923);
  const c = normalizationTable(NORMALIZATION.cifar100);
  assert.equal(c.length, 3 * 256);
  // Channel c, byte 255: (1 − mean[c]) / std[c] = 1.84644195, 2.00390625, 2.02536232.
  [1.84644195, 2.00390625, 2.02536232].forEach((v, ch) =>
    assert.ok(Math.abs(c[ch * 256 + 255] - v) < 1e-6)
  );
  // Monotone in v for every channel.
  for (let i = 1; i < 256; i++) assert.ok(c[i] > c[i - 1] && c[512 + i] > c[512 + i - 1]);
});

Deno.test("normalizationTable() rejects mismatched or non-positive constants", () => {
  assert.throws(
    () => normalizationTable({ mean: [0, 0], std: [1] }),
    /same non-zero length: current lengths are 2 and 1/,
  );
  assert.throws(() => normalizationTable({ mean: [], std: [] }), RangeError);
  assert.throws(
    () => normalizationTable({ mean: [0], std: [0] }),
    /std\[0\] must be > 0: current value is 0/,
  );
  assert.throws(
    () => normalizationTable({ mean: [0], std: [NaN] }),
    /std\[0\] must be > 0: current value is NaN/,
  );
});
