import assert from "node:assert/strict";
import { renderEpochEnd, renderProgress } from "../../train/progress.ts";

const state = {
  epoch: 1,
  epochs: 5,
  step: 150,
  steps: 600,
  loss: 0.41234,
  acc: 0.912,
  examplesPerS: 512.4,
  etaS: 87.6,
};

Deno.test("renderProgress() draws a bar redrawn in place on a TTY", () => {
  const cases = [
    [
      state,
      "\r\x1b[2Kepoch 2/5 [######..................] 150/600 loss 0.4123 acc 91.20% 512 ex/s ETA 1:28",
    ],
    [
      { ...state, step: 600, etaS: 0 },
      "\r\x1b[2Kepoch 2/5 [########################] 600/600 loss 0.4123 acc 91.20% 512 ex/s ETA 0:00",
    ],
    [
      { ...state, step: 0, etaS: 3725 },
      "\r\x1b[2Kepoch 2/5 [........................] 0/600 loss 0.4123 acc 91.20% 512 ex/s ETA 1:02:05",
    ],
    [
      { ...state, etaS: Infinity },
      "\r\x1b[2Kepoch 2/5 [######..................] 150/600 loss 0.4123 acc 91.20% 512 ex/s ETA ?",
    ],
  ] as const;
  for (const [s, want] of cases) assert.equal(renderProgress(s, true), want);
});

Deno.test("renderProgress() shrinks the bar, then cuts the line, to fit the terminal", () => {
  // the full line is 85 characters: 10 head + 27 bar ("[", 24 cells, "] ") + 48 tail
  const tail = "150/600 loss 0.4123 acc 91.20% 512 ex/s ETA 1:28";
  assert.equal(renderProgress(state, true, 24, 86), renderProgress(state, true));
  // 80 columns: 79 - 10 - 48 - 3 = 18 bar cells, a quarter of them filled (round(4.5) = 5)
  assert.equal(
    renderProgress(state, true, 24, 80),
    `\r\x1b[2Kepoch 2/5 [${"#".repeat(5)}${".".repeat(13)}] ${tail}`,
  );
  // room for 4 cells or fewer: no bar
  assert.equal(renderProgress(state, true, 24, 66), `\r\x1b[2Kepoch 2/5 ${tail}`);
  assert.equal(renderProgress(state, true, 24, 67), `\r\x1b[2Kepoch 2/5 [#....] ${tail}`);
  assert.equal(renderProgress(state, true, 24, 60), `\r\x1b[2Kepoch 2/5 ${tail}`);
  // narrower still: the first 39 characters
  assert.equal(
    renderProgress(state, true, 24, 40),
    "\r\x1b[2Kepoch 2/5 150/600 loss 0.4123 acc 91.20",
  );
});

Deno.test("renderProgress() when piped is one plain line without the bar", () => {
  assert.equal(
    renderProgress(state, false),
    "epoch 2/5 150/600 loss 0.4123 acc 91.20% 512 ex/s ETA 1:28\n",
  );
});

Deno.test("renderEpochEnd() prints one plain line per epoch, clearing the bar on a TTY", () => {
  const e = {
    epoch: 0,
    epochs: 3,
    lr: 1e-4,
    train_loss: 0.3312,
    train_acc: 0.9876,
    val_acc: null,
    test_acc: 0.9681,
    seconds: 125.2,
    examples_per_s: 431.5,
  };
  const line = "epoch 1/3 lr 1.000e-4 loss 0.3312 train 98.76% val - test 96.81% 2:05 432 ex/s\n";
  assert.equal(renderEpochEnd(e, false), line);
  assert.equal(renderEpochEnd(e, true), "\r\x1b[2K" + line);
  assert.equal(renderEpochEnd({ ...e, val_acc: 0.5 }, false).includes("val 50.00%"), true);
});
