/**
 * The prediction's display: the top classes as probability bars and, for a `--samples K`
 * export, the spread of the K sampled networks — each network's probability of the class as a
 * tick on its bar, their range as a band, and how many of them pick the top class.
 * @module
 */

/**
 * The indices of the `k` largest values, largest first.
 *
 * @param {ArrayLike<number>} p
 * @param {number} k
 * @returns {number[]}
 * @example Usage
 * ```js
 * import { topClasses } from "./results.js";
 * if (topClasses([0.1, 0.6, 0.3], 2).join() !== "1,2") throw new Error();
 * ```
 */
export function topClasses(p, k) {
  return Array.from(p, (_, i) => i).sort((a, b) => p[b] - p[a] || a - b).slice(0, k);
}

/**
 * How the K sampled networks see class `c`: how many pick it (their argmax), and the mean,
 * standard deviation, minimum and maximum of their probability of it.
 *
 * @param {Float32Array[]} samples K probability vectors.
 * @param {number} c
 * @returns {{ agree: number, mean: number, sd: number, min: number, max: number }}
 * @example Usage
 * ```js
 * import { sampleSpread } from "./results.js";
 * const s = sampleSpread([new Float32Array([0.25, 0.75]), new Float32Array([0.75, 0.25])], 1);
 * if (s.agree !== 1 || s.mean !== 0.5 || s.sd !== 0.25 || s.max !== 0.75) throw new Error();
 * ```
 */
export function sampleSpread(samples, c) {
  const ps = samples.map((s) => s[c]);
  const mean = ps.reduce((a, b) => a + b, 0) / ps.length;
  const sd = Math.sqrt(ps.reduce((a, b) => a + (b - mean) ** 2, 0) / ps.length);
  const agree = samples.filter((s) => topClasses(s, 1)[0] === c).length;
  return { agree, mean, sd, min: Math.min(...ps), max: Math.max(...ps) };
}

/**
 * @param {string} tag
 * @param {string} [className]
 * @param {string} [text]
 */
function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** @param {number} p */
const percent = (p) => `${(100 * p).toFixed(p > 0.9995 || p < 0.0005 ? 0 : 1)}%`;

/**
 * Shows a prediction in `root` (replacing what was there).
 *
 * @param {HTMLElement} root
 * @param {{ probabilities: Float32Array, samples: Float32Array[], classNames: string[],
 *   top?: number, label?: number | null }} r The mean probabilities, the K networks' ones
 *   (empty for one network), the class names, how many classes to show, the true label if known.
 * @example Usage
 * ```js ignore
 * import { renderResults } from "./results.js";
 * renderResults(document.getElementById("results"), {
 *   probabilities: new Float32Array([0.2, 0.8]), samples: [], classNames: ["cat", "dog"],
 * });
 * ```
 */
export function renderResults(root, r) {
  const { probabilities: p, samples, classNames } = r;
  const order = topClasses(p, Math.min(r.top ?? 5, p.length));
  const list = el("ol", "bars");
  for (const c of order) {
    const row = el("li", "bar-row");
    if (c === order[0]) row.classList.add("first");
    if (r.label === c) row.classList.add("truth");
    row.append(el("span", "cls", classNames[c]));
    const track = el("span", "track");
    const fill = el("span", "fill");
    fill.style.width = `${100 * p[c]}%`;
    track.append(fill);
    if (samples.length) {
      const s = sampleSpread(samples, c);
      const band = el("span", "band");
      band.style.left = `${100 * s.min}%`;
      band.style.width = `${100 * (s.max - s.min)}%`;
      track.append(band);
      for (const q of samples) {
        const tick = el("span", "tick");
        tick.style.left = `${100 * q[c]}%`;
        track.append(tick);
      }
      track.title = `${samples.length} networks: ${percent(s.min)}–${percent(s.max)}`;
    }
    row.append(track, el("span", "pct", percent(p[c])));
    list.append(row);
  }
  root.replaceChildren(list);
  if (samples.length) {
    const s = sampleSpread(samples, order[0]);
    const name = classNames[order[0]];
    root.append(el(
      "p",
      "spread",
      `${s.agree} of ${samples.length} sampled networks pick ${name}; ` +
        `their p(${name}) spans ${percent(s.min)}–${percent(s.max)} (sd ${percent(s.sd)})`,
    ));
    root.append(el(
      "p",
      "hint",
      `bar: the mean of the ${samples.length} networks' probabilities (the model's output); ` +
        "ticks: each network's; grey band: their range",
    ));
  }
}
