import assert from "node:assert/strict";
import { cosineLr } from "../../../train/optimizers/schedule.ts";

Deno.test("cosineLr() follows lr_final + (lr_init − lr_final)·(1 + cos(π·e/E))/2", () => {
  // [epoch, epochs, lrInit, lrFinal, expected], expected worked out by hand:
  const cases: [number, number, number, number, number][] = [
    [0, 500, 1e-4, 1e-16, 1e-4], // cos 0 = 1: lr_init
    [250, 500, 1, 0, 0.5], // cos(π/2) = 0: the midpoint
    [500, 500, 3e-4, 1e-16, 1e-16], // cos π = −1: lr_final
    [1, 3, 1, 0, 0.75], // cos(π/3) = ½ → (1 + ½)/2
    [2, 3, 1, 0, 0.25], // cos(2π/3) = −½ → (1 − ½)/2
    [1, 4, 0.01, 0.002, 0.002 + 0.008 * (1 + Math.SQRT1_2) / 2], // cos(π/4) = √½
    [0, 1, 0.01, 0.01, 0.01], // flat schedule
  ];
  for (const [e, E, a, b, want] of cases) {
    const got = cosineLr(e, E, a, b);
    assert.ok(
      Math.abs(got - want) <= 1e-15 * Math.max(1, Math.abs(want)),
      `cosineLr(${e}, ${E}, ${a}, ${b}) = ${got}, want ${want}`,
    );
  }
});

Deno.test("cosineLr() decreases monotonically from lr_init to lr_final", () => {
  let prev = Infinity;
  for (let e = 0; e <= 10; e++) {
    const lr = cosineLr(e, 10, 1e-3, 1e-6);
    assert.ok(lr < prev && lr >= 1e-6);
    prev = lr;
  }
});

Deno.test("cosineLr() rejects bad arguments naming them", () => {
  const cases: [number[], RegExp][] = [
    [[0, 0, 1, 0], /epochs must be an integer >= 1: current value is 0/],
    [[0, 2.5, 1, 0], /epochs must be an integer >= 1: current value is 2.5/],
    [[-1, 10, 1, 0], /epoch must be an integer in \[0, 10\]: current value is -1/],
    [[11, 10, 1, 0], /epoch must be an integer in \[0, 10\]: current value is 11/],
    [[0, 10, -1, 0], /lrInit must be a finite number >= 0: current value is -1/],
    [[0, 10, 1, NaN], /lrFinal must be a finite number >= 0: current value is NaN/],
  ];
  for (const [[e, E, a, b], re] of cases) {
    assert.throws(() => cosineLr(e, E, a, b), { name: "RangeError", message: re });
  }
});
