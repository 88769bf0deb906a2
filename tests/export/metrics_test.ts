import assert from "node:assert/strict";
import { classificationMetrics, confidenceBin } from "../../export/metrics.ts";
import { assertClose } from "../_fixtures/assert_close.ts";

const ABS = { absolute: true };

Deno.test("classificationMetrics() matches a hand-computed 4-example, 3-class table", () => {
  // example  p                  label  argmax  conf  correct
  // 0        (0.7, 0.2, 0.1)    0      0       0.7   1
  // 1        (0.1, 0.6, 0.3)    2      1       0.6   0
  // 2        (0.2, 0.2, 0.6)    2      2       0.6   1
  // 3        (0.05, 0.9, 0.05)  1      1       0.9   1
  const probabilities = [0.7, 0.2, 0.1, 0.1, 0.6, 0.3, 0.2, 0.2, 0.6, 0.05, 0.9, 0.05];
  const labels = [0, 2, 2, 1];
  const m = classificationMetrics({ probabilities, labels, numClasses: 3 });
  assertClose(m.accuracy, 0.75, 1e-9, "accuracy", ABS);
  // NLL = -(ln .7 + ln .3 + ln .6 + ln .9)/4
  assertClose(
    m.nll,
    -(Math.log(0.7) + Math.log(0.3) + Math.log(0.6) + Math.log(0.9)) / 4,
    1e-7,
    "nll",
    ABS,
  );
  // Brier: (.09+.04+.01) + (.01+.36+.49) + (.04+.04+.16) + (.0025+.01+.0025) = .14+.86+.24+.015 = 1.255; /4
  assertClose(m.brier, 1.255 / 4, 1e-7, "brier", ABS);
  // ECE, 15 bins of width 1/15: 0.7 → bin 10 (0.667, 0.733]; 0.6 ×2 → bin 8 (0.533, 0.6];
  // 0.9 → bin 13 (0.867, 0.933]. Bin 8: acc 1/2, conf 0.6 → gap 0.1 × 2/4; bin 10: |1 − .7| × 1/4;
  // bin 13: |1 − .9| × 1/4 → ECE = 0.05 + 0.075 + 0.025 = 0.15
  assertClose(m.ece, 0.15, 1e-7, "ece", ABS);
  assert.deepEqual(m.bins.map((b) => b.count), [0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 1, 0, 0, 1, 0]);
  assert.deepEqual(m.confusion, [[1, 0, 0], [0, 1, 0], [0, 1, 1]]);
  assert.deepEqual(m.per_class_accuracy, [1, 1, 0.5]);
  assert.equal(m.count, 4);
});

Deno.test("classificationMetrics() computes NLL from logits by log-sum-exp", () => {
  // logits (0, ln 3): p = (1/4, 3/4); label 1 → NLL ln(4/3); large logits do not overflow
  const m = classificationMetrics({
    probabilities: [0.25, 0.75, 0, 1],
    logits: [0, Math.log(3), 0, 1000],
    labels: [1, 0],
    numClasses: 2,
  });
  assertClose(m.nll, (Math.log(4 / 3) + 1000) / 2, 1e-9, "nll", ABS);
});

Deno.test("classificationMetrics() is 0 ECE/Brier for confident correct predictions and null for absent classes", () => {
  const m = classificationMetrics({
    probabilities: [1, 0, 0, 0, 1, 0],
    labels: [0, 1],
    numClasses: 3,
  });
  assert.equal(m.ece, 0);
  assert.equal(m.brier, 0);
  assert.equal(m.nll, 0);
  assert.deepEqual(m.per_class_accuracy, [1, 1, null]);
  assert.equal(m.bins[14].count, 2);
});

Deno.test("confidenceBin() uses right-closed bins (b/B, (b+1)/B]", () => {
  assert.equal(confidenceBin(1, 15), 14);
  assert.equal(confidenceBin(0, 15), 0);
  assert.equal(confidenceBin(0.1, 10), 0); // 0.1 ∈ (0, 0.1]
  assert.equal(confidenceBin(0.1000001, 10), 1);
  assert.equal(confidenceBin(0.5, 4), 1); // (0.25, 0.5]
});

Deno.test("classificationMetrics() rejects bad shapes and labels", () => {
  assert.throws(
    () => classificationMetrics({ probabilities: [1, 0, 0], labels: [0], numClasses: 2 }),
    /2 = 2 entries/,
  );
  assert.throws(
    () => classificationMetrics({ probabilities: [1, 0], labels: [2], numClasses: 2 }),
    /labels\[0\]/,
  );
  assert.throws(
    () => classificationMetrics({ probabilities: [], labels: [], numClasses: 2 }),
    /empty/,
  );
});
