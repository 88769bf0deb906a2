/**
 * The few SVG helpers bnn's pictures share (the training curves of `train/plot.ts`, the
 * reliability diagram of `export/reliability.ts`): escaping, one-decimal coordinates, one
 * element, and the standalone document. Plain string building, no dependencies, so any
 * browser or `rsvg-convert` opens the result.
 * @module
 */

/** Attribute values of an element, written in insertion order. */
export type SvgAttributes = Record<string, string | number>;

/**
 * Escapes `&`, `<` and `>` for SVG text content, and `"` too with `quotes` (attribute
 * values).
 *
 * @example Usage
 * ```ts
 * import { escapeXml } from "./svg.ts";
 * if (escapeXml(`a<b & "c"`) !== `a&lt;b &amp; "c"`) throw new Error();
 * if (escapeXml(`"c"`, { quotes: true }) !== "&quot;c&quot;") throw new Error();
 * ```
 */
export function escapeXml(s: string, { quotes = false } = {}): string {
  const text = s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return quotes ? text.replace(/"/g, "&quot;") : text;
}

/**
 * A coordinate with one decimal, as every plotted position is written.
 *
 * @example Usage
 * ```ts
 * import { px } from "./svg.ts";
 * if (px(12.345) !== "12.3" || px(3) !== "3.0") throw new Error();
 * ```
 */
export function px(v: number): string {
  return v.toFixed(1);
}

/**
 * One element: `<tag a="1"/>`, or `<tag a="1">content</tag>` when `content` is given (it is
 * written as is: escape text with {@linkcode escapeXml}). Attribute values are escaped.
 *
 * @example Usage
 * ```ts
 * import { svgElement } from "./svg.ts";
 * const rect = svgElement("rect", { x: 1, fill: "none" });
 * if (rect !== `<rect x="1" fill="none"/>`) throw new Error(rect);
 * if (svgElement("text", { y: 2 }, "hi") !== `<text y="2">hi</text>`) throw new Error();
 * ```
 */
export function svgElement(tag: string, attrs: SvgAttributes, content?: string): string {
  const a = Object.entries(attrs).map(([k, v]) =>
    ` ${k}="${escapeXml(String(v), { quotes: true })}"`
  )
    .join("");
  return content === undefined ? `<${tag}${a}/>` : `<${tag}${a}>${content}</${tag}>`;
}

/**
 * A standalone SVG document, one child per line, ending in a newline.
 *
 * @param attrs Attributes after `xmlns`, `width`, `height`, `viewBox` and `font-family`.
 * @example Usage
 * ```ts
 * import { svgDocument, svgElement } from "./svg.ts";
 * const svg = svgDocument(10, 20, [svgElement("rect", { width: 10, height: 20 })]);
 * if (!svg.startsWith(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="20"`)) {
 *   throw new Error(svg);
 * }
 * if (!svg.endsWith("</svg>\n")) throw new Error(svg);
 * ```
 */
export function svgDocument(
  width: number,
  height: number,
  children: string[],
  attrs: SvgAttributes = {},
): string {
  const root = {
    xmlns: "http://www.w3.org/2000/svg",
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    "font-family": "sans-serif",
    ...attrs,
  };
  return svgElement("svg", root, ["", ...children, ""].join("\n")) + "\n";
}
