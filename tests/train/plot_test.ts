import assert from "node:assert/strict";
import { plotCurves } from "../../train/plot.ts";

const points = [
  { epoch: 0, train_loss: 0.9, train_acc: 0.70, val_acc: 0.80, test_acc: 0.81 },
  { epoch: 1, train_loss: 0.5, train_acc: 0.90, val_acc: 0.90, test_acc: 0.91 },
  { epoch: 2, train_loss: 0.4, train_acc: 0.95, val_acc: 0.92, test_acc: 0.93 },
];

function paths(svg: string): string[] {
  return [...svg.matchAll(/<path d="([^"]+)"/g)].map((m) => m[1]!);
}

Deno.test("plotCurves() draws the loss and the three accuracies as polylines", () => {
  const svg = plotCurves(points, "run <1>");
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.ok(svg.trimEnd().endsWith("</svg>"));
  assert.ok(svg.includes("run &lt;1&gt;"), "title is escaped");
  const p = paths(svg);
  assert.equal(p.length, 4, "loss + train/val/test accuracy");
  for (const d of p) assert.equal(d.split(" ").length, 3, "one vertex per epoch");
  // loss falls: the first vertex is the highest (smallest y) and the last the lowest
  const ys = p[0]!.split(" ").map((v) => Number(v.slice(1).split(",")[1]));
  assert.ok(ys[0]! < ys[1]! && ys[1]! < ys[2]!);
  for (const label of ["train loss", "train acc", "val acc", "test acc", "epoch"]) {
    assert.ok(svg.includes(label), label);
  }
});

Deno.test("plotCurves() draws the validation and test losses next to the training loss", () => {
  const withLoss = points.map((p, i) => ({
    ...p,
    val_loss: 0.8 - 0.1 * i,
    test_loss: 0.85 - i / 10,
  }));
  const svg = plotCurves(withLoss);
  const p = paths(svg);
  assert.equal(p.length, 6, "train/val/test loss + train/val/test accuracy");
  for (const label of ["train loss", "val loss", "test loss"]) {
    assert.ok(svg.includes(`>${label}</text>`), label);
  }
  // same color per split in both panels
  const colors = [...svg.matchAll(/<path d="[^"]+" fill="none" stroke="([^"]+)"/g)].map((m) =>
    m[1]
  );
  assert.deepEqual(colors.slice(0, 3), colors.slice(3, 6));
  // the loss axis has a 5 % margin: loss 0.4..0.9 spans 90.9 % of the 208 px high plot area
  const ys = (d: string) => d.split(" ").map((v) => Number(v.slice(1).split(",")[1]));
  const all = p.slice(0, 3).flatMap(ys);
  const top = 48, bottom = 48 + 208;
  assert.ok(Math.abs(Math.min(...all) - (top + 208 * (0.05 / 1.1))) < 0.1, String(all));
  assert.ok(Math.abs(Math.max(...all) - (bottom - 208 * (0.05 / 1.1))) < 0.1, String(all));
  // no validation loss: its curve is left out
  const noVal = plotCurves(withLoss.map((q) => ({ ...q, val_loss: null })));
  assert.equal(paths(noVal).length, 5);
  assert.ok(!noVal.includes(">val loss</text>"));
});

Deno.test("plotCurves() leaves out missing validation and handles zero or one epoch", () => {
  const noVal = plotCurves(points.map((p) => ({ ...p, val_acc: null })));
  assert.equal(paths(noVal).length, 3);
  assert.ok(!noVal.includes("val acc"));
  assert.equal(paths(plotCurves(points.slice(0, 1))).length, 4);
  assert.ok(plotCurves([]).includes("no finished epoch yet"));
  assert.ok(!plotCurves(points).includes("NaN"));
});

Deno.test("plotCurves() draws one test curve per continual-learning task over all epochs", () => {
  const cl = [
    { task: 0, epoch: 0, train_loss: 0.9, train_acc: 0.7, val_acc: null, test_acc: 0.8 },
    { task: 0, epoch: 1, train_loss: 0.5, train_acc: 0.9, val_acc: null, test_acc: 0.9 },
    { task: 1, epoch: 0, train_loss: 0.8, train_acc: 0.8, val_acc: null, test_acc: 0.7 },
    { task: 1, epoch: 1, train_loss: 0.4, train_acc: 0.9, val_acc: null, test_acc: 0.8 },
  ].map((p) => ({
    ...p,
    test_acc_per_task: p.task === 0 ? [p.test_acc] : [p.test_acc - 0.1, p.test_acc + 0.1],
  }));
  const svg = plotCurves(cl);
  const p = paths(svg);
  // loss, train acc, test mean, task 1 (4 epochs), task 2 (its 2 epochs)
  assert.deepEqual(p.map((d) => d.split(" ").length), [4, 4, 4, 4, 2]);
  for (const label of ["test mean", "task 1", "task 2", "epoch (all tasks, in order)"]) {
    assert.ok(svg.includes(`>${label}</text>`), label);
  }
  // legend swatches (16 px lines) never crowd each other: at least 80 px apart within a row
  const swatches = [...svg.matchAll(/<line x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" y2="\2"/g)]
    .filter((m) => Number(m[3]) - Number(m[1]) === 16)
    .map((m) => [Number(m[1]), Number(m[2])] as const);
  assert.equal(swatches.length, 1 + 4);
  const rows = Map.groupBy(swatches, ([, y]) => y);
  for (const row of rows.values()) {
    const xs = row.map(([x]) => x).sort((a, b) => a - b);
    for (let i = 1; i < xs.length; i++) assert.ok(xs[i]! - xs[i - 1]! >= 80, `${xs}`);
  }
  // task 2's curve starts at the third x position (epoch 1 of task 2 is overall epoch 3)
  const x = (d: string, i: number) => Number(d.split(" ")[i]!.slice(1).split(",")[0]);
  assert.equal(x(p[4]!, 0), x(p[3]!, 2));
});

Deno.test("plotCurves() wraps a long legend into rows above the plot instead of overlapping", () => {
  const rows5 = Array.from({ length: 5 }, (_, t) => ({
    task: t,
    epoch: 0,
    train_loss: 1 - t / 10,
    train_acc: 0.5,
    val_acc: null,
    test_acc: 0.5,
    test_acc_per_task: Array.from({ length: t + 1 }, (_, k) => 0.5 + k / 100),
  }));
  const svg = plotCurves(rows5);
  const swatches = [...svg.matchAll(/<line x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" y2="\2"/g)]
    .filter((m) => Number(m[3]) - Number(m[1]) === 16)
    .map((m) => [Number(m[1]), Number(m[2])] as const);
  // loss panel: train loss; accuracy panel: train acc, test mean, task 1..5
  assert.equal(swatches.length, 8);
  const acc = swatches.slice(1);
  const ys = [...new Set(acc.map(([, y]) => y))].sort((a, b) => a - b);
  assert.deepEqual(ys, [38, 52], "two legend rows, 14 px apart");
  for (const y of ys) {
    const xs = acc.filter(([, yy]) => yy === y).map(([x]) => x);
    for (let i = 1; i < xs.length; i++) assert.ok(xs[i]! - xs[i - 1]! >= 80, `${xs}`);
  }
  // the accuracy frame starts below the second legend row; the loss frame keeps its place
  const frames = [...svg.matchAll(/<rect x="[\d.]+" y="([\d.]+)" width="348"/g)].map((m) =>
    Number(m[1])
  );
  assert.deepEqual(frames, [48, 62]);
});
