/**
 * Seed ranges as a sweep's command line gives them: `1-5` (inclusive), `1,3,7`, `4`, or a mix
 * (`1-3,10`). Seeds are integers ≥ 0; a range must go upwards and no seed may repeat.
 * @module
 */
import { UsageError } from "../cli/errors.ts";

/** The most seeds one sweep takes (a guard against `1-1000000000`). */
export const MAX_SEEDS = 1000;

/**
 * The seeds of `text`, in the order given.
 *
 * @param text E.g. `1-5`, `1,3,7`, `1-3,10`.
 * @returns The seeds.
 * @throws {UsageError} On an empty part, a non-integer, a negative seed, a downward range such
 *   as `5-1`, a repeated seed, or more than {@linkcode MAX_SEEDS} seeds.
 *
 * @example Usage
 * ```ts
 * import { parseSeedRange } from "./seed_range.ts";
 * if (parseSeedRange("1-3,10").join() !== "1,2,3,10") throw new Error();
 * try {
 *   parseSeedRange("5-1");
 *   throw new Error("not refused");
 * } catch (e) {
 *   if (!(e as Error).message.includes("5-1")) throw e;
 * }
 * ```
 */
export function parseSeedRange(text: string): number[] {
  const seeds: number[] = [];
  for (const part of text.split(",")) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (m === null) {
      throw new UsageError(
        `--seeds ${JSON.stringify(text)}: ${
          JSON.stringify(part)
        } is not a seed or a range (give e.g. 1-5 or 1,3,7)`,
      );
    }
    const from = Number(m[1]), to = m[2] === undefined ? from : Number(m[2]);
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from > 2 ** 31) {
      throw new UsageError(`--seeds ${JSON.stringify(text)}: seeds must be below 2^31`);
    }
    if (to < from) {
      throw new UsageError(
        `--seeds ${
          JSON.stringify(text)
        }: the range ${from}-${to} goes downwards (write ${to}-${from})`,
      );
    }
    if (seeds.length + (to - from + 1) > MAX_SEEDS) {
      throw new UsageError(`--seeds ${JSON.stringify(text)}: more than ${MAX_SEEDS} seeds`);
    }
    for (let s = from; s <= to; s++) {
      if (seeds.includes(s)) {
        throw new UsageError(`--seeds ${JSON.stringify(text)}: seed ${s} is given twice`);
      }
      seeds.push(s);
    }
  }
  return seeds;
}
