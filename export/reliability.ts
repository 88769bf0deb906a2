/**
 * A reliability diagram (DeGroot & Fienberg 1983; Guo et al. 2017) as a standalone SVG:
 * for each equal-width confidence bin, a bar of the bin's accuracy, the gap to its mean
 * confidence shaded, the diagonal of perfect calibration, and below it the share of
 * examples per bin. A well-calibrated model's bars follow the diagonal; the ECE is the
 * count-weighted mean of the shaded gaps. Built with the shared helpers of `train/svg.ts`.
 * @module
 */
import { escapeXml, px, type SvgAttributes, svgDocument, svgElement } from "../train/svg.ts";
import type { CalibrationBin } from "./metrics.ts";

/** Text shown around the diagram. */
export interface ReliabilityLabels {
  title: string;
  accuracy: number;
  ece: number;
  count: number;
}

const W = 520, LEFT = 64, RIGHT = 24, TOP = 56, PLOT = W - LEFT - RIGHT;
const HIST_TOP = TOP + PLOT + 44, HIST_H = 80, H = HIST_TOP + HIST_H + 48;
const x = (v: number) => LEFT + v * PLOT;
const y = (v: number) => TOP + (1 - v) * PLOT;
const text = (attrs: SvgAttributes, s: string) => svgElement("text", attrs, s);
const rect = (attrs: SvgAttributes, content?: string) => svgElement("rect", attrs, content);
/** The shading of the gap between a bin's accuracy and its mean confidence. */
const GAP = { fill: "#e0463c", "fill-opacity": 0.35, stroke: "#e0463c" };

function header(bins: CalibrationBin[], labels: ReliabilityLabels): string[] {
  const acc = (labels.accuracy * 100).toFixed(2), ece = (labels.ece * 100).toFixed(2);
  return [
    rect({ width: W, height: H, fill: "white" }),
    text(
      { x: W / 2, y: 22, "text-anchor": "middle", "font-size": 15, "font-weight": "bold" },
      escapeXml(labels.title, { quotes: true }),
    ),
    text(
      { x: W / 2, y: 42, "text-anchor": "middle" },
      `accuracy ${acc} %, ECE ${ece} % (${bins.length} bins), n = ${labels.count}`,
    ),
  ];
}

function grid(): string[] {
  const out: string[] = [];
  for (let t = 0; t <= 10; t += 2) {
    const v = t / 10;
    out.push(
      svgElement("line", {
        x1: px(x(0)),
        y1: px(y(v)),
        x2: px(x(1)),
        y2: px(y(v)),
        stroke: "#e5e5e5",
      }),
      text({ x: px(x(0) - 6), y: px(y(v) + 4), "text-anchor": "end" }, v.toFixed(1)),
      text({ x: px(x(v)), y: px(y(0) + 16), "text-anchor": "middle" }, v.toFixed(1)),
    );
  }
  return out;
}

/** Per non-empty bin: its accuracy bar and the shaded gap to its mean confidence. */
function bars(bins: CalibrationBin[]): string[] {
  const bw = PLOT / bins.length;
  return bins.flatMap((b, i) => {
    if (!b.count || b.accuracy === null || b.confidence === null) return [];
    const bx = px(x(b.lower) + 1), w = px(bw - 2);
    const tip = `bin ${i}: accuracy ${b.accuracy.toFixed(4)}, confidence ${
      b.confidence.toFixed(4)
    }, n = ${b.count}`;
    const lo = Math.min(b.accuracy, b.confidence), hi = Math.max(b.accuracy, b.confidence);
    return [
      rect(
        { x: bx, y: px(y(b.accuracy)), width: w, height: px(PLOT * b.accuracy), fill: "#3b6fb6" },
        `<title>${tip}</title>`,
      ),
      rect({
        x: bx,
        y: px(y(hi)),
        width: w,
        height: px(PLOT * (hi - lo)),
        ...GAP,
        "stroke-width": 1,
      }),
    ];
  });
}

function frameAndLegend(): string[] {
  return [
    svgElement("line", {
      x1: x(0),
      y1: y(0),
      x2: x(1),
      y2: y(1),
      stroke: "#444",
      "stroke-dasharray": "5,4",
    }),
    rect({ x: LEFT, y: TOP, width: PLOT, height: PLOT, fill: "none", stroke: "#222" }),
    text(
      { x: x(0.5), y: px(y(0) + 34), "text-anchor": "middle" },
      "confidence (max probability)",
    ),
    text(
      { transform: `translate(18 ${px(y(0.5))}) rotate(-90)`, "text-anchor": "middle" },
      "accuracy",
    ),
    rect({ x: LEFT + 10, y: TOP + 10, width: 12, height: 12, fill: "#3b6fb6" }),
    text({ x: LEFT + 28, y: TOP + 20 }, "accuracy per bin"),
    rect({ x: LEFT + 10, y: TOP + 28, width: 12, height: 12, ...GAP }),
    text({ x: LEFT + 28, y: TOP + 38 }, "gap to mean confidence"),
  ];
}

/** The histogram of examples per bin, scaled to the fullest bin. */
function histogram(bins: CalibrationBin[]): string[] {
  const bw = PLOT / bins.length;
  const total = bins.reduce((a, b) => a + b.count, 0) || 1;
  const maxShare = Math.max(...bins.map((b) => b.count / total), 1e-9);
  return [
    ...bins.map((b) => {
      const h = (b.count / total / maxShare) * HIST_H;
      const [bx, by] = [px(x(b.lower) + 1), px(HIST_TOP + HIST_H - h)];
      return rect({ x: bx, y: by, width: px(bw - 2), height: px(h), fill: "#888" });
    }),
    rect({ x: LEFT, y: HIST_TOP, width: PLOT, height: HIST_H, fill: "none", stroke: "#222" }),
    text(
      { x: px(x(0) - 6), y: HIST_TOP + 10, "text-anchor": "end" },
      `${(maxShare * 100).toFixed(0)}%`,
    ),
    text(
      { x: x(0.5), y: HIST_TOP + HIST_H + 18, "text-anchor": "middle" },
      "share of examples per confidence bin",
    ),
  ];
}

/**
 * Renders the reliability diagram of some calibration bins as SVG text.
 *
 * @example Usage
 * ```ts
 * import { reliabilitySvg } from "./reliability.ts";
 * const svg = reliabilitySvg(
 *   [{ lower: 0, upper: 0.5, count: 1, accuracy: 0, confidence: 0.5 },
 *    { lower: 0.5, upper: 1, count: 3, accuracy: 1, confidence: 0.9 }],
 *   { title: "demo", accuracy: 0.75, ece: 0.2, count: 4 },
 * );
 * if (!svg.startsWith("<svg")) throw new Error("not svg");
 * ```
 */
export function reliabilitySvg(bins: CalibrationBin[], labels: ReliabilityLabels): string {
  return svgDocument(W, H, [
    ...header(bins, labels),
    ...grid(),
    ...bars(bins),
    ...frameAndLegend(),
    ...histogram(bins),
  ], { "font-size": 12 });
}
