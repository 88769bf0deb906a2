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
  // task 2's curve starts at the third x position (epoch 1 of task 2 is overall epoch 3)
  const x = (d: string, i: number) => Number(d.split(" ")[i]!.slice(1).split(",")[0]);
  assert.equal(x(p[4]!, 0), x(p[3]!, 2));
});
