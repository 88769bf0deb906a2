import assert from "node:assert/strict";
import { packBits, unpackBits } from "../../../export/onnx/pack.ts";
import { Rng } from "../../../train/random.ts";

Deno.test("packBits() packs MSB first with +1 as bit 1", () => {
  // 1,-1,1,1,-1,-1,-1,1 → 1011_0001 = 0xb1; then 1,1 → 1100_0000 = 0xc0
  const b = packBits([1, -1, 1, 1, -1, -1, -1, 1, 1, 1]);
  assert.deepEqual([...b], [0xb1, 0xc0]);
  assert.deepEqual([...packBits([])], []);
  assert.deepEqual([...packBits(new Array(8).fill(-1))], [0]);
  assert.deepEqual([...packBits(new Array(8).fill(1))], [255]);
});

Deno.test("packBits() rejects values other than ±1, including 0", () => {
  assert.throws(() => packBits([1, 0, -1]), /index 1 is 0/);
  assert.throws(() => packBits([0.5]), RangeError);
  assert.throws(() => packBits([NaN]), RangeError);
});

Deno.test("unpackBits() inverts packBits() for every length mod 8", () => {
  const rng = new Rng(3, "pack");
  for (let n = 0; n < 40; n++) {
    const w = new Float32Array(n).map(() => (rng.uniform() < 0.5 ? -1 : 1));
    assert.deepEqual(unpackBits(packBits(w), n), w);
  }
  assert.throws(() => unpackBits(new Uint8Array(1), 9), RangeError);
});
