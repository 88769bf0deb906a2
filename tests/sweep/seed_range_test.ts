import assert from "node:assert/strict";
import { UsageError } from "../../cli/errors.ts";
import { MAX_SEEDS, parseSeedRange } from "../../sweep/seed_range.ts";

const GOOD = [
  ["1-5", [1, 2, 3, 4, 5]],
  ["3", [3]],
  ["0", [0]],
  ["1,3,7", [1, 3, 7]],
  ["1-3,10", [1, 2, 3, 10]],
  [" 2 - 4 ", [2, 3, 4]],
  ["7,1", [7, 1]],
] as const;

const BAD = [
  ["5-1", "goes downwards"],
  ["", "is not a seed or a range"],
  ["1,,2", "is not a seed or a range"],
  ["-1", "is not a seed or a range"],
  ["1.5", "is not a seed or a range"],
  ["a-b", "is not a seed or a range"],
  ["1-3,2", "seed 2 is given twice"],
  [`1-${MAX_SEEDS + 1}`, `more than ${MAX_SEEDS} seeds`],
  ["99999999999", "below 2^31"],
] as const;

Deno.test("parseSeedRange() expands ranges and lists in the order given", () => {
  for (const [text, seeds] of GOOD) assert.deepEqual(parseSeedRange(text), seeds, text);
});

Deno.test("parseSeedRange() refuses bad ranges with one line naming the problem", () => {
  for (const [text, why] of BAD) {
    assert.throws(() => parseSeedRange(text), (e: Error) => {
      assert.ok(e instanceof UsageError, text);
      assert.ok(e.message.includes(why), `${text}: ${e.message}`);
      assert.ok(!e.message.includes("\n"));
      return true;
    });
  }
});
