/**
 * The drawing pad: pointer events (mouse, touch and pen alike; the canvas has
 * `touch-action: none`, so a finger draws instead of scrolling) draw round-capped strokes on a
 * transparent canvas; the ink a stroke leaves is the canvas's alpha channel.
 * @module
 */

/**
 * Makes `canvas` a drawing pad.
 *
 * @param {HTMLCanvasElement} canvas Its backing store's size is the drawing's resolution.
 * @param {() => void} onStroke Called when a stroke ends.
 * @returns {{ clear: () => void, ink: () => Uint8Array }} Clearing, and the ink (0..255,
 *   row-major, the canvas's size).
 * @example Usage
 * ```js ignore
 * import { drawingPad } from "./drawing.js";
 * const pad = drawingPad(document.querySelector("canvas"), () => console.log(pad.ink()));
 * ```
 */
export function drawingPad(canvas, onStroke) {
  const ctx = /** @type {CanvasRenderingContext2D} */ (
    canvas.getContext("2d", { willReadFrequently: true })
  );
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.strokeStyle = "#111";
  ctx.fillStyle = "#111";
  // MNIST strokes are ~2.5 px wide in the 20-px box: a tenth of a digit's height
  ctx.lineWidth = Math.round(canvas.width / 13);
  /** @type {{ x: number, y: number } | null} */
  let last = null;
  let pointer = -1;

  /** @param {PointerEvent} e */
  const at = (e) => {
    const r = canvas.getBoundingClientRect();
    return {
      x: (e.clientX - r.left) * canvas.width / r.width,
      y: (e.clientY - r.top) * canvas.height / r.height,
    };
  };
  canvas.addEventListener("pointerdown", (e) => {
    if (pointer !== -1) return;
    pointer = e.pointerId;
    canvas.setPointerCapture(e.pointerId);
    last = at(e);
    ctx.beginPath();
    ctx.arc(last.x, last.y, ctx.lineWidth / 2, 0, 2 * Math.PI);
    ctx.fill();
    e.preventDefault();
  });
  canvas.addEventListener("pointermove", (e) => {
    if (e.pointerId !== pointer || last === null) return;
    const p = at(e);
    ctx.beginPath();
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    last = p;
    e.preventDefault();
  });
  /** @param {PointerEvent} e */
  const end = (e) => {
    if (e.pointerId !== pointer) return;
    pointer = -1;
    last = null;
    onStroke();
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);

  return {
    clear: () => ctx.clearRect(0, 0, canvas.width, canvas.height),
    ink: () => {
      const rgba = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      const ink = new Uint8Array(canvas.width * canvas.height);
      for (let i = 0; i < ink.length; i++) ink[i] = rgba[i * 4 + 3];
      return ink;
    },
  };
}
