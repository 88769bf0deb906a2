/**
 * Console progress for training: on a terminal a bar per epoch redrawn in place
 * (`\r` + erase line), when piped plain lines (one per finished epoch, and a progress line now and
 * then within a long one, for logs such as Slurm's). The renderer is a pure function of the state
 * and a TTY flag, so both modes are tested without a terminal.
 * @module
 */

/** Where an epoch stands, as shown by the progress bar. */
export interface ProgressState {
  /** 0-based epoch. */
  epoch: number;
  epochs: number;
  /** Steps done in this epoch. */
  step: number;
  steps: number;
  /** Running mean training loss and accuracy (fraction) of this epoch. */
  loss: number;
  acc: number;
  examplesPerS: number;
  /** Seconds left in this epoch's training. */
  etaS: number;
}

/** One finished epoch, as printed at its end. */
export interface EpochLine {
  epoch: number;
  epochs: number;
  lr: number;
  train_loss: number;
  train_acc: number;
  val_acc: number | null;
  test_acc: number | null;
  seconds: number;
  examples_per_s: number;
}

/** Formats seconds as `m:ss` or `h:mm:ss`. */
function clock(s: number): string {
  if (!Number.isFinite(s) || s < 0) return "?";
  const t = Math.round(s);
  const h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), sec = t % 60;
  const mm = h > 0 ? String(m).padStart(2, "0") : String(m);
  return `${h > 0 ? `${h}:` : ""}${mm}:${String(sec).padStart(2, "0")}`;
}

function pct(v: number | null): string {
  return v === null ? "-" : `${(v * 100).toFixed(2)}%`;
}

/**
 * Renders the in-epoch progress. On a TTY: carriage return, erase line, then
 * `epoch 2/5 [#####.....] 120/600 loss 0.4123 acc 91.20% 512 ex/s ETA 0:57`. When piped: the
 * same without the bar, as a plain line with a newline (the caller decides how often).
 *
 * The line is kept within `columns - 1` characters (a line that wraps could not be redrawn in
 * place): the bar shrinks first (under 5 cells it is left out), then the end of the line is cut.
 *
 * @param s The state.
 * @param tty Whether stdout is a terminal.
 * @param width The bar width in characters.
 * @param columns The terminal's width (default: unlimited).
 * @returns The text to write (no newline).
 *
 * @example Usage
 * ```ts
 * import { renderProgress } from "./progress.ts";
 * const s = { epoch: 0, epochs: 2, step: 5, steps: 10, loss: 1, acc: 0.5, examplesPerS: 100, etaS: 5 };
 * if (!renderProgress(s, true).includes("5/10")) throw new Error("no step count");
 * if (renderProgress(s, false) !== "epoch 1/2 5/10 loss 1.0000 acc 50.00% 100 ex/s ETA 0:05\n") {
 *   throw new Error("piped mode prints a plain line");
 * }
 * ```
 */
export function renderProgress(
  s: ProgressState,
  tty: boolean,
  width = 24,
  columns = Infinity,
): string {
  const head = `epoch ${s.epoch + 1}/${s.epochs} `;
  const tail = `${s.step}/${s.steps} loss ${s.loss.toFixed(4)} acc ${pct(s.acc)} ` +
    `${Math.round(s.examplesPerS)} ex/s ETA ${clock(s.etaS)}`;
  if (!tty) return `${head}${tail}\n`;
  const room = columns - 1 - head.length - tail.length - 3; // 3: "[", "] "
  const w = room >= 5 ? Math.min(width, room) : 0; // a bar of a few cells says nothing
  const frac = s.steps > 0 ? Math.min(1, s.step / s.steps) : 0;
  const filled = Math.round(frac * w);
  const line = head + (w > 0 ? `[${"#".repeat(filled)}${".".repeat(w - filled)}] ` : "") + tail;
  return `\r\x1b[2K${line.slice(0, Math.max(0, columns - 1))}`;
}

/**
 * Renders the end of an epoch: one plain line with a newline. On a TTY it first clears the bar.
 *
 * @param e The finished epoch's metrics.
 * @param tty Whether stdout is a terminal.
 * @returns The text to write.
 *
 * @example Usage
 * ```ts
 * import { renderEpochEnd } from "./progress.ts";
 * const line = renderEpochEnd({
 *   epoch: 0, epochs: 1, lr: 1e-4, train_loss: 0.3, train_acc: 0.9, val_acc: null,
 *   test_acc: 0.95, seconds: 12, examples_per_s: 500,
 * }, false);
 * if (!line.endsWith("\n") || !line.includes("test 95.00%")) throw new Error(line);
 * ```
 */
export function renderEpochEnd(e: EpochLine, tty: boolean): string {
  return `${tty ? "\r\x1b[2K" : ""}epoch ${e.epoch + 1}/${e.epochs} lr ${e.lr.toExponential(3)} ` +
    `loss ${e.train_loss.toFixed(4)} train ${pct(e.train_acc)} val ${pct(e.val_acc)} ` +
    `test ${pct(e.test_acc)} ${clock(e.seconds)} ${Math.round(e.examples_per_s)} ex/s\n`;
}
