import assert from "node:assert/strict";
import { Rng } from "../../../train/random.ts";
import { splitValidation } from "../../../train/data/split_validation.ts";

Deno.test("splitValidation() gives the paper's sizes and a partition of all indices", () => {
  for (
    const [count, train, val] of [[60000, 54000, 6000], [50000, 45000, 5000], [7, 7, 0], [
      0,
      0,
      0,
    ]] as const
  ) {
    const s = splitValidation(count, 0.1, new Rng(1, "split"));
    assert.deepEqual([s.train.length, s.val.length], [train, val], `count ${count}`);
    const seen = new Uint8Array(count);
    for (const i of [...s.train, ...s.val]) seen[i]++;
    assert.ok(seen.every((v) => v === 1), "each index exactly once");
  }
});

Deno.test("splitValidation() takes the first ⌊fraction·n⌋ of the seeded permutation as validation", () => {
  const s = splitValidation(1000, 0.25, new Rng(7, "split"));
  const perm = new Rng(7, "split").permutation(1000);
  assert.deepEqual(s.val, perm.slice(0, 250));
  assert.deepEqual(s.train, perm.slice(250));
  // Deterministic per seed, different across seeds, and not sorted.
  assert.deepEqual(splitValidation(1000, 0.25, new Rng(7, "split")), s);
  assert.notDeepEqual(splitValidation(1000, 0.25, new Rng(8, "split")).val, s.val);
  assert.ok(s.val.some((v, i) => i > 0 && v < s.val[i - 1]));
  assert.equal(splitValidation(10, 0, new Rng(1)).val.length, 0);
});

Deno.test("splitValidation() rejects bad counts and fractions", () => {
  assert.throws(
    () => splitValidation(10, 1, new Rng(1)),
    /fraction must be in \[0, 1\): current value is 1/,
  );
  assert.throws(() => splitValidation(10, -0.1, new Rng(1)), /current value is -0.1/);
  assert.throws(() => splitValidation(10, NaN, new Rng(1)), /current value is NaN/);
  assert.throws(
    () => splitValidation(2.5, 0.1, new Rng(1)),
    /count must be a non-negative integer: current value is 2.5/,
  );
});
