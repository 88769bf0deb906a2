/**
 * The page's preprocessing (serve/page/preprocess.js) against hand-computed values and against
 * the trainer's own normalization table.
 * @module
 */
import assert from "node:assert/strict";
import {
  centerOfMass,
  centreSquare,
  inkBounds,
  mnistDigit,
  normalizeImage,
  resizeArea,
} from "../../serve/page/preprocess.js";
import { NORMALIZATION, normalizationTable } from "../../train/data/normalization.ts";

Deno.test("resizeArea() averages the area each output pixel covers", () => {
  // 4 → 2: pairs; 3 → 2: [0, 1.5) and [1.5, 3)
  assert.deepEqual(Array.from(resizeArea([0, 255, 255, 0], 4, 1, 2, 1)), [127.5, 127.5]);
  assert.deepEqual(Array.from(resizeArea([0, 255, 255], 3, 1, 2, 1)), [85, 255]);
  // 2×2 → 1×1: the mean
  assert.deepEqual(Array.from(resizeArea([0, 100, 200, 100], 2, 2, 1, 1)), [100]);
});

Deno.test("inkBounds() and centerOfMass() of a small image", () => {
  const img = [0, 0, 0, 0, 0, 9, 0, 0, 0, 3, 0, 0];
  assert.deepEqual(inkBounds(img, 4, 3), { x0: 1, y0: 1, x1: 2, y1: 3 });
  assert.equal(inkBounds([0, 0], 2, 1), null);
  // mass 9 at (1.5, 1.5) and 3 at (1.5, 2.5): y = (9·1.5 + 3·2.5) / 12 = 1.75
  assert.deepEqual(centerOfMass(img, 4, 3), [1.5, 1.75]);
});

Deno.test("mnistDigit() fits the ink in 20×20 and puts its centre of mass at (14, 14)", () => {
  // a 40 × 160 bar at x 100..139, y 60..219 of a 280 × 280 pad → 5 × 20 (scale 1/8), all ink;
  // its centre of mass (2.5, 10) moves by round(14 − 2.5) = 12, round(14 − 10) = 4
  const ink = new Uint8Array(280 * 280);
  for (let y = 60; y < 220; y++) ink.fill(255, y * 280 + 100, y * 280 + 140);
  const digit = mnistDigit(ink, 280, 280)!;
  const expected = new Uint8Array(28 * 28);
  for (let y = 4; y < 24; y++) expected.fill(255, y * 28 + 12, y * 28 + 17);
  assert.deepEqual(digit, expected);
  assert.equal(mnistDigit(new Uint8Array(16), 4, 4), null);
  // a wide stroke keeps its aspect ratio: 160 × 40 → 20 × 5
  const wide = new Uint8Array(280 * 280);
  for (let y = 100; y < 140; y++) wide.fill(128, y * 280 + 60, y * 280 + 220);
  const w = mnistDigit(wide, 280, 280)!;
  assert.deepEqual(inkBounds(w, 28, 28), { x0: 4, y0: 12, x1: 24, y1: 17 });
  assert.ok(w.every((v) => v === 0 || v === 128));
});

Deno.test("normalizeImage() equals the trainer's normalization table, HWC → CHW", () => {
  const table = normalizationTable(NORMALIZATION.cifar10);
  const pixels = Uint8Array.from({ length: 2 * 3 * 3 }, (_, i) => (i * 37) % 256);
  const x = normalizeImage(pixels, 2, 3, {
    mean: [...NORMALIZATION.cifar10.mean],
    std: [...NORMALIZATION.cifar10.std],
  });
  for (let c = 0; c < 3; c++) {
    for (let p = 0; p < 6; p++) assert.equal(x[c * 6 + p], table[c * 256 + pixels[p * 3 + c]]);
  }
});

Deno.test("centreSquare() crops the middle square of a picture", () => {
  assert.deepEqual(centreSquare(640, 480), { sx: 80, sy: 0, side: 480 });
  assert.deepEqual(centreSquare(32, 33), { sx: 0, sy: 0, side: 32 });
});
