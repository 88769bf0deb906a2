import assert from "node:assert/strict";
import {
  type EpochMetrics,
  isNewBest,
  selectBest,
  withoutTiming,
} from "../../train/metrics_log.ts";

function row(epoch: number, val_acc: number | null, test_acc: number | null): EpochMetrics {
  return {
    epoch,
    lr: 0.1,
    train_loss: 1,
    train_acc: 0.5,
    val_acc,
    val_loss: null,
    test_acc,
    test_loss: null,
    steps: 10,
    seconds: 1,
    examples_per_s: 2,
  };
}

Deno.test("selectBest() picks the test accuracy at the best validation epoch", () => {
  // [val, test] per epoch → best_val_epoch, test_acc_at_best_val, final_test_acc
  const cases: [
    string,
    [number | null, number | null][],
    number | null,
    number | null,
    number | null,
  ][] = [
    ["empty", [], null, null, null],
    ["single", [[0.9, 0.8]], 0, 0.8, 0.8],
    ["best in middle", [[0.9, 0.91], [0.95, 0.94], [0.93, 0.96]], 1, 0.94, 0.96],
    ["tie keeps earliest", [[0.9, 0.1], [0.95, 0.2], [0.95, 0.3]], 1, 0.2, 0.3],
    ["best last", [[0.1, 0.1], [0.2, 0.2], [0.3, 0.35]], 2, 0.35, 0.35],
    ["no validation", [[null, 0.7], [null, 0.8]], null, null, 0.8],
    ["no test", [[0.5, null], [0.6, null]], 1, null, null],
    ["zero accuracy still counts", [[0, 0.1]], 0, 0.1, 0.1],
  ];
  for (const [label, rows, bestEpoch, atBest, final] of cases) {
    const s = selectBest(rows.map(([v, t], i) => row(i, v, t)));
    assert.equal(s.best_val_epoch, bestEpoch, label);
    assert.equal(s.test_acc_at_best_val, atBest, label);
    assert.equal(s.final_test_acc, final, label);
    assert.equal(s.final_epoch, rows.length ? rows.length - 1 : null, label);
  }
});

Deno.test("isNewBest() agrees with selectBest() epoch by epoch", () => {
  const vals = [0.5, 0.7, 0.7, 0.6, 0.8, 0.8];
  let best: number | null = null, bestEpoch = -1;
  vals.forEach((v, i) => {
    if (isNewBest({ val_acc: v }, best)) (best = v), (bestEpoch = i);
  });
  assert.equal(bestEpoch, selectBest(vals.map((v, i) => row(i, v, 0))).best_val_epoch);
  assert.equal(isNewBest({ val_acc: null }, 0.9), true, "without validation the latest is kept");
});

Deno.test("withoutTiming() drops exactly the timing keys", () => {
  assert.deepEqual(Object.keys(withoutTiming(row(0, 1, 1))).sort(), [
    "epoch",
    "lr",
    "steps",
    "test_acc",
    "test_loss",
    "train_acc",
    "train_loss",
    "val_acc",
    "val_loss",
  ]);
});
