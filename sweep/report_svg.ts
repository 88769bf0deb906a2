/**
 * The report's picture: per config, a bar of this sweep's mean test accuracy with a ±std error
 * bar and one dot per seed, beside a gray bar of the paper's 500-epoch mean ± std. The accuracy
 * axis is zoomed to the values (its start is printed on it), since the differences that matter
 * are tenths of a percent. Unfinished configs show their counted seeds only, and a row with no
 * finished seed shows "no finished seed".
 * @module
 */
import { escapeXml, px, svgDocument, svgElement } from "../train/svg.ts";
import type { Report, ReportRow } from "./report.ts";

const H = 360;
const M = { left: 64, right: 24, top: 64, bottom: 84 };
const GROUP = 170;
const BAR = 48;
const OURS = "#1f77b4";
const PAPER = "#9a9a9a";

/** About `count` round tick values covering [lo, hi]. */
function ticks(lo: number, hi: number, count: number): number[] {
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
    out.push(Number(t.toPrecision(12)));
  }
  return out;
}

/** The accuracy range shown: every mean ± std and seed, with a margin, on round numbers. */
function yRange(rows: readonly ReportRow[]): [number, number] {
  const vals: number[] = [];
  for (const r of rows) {
    vals.push(...r.accuracies);
    if (r.mean !== null) vals.push(r.mean - (r.std ?? 0), r.mean + (r.std ?? 0));
    if (r.paper) vals.push(r.paper.mean - r.paper.std, r.paper.mean + r.paper.std);
  }
  if (vals.length === 0) return [0, 100];
  const lo = Math.min(...vals), hi = Math.max(...vals);
  const pad = Math.max((hi - lo) * 0.25, 0.2);
  return [
    Math.max(0, Math.floor((lo - pad) * 2) / 2),
    Math.min(100, Math.ceil((hi + pad) * 2) / 2),
  ];
}

/** A bar from the axis to `mean`, its ±std whiskers, its label and the seeds' dots. */
function bar(
  x: number,
  mean: number,
  std: number | null,
  dots: readonly number[],
  color: string,
  y: (v: number) => number,
): string[] {
  const out = [
    svgElement("rect", {
      x: px(x),
      y: px(y(mean)),
      width: BAR,
      height: px(H - M.bottom - y(mean)),
      fill: color,
      "fill-opacity": 0.75,
    }),
  ];
  if (std !== null) {
    const cx = x + BAR / 2;
    const [top, bottom] = [y(mean + std), y(mean - std)];
    out.push(svgElement("path", {
      d: `M${px(cx)} ${px(top)}V${px(bottom)}M${px(cx - 8)} ${px(top)}H${px(cx + 8)}M${
        px(cx - 8)
      } ${px(bottom)}H${px(cx + 8)}`,
      stroke: "#222",
      "stroke-width": 1.5,
      fill: "none",
    }));
  }
  for (const [i, d] of dots.entries()) {
    const dx = x + BAR / 2 + (i - (dots.length - 1) / 2) * 7;
    out.push(
      svgElement("circle", { cx: px(dx), cy: px(y(d)), r: 3, fill: "#fff", stroke: "#222" }),
    );
  }
  const label = std === null ? mean.toFixed(2) : `${mean.toFixed(2)}±${std.toFixed(2)}`;
  out.push(svgElement(
    "text",
    {
      x: px(x + BAR / 2),
      y: px(y(mean + (std ?? 0)) - 6),
      "text-anchor": "middle",
      "font-size": 11,
    },
    escapeXml(label),
  ));
  return out;
}

/** One config's group: its bars and its name below the axis. */
function group(r: ReportRow, x0: number, y: (v: number) => number): string[] {
  const out: string[] = [];
  const x = x0 + (GROUP - 2 * BAR - 10) / 2;
  if (r.mean !== null) out.push(...bar(x, r.mean, r.std, r.accuracies, OURS, y));
  else {
    out.push(svgElement("text", {
      x: px(x + BAR / 2),
      y: px(H - M.bottom - 12),
      "text-anchor": "middle",
      "font-size": 10,
    }, "no finished seed"));
  }
  if (r.paper) out.push(...bar(x + BAR + 10, r.paper.mean, r.paper.std, [], PAPER, y));
  const base = H - M.bottom;
  out.push(
    svgElement("text", {
      x: px(x0 + GROUP / 2),
      y: base + 18,
      "text-anchor": "middle",
      "font-size": 12,
    }, escapeXml(r.config)),
  );
  out.push(svgElement(
    "text",
    { x: px(x0 + GROUP / 2), y: base + 34, "text-anchor": "middle", "font-size": 10, fill: "#555" },
    escapeXml(`${r.counted.length} of ${r.seeds} seeds, ${r.epochs} epochs`),
  ));
  if (r.notCounted.length > 0) {
    out.push(svgElement(
      "text",
      {
        x: px(x0 + GROUP / 2),
        y: base + 48,
        "text-anchor": "middle",
        "font-size": 10,
        fill: "#b00",
      },
      escapeXml(`${r.notCounted.length} not finished`),
    ));
  }
  return out;
}

/**
 * The report as a standalone SVG.
 *
 * @example Usage
 * ```ts
 * import { reportSvg } from "./report_svg.ts";
 * const svg = reportSvg({ sweep: "t", created: "", bnn: {} as never, rows: [{ config: "mnist_ste",
 *   dataset: "mnist", optimizer: "ste", method: "STE-Adam", architecture: "BinaryConnect", epochs: 10,
 *   seeds: 3, counted: [1, 2, 3], accuracies: [98.4, 98.5, 98.6], mean: 98.5, std: 0.1,
 *   epochSeconds: 30, notCounted: [], paper: { mean: 98.85, std: 0.09 } }] });
 * if (!svg.includes("98.50±0.10") || !svg.includes("98.85±0.09")) throw new Error(svg);
 * ```
 */
export function reportSvg(report: Report): string {
  const width = Math.max(560, M.left + M.right + GROUP * report.rows.length);
  const [lo, hi] = yRange(report.rows);
  const y = (v: number) => M.top + (hi - Math.max(lo, v)) / (hi - lo) * (H - M.top - M.bottom);
  const out: string[] = [
    svgElement("rect", { width, height: H, fill: "#fff" }),
    svgElement(
      "text",
      { x: M.left, y: 22, "font-size": 14, "font-weight": "bold" },
      escapeXml(`sweep ${report.sweep}: test accuracy at best validation (%)`),
    ),
    svgElement("rect", {
      x: M.left,
      y: 34,
      width: 12,
      height: 12,
      fill: OURS,
      "fill-opacity": 0.75,
    }),
    svgElement(
      "text",
      { x: M.left + 16, y: 44, "font-size": 11 },
      "this sweep: mean ± std, dots = seeds",
    ),
    svgElement("rect", {
      x: M.left + 230,
      y: 34,
      width: 12,
      height: 12,
      fill: PAPER,
      "fill-opacity": 0.75,
    }),
    svgElement("text", { x: M.left + 246, y: 44, "font-size": 11 }, "paper (5 runs × 500 epochs)"),
  ];
  for (const t of ticks(lo, hi, 6)) {
    out.push(
      svgElement("path", { d: `M${M.left} ${px(y(t))}H${width - M.right}`, stroke: "#e4e4e4" }),
    );
    out.push(
      svgElement(
        "text",
        { x: M.left - 6, y: px(y(t) + 4), "text-anchor": "end", "font-size": 11 },
        escapeXml(String(t)),
      ),
    );
  }
  out.push(
    svgElement("path", {
      d: `M${M.left} ${M.top}V${H - M.bottom}H${width - M.right}`,
      stroke: "#222",
      fill: "none",
    }),
  );
  out.push(
    svgElement("text", {
      x: width - M.right,
      y: M.top - 8,
      "text-anchor": "end",
      "font-size": 10,
      fill: "#b00",
    }, escapeXml(`the axis starts at ${lo} %`)),
  );
  report.rows.forEach((r, i) => out.push(...group(r, M.left + i * GROUP, y)));
  return svgDocument(width, H, out);
}
