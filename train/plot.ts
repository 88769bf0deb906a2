/**
 * Training curves as a standalone SVG: the train, validation and test losses in one panel, the
 * train, validation and test accuracies in another, against the epoch (same color per split).
 * Built with the shared helpers of {@linkcode ./svg.ts}.
 * @module
 */
import { escapeXml, px, svgDocument, svgElement } from "./svg.ts";

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
/** Plot area width. */
const PW = W - M.left - M.right;

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

/** The data ranges of a panel. */
interface Ranges {
  xLo: number;
  xHi: number;
  yLo: number;
  yHi: number;
}

function rangesOf(series: Series[], yRange: [number, number] | null): Ranges {
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
  return { xLo, xHi, yLo, yHi };
}

/**
 * Legend slots `[x, row]`: entries flow left to right in rows above the plot area (about 6 px
 * per character at font size 10); each extra row moves the plot area down.
 */
function legendSlots(series: Series[]): [number, number][] {
  const slots: [number, number][] = [];
  let lxAt = 0, row = 0;
  for (const s of series) {
    const w = Math.min(PW, Math.max(80, 28 + 6 * s.label.length));
    if (lxAt > 0 && lxAt + w > PW) (lxAt = 0), row++;
    slots.push([lxAt, row]);
    lxAt += w;
  }
  return slots;
}

/** A panel's plot area: left edge, top, height, data ranges and data → pixel maps. */
interface Frame extends Ranges {
  x0: number;
  top: number;
  ph: number;
  sx: (x: number) => number;
  sy: (y: number) => number;
}

function frameOf(x0: number, r: Ranges, legendRows: number): Frame {
  const top = M.top + 14 * legendRows;
  const ph = H - top - M.bottom;
  const sx = (x: number) => x0 + M.left + ((x - r.xLo) / (r.xHi - r.xLo)) * PW;
  const sy = (y: number) => top + (1 - (y - r.yLo) / (r.yHi - r.yLo)) * ph;
  return { ...r, x0, top, ph, sx, sy };
}

/** Grid lines and tick labels: about 5 (at least 4) on the y axis, integer epochs on x. */
function ticks(f: Frame): string[] {
  const { x0, top, ph } = f;
  const out: string[] = [];
  let yTicks = niceTicks(f.yLo, f.yHi, 5);
  if (yTicks.length < 4) yTicks = niceTicks(f.yLo, f.yHi, 10);
  for (const t of yTicks) {
    const y = px(f.sy(t));
    const label = { "text-anchor": "end", "dominant-baseline": "middle", "font-size": 10 };
    out.push(
      svgElement("line", { x1: x0 + M.left, y1: y, x2: x0 + M.left + PW, y2: y, stroke: "#eee" }),
      svgElement("text", { x: x0 + M.left - 4, y, ...label }, fmt(t)),
    );
  }
  for (const t of niceTicks(f.xLo, f.xHi, 6).filter((t) => Number.isInteger(t))) {
    const label = { "text-anchor": "middle", "font-size": 10 };
    out.push(svgElement("text", { x: px(f.sx(t)), y: top + ph + 14, ...label }, `${t}`));
  }
  return out;
}

/** A panel's title, frame, ticks and axis labels. */
function axes(f: Frame, title: string, xLabel: string, yLabel: string): string[] {
  const { x0, top, ph } = f;
  const bold = { "text-anchor": "middle", "font-size": 14, "font-weight": "bold" };
  const label = { "text-anchor": "middle", "font-size": 11 };
  const [lx, ly] = [x0 + 14, top + ph / 2];
  return [
    svgElement("text", { x: x0 + W / 2, y: 20, ...bold }, escapeXml(title)),
    svgElement("rect", {
      x: x0 + M.left,
      y: top,
      width: PW,
      height: ph,
      fill: "none",
      stroke: "#888",
    }),
    ...ticks(f),
    svgElement("text", { x: x0 + M.left + PW / 2, y: H - 8, ...label }, escapeXml(xLabel)),
    svgElement(
      "text",
      { x: lx, y: ly, ...label, transform: `rotate(-90 ${lx} ${ly})` },
      escapeXml(yLabel),
    ),
  ];
}

/** A series' polyline and points, and its legend entry at `slot` above the plot area. */
function curve(f: Frame, s: Series, slot: [number, number]): string[] {
  const at = (p: [number, number]) => [px(f.sx(p[0])), px(f.sy(p[1]))];
  const d = s.points.map((p, j) => `${j ? "L" : "M"}${at(p).join(",")}`).join(" ");
  const stroke = { stroke: s.color, "stroke-width": 2 };
  const out = [svgElement("path", { d, fill: "none", ...stroke })];
  for (const p of s.points) {
    const [cx, cy] = at(p);
    out.push(svgElement("circle", { cx, cy, r: 2.5, fill: s.color }));
  }
  // legend in a row above the plot area, clear of the curves
  const ly = M.top - 10 + 14 * slot[1];
  const lx = f.x0 + M.left + slot[0];
  const label = { "dominant-baseline": "middle", "font-size": 10 };
  out.push(
    svgElement("line", { x1: lx, y1: ly, x2: lx + 16, y2: ly, ...stroke }),
    svgElement("text", { x: lx + 20, y: ly, ...label }, escapeXml(s.label)),
  );
  return out;
}

/** One panel: axes, then each non-empty series with its legend entry. */
function panel(
  x0: number,
  title: string,
  yLabel: string,
  series: Series[],
  yRange: [number, number] | null,
  xLabel = "epoch",
): string {
  const slots = legendSlots(series);
  const legendRows = slots.at(-1)?.[1] ?? 0; // rows only grow: the last slot's row
  const f = frameOf(x0, rangesOf(series, yRange), legendRows);
  const out = axes(f, title, xLabel, yLabel);
  series.forEach((s, i) => {
    if (s.points.length > 0) out.push(...curve(f, s, slots[i]!));
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
  const { loss, acc } = curveSeries(points, tasks);
  const xLabel = tasks ? "epoch (all tasks, in order)" : "epoch";
  const accVals = acc.flatMap((s) => s.points.map((p) => p[1]));
  const accRange: [number, number] = accVals.length
    ? [
      Math.max(0, Math.floor(Math.min(...accVals) - 1)),
      Math.min(100, Math.ceil(Math.max(...accVals) + 1)),
    ]
    : [0, 100];
  const body = points.length === 0
    ? svgElement(
      "text",
      { x: W, y: H / 2, "text-anchor": "middle", "font-size": 14 },
      "no finished epoch yet",
    )
    : panel(0, "loss", "cross-entropy", loss, null, xLabel) + "\n" +
      panel(W, "accuracy", "accuracy (%)", acc, accRange, xLabel);
  return svgDocument(2 * W, H + 20, [
    svgElement("rect", { width: "100%", height: "100%", fill: "white" }),
    svgElement("g", { transform: "translate(0,20)" }, `\n${body}\n`),
    svgElement("text", { x: W, y: 16, "text-anchor": "middle", "font-size": 13 }, escapeXml(title)),
  ]);
}

/**
 * The loss series (cross-entropy) and accuracy series (in %) of the rows, with the epoch
 * 1-based (continual learning: the row number), each without its missing values.
 */
function curveSeries(points: CurvePoint[], tasks: boolean): { loss: Series[]; acc: Series[] } {
  const row = new Map(points.map((p, i) => [p, i]));
  const ep = (p: CurvePoint) => tasks ? row.get(p)! + 1 : p.epoch + 1;
  const of = (f: (p: CurvePoint) => number | null | undefined, scale = 1) =>
    points.filter((p) => Number.isFinite(f(p))).map((p) =>
      [ep(p), f(p)! * scale] as [number, number]
    );
  const pct = (f: (p: CurvePoint) => number | null | undefined) => of(f, 100);
  const loss: Series[] = [
    { label: "train loss", color: "#1f77b4", points: of((p) => p.train_loss) },
    { label: "val loss", color: "#ff7f0e", points: of((p) => p.val_loss) },
    {
      label: tasks ? "test loss (mean)" : "test loss",
      color: "#2ca02c",
      points: of((p) => p.test_loss),
    },
  ];
  const acc: Series[] = [
    { label: "train acc", color: "#1f77b4", points: pct((p) => p.train_acc) },
    { label: "val acc", color: "#ff7f0e", points: pct((p) => p.val_acc) },
    { label: tasks ? "test mean" : "test acc", color: "#2ca02c", points: pct((p) => p.test_acc) },
    ...Array.from(
      { length: Math.max(0, ...points.map((p) => p.test_acc_per_task?.length ?? 0)) },
      (_, k) => ({
        label: `task ${k + 1}`,
        color: TASK_COLORS[k % TASK_COLORS.length]!,
        points: pct((p) => p.test_acc_per_task?.[k]),
      }),
    ),
  ];
  const present = (s: Series) => s.points.length > 0;
  return { loss: loss.filter(present), acc: acc.filter(present) };
}
