/**
 * One closeness check for every test that compares numbers against a reference.
 * @module
 */

/** How {@linkcode assertClose} scales its tolerance. */
export interface CloseOptions {
  /** Compare `|a − e| ≤ tol` instead of a relative bound (default false). */
  absolute?: boolean;
  /** The relative bound is `tol · max(|e|, floor)` (default 1e-30; 1 makes small values absolute). */
  floor?: number;
}

/**
 * Asserts `actual` equals `expected` element-wise within `tol`: relative,
 * `|a − e| ≤ tol · max(|e|, floor)`, unless `absolute`. `tol = 0` means bit-identical
 * (`Object.is` or `===`, so NaN matches NaN and 0 matches −0). Numbers compare as one-element arrays.
 *
 * @param actual The values computed.
 * @param expected The reference values (same length).
 * @param tol The tolerance; 0 = bit-identical.
 * @param what What is compared, for the error message.
 * @param options The tolerance's scale.
 * @throws {Error} On a length mismatch or the first element out of tolerance.
 * @example Usage
 * ```ts
 * import { assertClose } from "./assert_close.ts";
 * assertClose([1, 2.0000001], [1, 2], 1e-6, "relative");
 * assertClose(1e-7, 0, 1e-6, "small values", { floor: 1 });
 * assertClose(0.3, 0.1 + 0.2, 1e-9, "absolute", { absolute: true });
 * let threw = false;
 * try { assertClose([NaN, 1], [NaN, 1 + 2 ** -52], 0, "bits"); } catch { threw = true; }
 * if (!threw) throw new Error("0 is bit-identical");
 * ```
 */
export function assertClose(
  actual: number | ArrayLike<number>,
  expected: number | ArrayLike<number>,
  tol: number,
  what: string,
  { absolute = false, floor = 1e-30 }: CloseOptions = {},
): void {
  const got = typeof actual === "number" ? [actual] : actual;
  const want = typeof expected === "number" ? [expected] : expected;
  if (got.length !== want.length) {
    throw new Error(`${what}: length ${got.length} != ${want.length}`);
  }
  for (let i = 0; i < got.length; i++) {
    const a = got[i], e = want[i];
    const ok = tol === 0
      ? Object.is(a, e) || a === e
      : Math.abs(a - e) <= (absolute ? tol : tol * Math.max(Math.abs(e), floor));
    if (!ok) throw new Error(`${what}[${i}]: got ${a}, expected ${e} (tol ${tol})`);
  }
}
