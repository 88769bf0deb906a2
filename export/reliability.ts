/**
 * A reliability diagram (DeGroot & Fienberg 1983; Guo et al. 2017) as a standalone SVG:
 * for each equal-width confidence bin, a bar of the bin's accuracy, the gap to its mean
 * confidence shaded, the diagonal of perfect calibration, and below it the share of
 * examples per bin. A well-calibrated model's bars follow the diagonal; the ECE is the
 * count-weighted mean of the shaded gaps.
 * @module
 */
import type { CalibrationBin } from "./metrics.ts";

/** Text shown around the diagram. */
export interface ReliabilityLabels {
  title: string;
  accuracy: number;
  ece: number;
  count: number;
}

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(
    /"/g,
    "&quot;",
  );
}

const fmt = (v: number) => v.toFixed(1);

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
  const W = 520, left = 64, right = 24, top = 56, plot = W - left - right;
  const histTop = top + plot + 44, histH = 80, H = histTop + histH + 48;
  const x = (v: number) => left + v * plot;
  const y = (v: number) => top + (1 - v) * plot;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${
      esc(labels.title)
    }</text>`,
    `<text x="${W / 2}" y="42" text-anchor="middle">accuracy ${
      (labels.accuracy * 100).toFixed(2)
    } %, ECE ${(labels.ece * 100).toFixed(2)} % (${bins.length} bins), n = ${labels.count}</text>`,
  );
  // grid and axes
  for (let t = 0; t <= 10; t += 2) {
    const v = t / 10;
    out.push(
      `<line x1="${fmt(x(0))}" y1="${fmt(y(v))}" x2="${fmt(x(1))}" y2="${
        fmt(y(v))
      }" stroke="#e5e5e5"/>`,
      `<text x="${fmt(x(0) - 6)}" y="${fmt(y(v) + 4)}" text-anchor="end">${v.toFixed(1)}</text>`,
      `<text x="${fmt(x(v))}" y="${fmt(y(0) + 16)}" text-anchor="middle">${v.toFixed(1)}</text>`,
    );
  }
  const bw = plot / bins.length;
  bins.forEach((b, i) => {
    if (!b.count || b.accuracy === null || b.confidence === null) return;
    const bx = x(b.lower) + 1, w = bw - 2;
    out.push(
      `<rect x="${fmt(bx)}" y="${fmt(y(b.accuracy))}" width="${fmt(w)}" height="${
        fmt(plot * b.accuracy)
      }" fill="#3b6fb6"><title>bin ${i}: accuracy ${b.accuracy.toFixed(4)}, confidence ${
        b.confidence.toFixed(4)
      }, n = ${b.count}</title></rect>`,
    );
    const lo = Math.min(b.accuracy, b.confidence), hi = Math.max(b.accuracy, b.confidence);
    out.push(
      `<rect x="${fmt(bx)}" y="${fmt(y(hi))}" width="${fmt(w)}" height="${
        fmt(plot * (hi - lo))
      }" fill="#e0463c" fill-opacity="0.35" stroke="#e0463c" stroke-width="1"/>`,
    );
  });
  out.push(
    `<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${
      y(1)
    }" stroke="#444" stroke-dasharray="5,4"/>`,
    `<rect x="${left}" y="${top}" width="${plot}" height="${plot}" fill="none" stroke="#222"/>`,
    `<text x="${x(0.5)}" y="${
      fmt(y(0) + 34)
    }" text-anchor="middle">confidence (max probability)</text>`,
    `<text transform="translate(18 ${
      fmt(y(0.5))
    }) rotate(-90)" text-anchor="middle">accuracy</text>`,
    `<rect x="${left + 10}" y="${top + 10}" width="12" height="12" fill="#3b6fb6"/>`,
    `<text x="${left + 28}" y="${top + 20}">accuracy per bin</text>`,
    `<rect x="${left + 10}" y="${
      top + 28
    }" width="12" height="12" fill="#e0463c" fill-opacity="0.35" stroke="#e0463c"/>`,
    `<text x="${left + 28}" y="${top + 38}">gap to mean confidence</text>`,
  );
  // histogram of examples per bin
  const total = bins.reduce((a, b) => a + b.count, 0) || 1;
  const maxShare = Math.max(...bins.map((b) => b.count / total), 1e-9);
  bins.forEach((b) => {
    const h = (b.count / total / maxShare) * histH;
    out.push(
      `<rect x="${fmt(x(b.lower) + 1)}" y="${fmt(histTop + histH - h)}" width="${
        fmt(bw - 2)
      }" height="${fmt(h)}" fill="#888"/>`,
    );
  });
  out.push(
    `<rect x="${left}" y="${histTop}" width="${plot}" height="${histH}" fill="none" stroke="#222"/>`,
    `<text x="${fmt(x(0) - 6)}" y="${histTop + 10}" text-anchor="end">${
      (maxShare * 100).toFixed(0)
    }%</text>`,
    `<text x="${x(0.5)}" y="${
      histTop + histH + 18
    }" text-anchor="middle">share of examples per confidence bin</text>`,
    `</svg>`,
  );
  return out.join("\n") + "\n";
}
