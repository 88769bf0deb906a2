/**
 * 1-bit packing of ±1 weights. Element `i` of the flat weight array becomes bit
 * `7 − (i mod 8)` of byte `⌊i/8⌋` (most significant bit first, as numpy's
 * `packbits`): bit 1 ⇔ w = +1, bit 0 ⇔ w = −1. The trailing bits of the last byte
 * are 0. The ONNX graph undoes this with standard opset-17 arithmetic
 * ({@linkcode ./_weight_set.ts}): bit_k(b) = ⌊b / 2^(7−k)⌋ mod 2, w = 2·bit − 1.
 * @module
 */

/**
 * Packs a ±1 array into bytes, 8 weights per byte, MSB first.
 *
 * @param weights Values that must each be exactly +1 or −1.
 * @returns `⌈n/8⌉` bytes.
 * @throws {RangeError} If a value is neither +1 nor −1.
 *
 * @example Usage
 * ```ts
 * import { packBits } from "./pack.ts";
 * const b = packBits(new Float32Array([1, -1, -1, -1, -1, -1, -1, 1, 1]));
 * if (b[0] !== 0b10000001 || b[1] !== 0b10000000) throw new Error(String(b));
 * ```
 */
export function packBits(weights: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(Math.ceil(weights.length / 8));
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i];
    if (w === 1) out[i >> 3] |= 0x80 >> (i & 7);
    else if (w !== -1) {
      throw new RangeError(
        `Cannot pack weights as every value must be +1 or -1: value at index ${i} is ${w}`,
      );
    }
  }
  return out;
}

/**
 * Inverse of {@linkcode packBits}: the first `n` weights as ±1 floats.
 *
 * @example Usage
 * ```ts
 * import { packBits, unpackBits } from "./pack.ts";
 * const w = new Float32Array([1, -1, 1]);
 * if (unpackBits(packBits(w), 3).join() !== "1,-1,1") throw new Error("round trip");
 * ```
 */
export function unpackBits(bytes: Uint8Array, n: number): Float32Array {
  if (n > bytes.length * 8) {
    throw new RangeError(
      `Cannot unpack ${n} weights from ${bytes.length} bytes (at most ${bytes.length * 8})`,
    );
  }
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (bytes[i >> 3] >> (7 - (i & 7))) & 1 ? 1 : -1;
  return out;
}
