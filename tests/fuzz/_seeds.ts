/**
 * Valid seed files for the fuzz tests, written in the official formats by the tests themselves.
 * @module
 */
import { generator } from "./_mutate.ts";

/**
 * A valid IDX images file of `count` 28×28 random images and its labels file (labels `i % 10`).
 *
 * @example Usage
 * ```ts
 * import { tinyIdx } from "./_seeds.ts";
 * const { images, labels } = tinyIdx(2);
 * if (images.length !== 16 + 2 * 784 || labels.length !== 10) throw new Error();
 * ```
 */
export function tinyIdx(count = 6): { images: Uint8Array; labels: Uint8Array } {
  const rand = generator(99);
  const images = new Uint8Array(16 + count * 784);
  const labels = new Uint8Array(8 + count);
  const iv = new DataView(images.buffer), lv = new DataView(labels.buffer);
  iv.setUint32(0, 0x803), iv.setUint32(4, count), iv.setUint32(8, 28), iv.setUint32(12, 28);
  lv.setUint32(0, 0x801), lv.setUint32(4, count);
  for (let i = 16; i < images.length; i++) images[i] = Math.floor(rand() * 256);
  for (let i = 0; i < count; i++) labels[8 + i] = i % 10;
  return { images, labels };
}
