/**
 * Training curves as a standalone SVG: the train, validation and test losses in one panel, the
 * train, validation and test accuracies in another, against the epoch (same color per split). Plain string building, no dependencies, so any
 * browser or `rsvg-convert` opens it.
 * @module
 */

/** The per-epoch numbers the plot reads (a subset of a `metrics.jsonl` row). */
export interface CurvePoint {
  epoch: number;
  train_loss: number;
  train_acc: number;
  val_acc: number | null;
  test_acc: number | null;
  /** Mean cross-entropy on the validation split (null or absent: none). */
  val_loss?: number | null;
  /** Mean cross-entropy on the test set (continual learning: the mean over tasks seen). */
  test_loss?: number | null;
  /** Continual learning: the task trained (the x axis then counts epochs over all tasks). */
  task?: number;
  /** Continual learning: test accuracy per task seen; one curve per task. */
  test_acc_per_task?: number[];
}

const TASK_COLORS = ["#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"];

interface Series {
  label: string;
  color: string;
  points: [number, number][];
}

const W = 420;
const H = 300;
const M = { left: 56, right: 16, top: 48, bottom: 44 };

function niceTicks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
    ticks.push(Number(t.toPrecision(12)));
  }
  return ticks;
}

function fmt(v: number): string {
  return Number(v.toPrecision(4)).toString();
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function panel(
  x0: number,
  title: string,
  yLabel: string,
  series: Series[],
  yRange: [number, number] | null,
  xLabel = "epoch",
): string {
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  let xLo = Math.min(...xs), xHi = Math.max(...xs);
  if (xLo === xHi) (xLo -= 1), (xHi += 1);
  let [yLo, yHi] = yRange ?? [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  if (!(yHi > yLo)) (yLo -= 0.5), (yHi += 0.5);
  else if (yRange === null) {
    // a margin so the highest and lowest points do not sit on the frame
    const pad = (yHi - yLo) * 0.05;
    (yLo -= pad), (yHi += pad);
  }
  const pw = W - M.left - M.right;
  // legend entries flow left to right in rows above the plot area (about 6 px per character at
  // font size 10); each extra row moves the plot area down
  const slots: [number, number][] = [];
  let lxAt = 0, row = 0;
  for (const s of series) {
    const w = Math.min(pw, Math.max(80, 28 + 6 * s.label.length));
    if (lxAt > 0 && lxAt + w > pw) (lxAt = 0), row++;
    slots.push([lxAt, row]);
    lxAt += w;
  }
  const top = M.top + 14 * row;
  const ph = H - top - M.bottom;
  const sx = (x: number) => x0 + M.left + ((x - xLo) / (xHi - xLo)) * pw;
  const sy = (y: number) => top + (1 - (y - yLo) / (yHi - yLo)) * ph;
  const out: string[] = [];
  out.push(
    `<text x="${x0 + W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${
      esc(title)
    }</text>`,
  );
  out.push(
    `<rect x="${x0 + M.left}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`,
  );
  let yTicks = niceTicks(yLo, yHi, 5);
  if (yTicks.length < 4) yTicks = niceTicks(yLo, yHi, 10);
  for (const t of yTicks) {
    const y = sy(t).toFixed(1);
    out.push(
      `<line x1="${x0 + M.left}" y1="${y}" x2="${x0 + M.left + pw}" y2="${y}" stroke="#eee"/>`,
      `<text x="${
        x0 + M.left - 4
      }" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="10">${fmt(t)}</text>`,
    );
  }
  for (const t of niceTicks(xLo, xHi, 6).filter((t) => Number.isInteger(t))) {
    const x = sx(t).toFixed(1);
    out.push(
      `<text x="${x}" y="${top + ph + 14}" text-anchor="middle" font-size="10">${t}</text>`,
    );
  }
  out.push(
    `<text x="${x0 + M.left + pw / 2}" y="${H - 8}" text-anchor="middle" font-size="11">${
      esc(xLabel)
    }</text>`,
    `<text x="${x0 + 14}" y="${
      top + ph / 2
    }" text-anchor="middle" font-size="11" transform="rotate(-90 ${x0 + 14} ${top + ph / 2})">${
      esc(yLabel)
    }</text>`,
  );
  series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const d = s.points.map((p, j) =>
      `${j ? "L" : "M"}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`
    )
      .join(" ");
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    for (const p of s.points) {
      out.push(
        `<circle cx="${sx(p[0]).toFixed(1)}" cy="${
          sy(p[1]).toFixed(1)
        }" r="2.5" fill="${s.color}"/>`,
      );
    }
    // legend in a row above the plot area, clear of the curves
    const ly = M.top - 10 + 14 * slots[i]![1];
    const lx = x0 + M.left + slots[i]![0];
    out.push(
      `<line x1="${lx}" y1="${ly}" x2="${
        lx + 16
      }" y2="${ly}" stroke="${s.color}" stroke-width="2"/>`,
      `<text x="${lx + 20}" y="${ly}" dominant-baseline="middle" font-size="10">${
        esc(s.label)
      }</text>`,
    );
  });
  return out.join("\n");
}

/**
 * Renders the training curves as an SVG document: losses on the left, accuracies (in %) on the
 * right.
 * Epochs are shown 1-based; missing values (no validation split) are left out. Continual-learning
 * rows (with `task`) are plotted in order over all tasks, with one test curve per task.
 *
 * @param points One entry per finished epoch, in order.
 * @param title A title line (e.g. the run name).
 * @returns The SVG text.
 *
 * @example Usage
 * ```ts
 * import { plotCurves } from "./plot.ts";
 * const svg = plotCurves([
 *   { epoch: 0, train_loss: 0.9, train_acc: 0.7, val_acc: 0.8, test_acc: 0.81 },
 *   { epoch: 1, train_loss: 0.5, train_acc: 0.9, val_acc: 0.9, test_acc: 0.91 },
 * ], "demo");
 * if (!svg.startsWith("<svg")) throw new Error("not an svg");
 * ```
 */
export function plotCurves(points: CurvePoint[], title = ""): string {
  const tasks = points.some((p) => p.task !== undefined);
  const row = new Map(points.map((p, i) => [p, i]));
  const ep = (p: CurvePoint) => tasks ? row.get(p)! + 1 : p.epoch + 1;
  const pick = (f: (p: CurvePoint) => number | null) =>
    points.filter((p) => f(p) !== null && Number.isFinite(f(p))).map((
      p,
    ) => [ep(p), f(p)! * 100] as [number, number]);
  const lossOf = (f: (p: CurvePoint) => number | null | undefined) =>
    points.filter((p) => Number.isFinite(f(p))).map((p) => [ep(p), f(p)!] as [number, number]);
  const loss: Series[] = [
    { label: "train loss", color: "#1f77b4", points: lossOf((p) => p.train_loss) },
    { label: "val loss", color: "#ff7f0e", points: lossOf((p) => p.val_loss) },
    {
      label: tasks ? "test loss (mean)" : "test loss",
      color: "#2ca02c",
      points: lossOf((p) => p.test_loss),
    },
  ].filter((s) => s.points.length > 0);
  const acc: Series[] = [
    { label: "train acc", color: "#1f77b4", points: pick((p) => p.train_acc) },
    { label: "val acc", color: "#ff7f0e", points: pick((p) => p.val_acc) },
    { label: tasks ? "test mean" : "test acc", color: "#2ca02c", points: pick((p) => p.test_acc) },
    ...Array.from(
      { length: Math.max(0, ...points.map((p) => p.test_acc_per_task?.length ?? 0)) },
      (_, k) => ({
        label: `task ${k + 1}`,
        color: TASK_COLORS[k % TASK_COLORS.length]!,
        points: pick((p) => p.test_acc_per_task?.[k] ?? null),
      }),
    ),
  ].filter((s) => s.points.length > 0);
  const xLabel = tasks ? "epoch (all tasks, in order)" : "epoch";
  const accVals = acc.flatMap((s) => s.points.map((p) => p[1]));
  const accRange: [number, number] = accVals.length
    ? [
      Math.max(0, Math.floor(Math.min(...accVals) - 1)),
      Math.min(100, Math.ceil(Math.max(...accVals) + 1)),
    ]
    : [0, 100];
  const body = points.length === 0
    ? `<text x="${W}" y="${H / 2}" text-anchor="middle" font-size="14">no finished epoch yet</text>`
    : panel(0, "loss", "cross-entropy", loss, null, xLabel) + "\n" +
      panel(W, "accuracy", "accuracy (%)", acc, accRange, xLabel);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${H + 20}" viewBox="0 0 ${
      2 * W
    } ${H + 20}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<g transform="translate(0,20)">`,
    body,
    `</g>`,
    `<text x="${W}" y="16" text-anchor="middle" font-size="13">${esc(title)}</text>`,
    `</svg>`,
    "",
  ].join("\n");
}
