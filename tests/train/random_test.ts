import assert from "node:assert/strict";
import { Rng } from "../../train/random.ts";

// Expected words from an independent Python implementation of splitmix32-seeded
// xoshiro128** (Blackman & Vigna's reference algorithm), written for this test.
const KNOWN = [
  { seed: 42, stream: "dropout", words: [1411680955, 2933166866, 3171474117, 3250735334] },
  { seed: 1, stream: "", words: [3296685081, 292216795, 3203276040] },
] as const;

Deno.test("Rng.nextUint32() matches an independent xoshiro128** implementation", () => {
  for (const { seed, stream, words } of KNOWN) {
    const rng = new Rng(seed, stream);
    assert.deepEqual(words.map(() => rng.nextUint32()), [...words]);
  }
});

Deno.test("Rng.fromState() continues the same stream", () => {
  const a = new Rng(7, "shuffle");
  for (let i = 0; i < 10; i++) a.nextUint32();
  const b = Rng.fromState(a.state());
  for (let i = 0; i < 100; i++) assert.equal(a.uniform(), b.uniform());
});

Deno.test("Rng streams differ by seed and by name", () => {
  assert.notEqual(new Rng(1, "a").nextUint32(), new Rng(1, "b").nextUint32());
  assert.notEqual(new Rng(1, "a").nextUint32(), new Rng(2, "a").nextUint32());
});

Deno.test("Rng.uniform() stays in the open interval (0, 1) with mean 1/2", () => {
  const x = new Rng(3).fillUniform(new Float32Array(100_000));
  let sum = 0;
  for (const v of x) {
    assert.ok(v > 0 && v < 1, `uniform out of range: ${v}`);
    sum += v;
  }
  assert.ok(Math.abs(sum / x.length - 0.5) < 0.005);
});

Deno.test("Rng.permutation() is a permutation and Rng.int() is unbiased", () => {
  const p = new Rng(5).permutation(1000);
  assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: 1000 }, (_, i) => i));
  const rng = new Rng(9);
  const counts = [0, 0, 0];
  for (let i = 0; i < 30_000; i++) counts[rng.int(3)]++;
  for (const c of counts) assert.ok(Math.abs(c - 10_000) < 400, `counts ${counts}`);
});

Deno.test("Rng rejects bad arguments with a message naming the value", () => {
  assert.throws(() => new Rng(-1), /seed must be a non-negative integer: current value is -1/);
  assert.throws(() => new Rng(0.5), /current value is 0.5/);
  assert.throws(() => new Rng(1).int(0), /current value is 0/);
});
