import assert from "node:assert/strict";
import { Rng } from "../../../train/random.ts";
import { cropFlip, drawCropFlip, randomCropFlip } from "../../../train/data/random_crop_flip.ts";

/** Reference: build the zero-padded image, cut the window, then mirror it (torchvision order). */
function reference(
  src: Uint8Array,
  h: number,
  w: number,
  c: number,
  dy: number,
  dx: number,
  flip: boolean,
  p: number,
) {
  const ph = h + 2 * p, pw = w + 2 * p;
  const padded = new Uint8Array(ph * pw * c);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let k = 0; k < c; k++) padded[((y + p) * pw + x + p) * c + k] = src[(y * w + x) * c + k];
    }
  }
  const crop = new Uint8Array(h * w * c);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let k = 0; k < c; k++) {
        crop[(y * w + x) * c + k] = padded[((y + dy) * pw + x + dx) * c + k];
      }
    }
  }
  if (!flip) return crop;
  const out = new Uint8Array(h * w * c);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let k = 0; k < c; k++) out[(y * w + x) * c + k] = crop[(y * w + (w - 1 - x)) * c + k];
    }
  }
  return out;
}

Deno.test("cropFlip() matches hand-worked crops of a 3×3 image with padding 1", () => {
  // Padded image:   0 0 0 0 0
  //                 0 1 2 3 0
  //                 0 4 5 6 0
  //                 0 7 8 9 0
  //                 0 0 0 0 0
  const src = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const cases = [
    [0, 2, false, [0, 0, 0, 2, 3, 0, 5, 6, 0]], // rows 0..2, cols 2..4
    [2, 1, false, [4, 5, 6, 7, 8, 9, 0, 0, 0]], // rows 2..4, cols 1..3
    [1, 1, false, [1, 2, 3, 4, 5, 6, 7, 8, 9]], // the centre: identity
    [1, 1, true, [3, 2, 1, 6, 5, 4, 9, 8, 7]], // identity, mirrored
    [0, 0, true, [0, 0, 0, 2, 1, 0, 5, 4, 0]], // crop [[0,0,0],[0,1,2],[0,4,5]], then mirrored
    [2, 2, false, [5, 6, 0, 8, 9, 0, 0, 0, 0]],
  ] as const;
  for (const [dy, dx, flip, expected] of cases) {
    const out = cropFlip(src, [3, 3, 1], { dy, dx, flip }, 1, new Uint8Array(9).fill(99));
    assert.deepEqual([...out], expected, `dy=${dy} dx=${dx} flip=${flip}`);
  }
});

Deno.test("cropFlip() moves the channels of a pixel together", () => {
  // 1×2 RGB image: pixel 0 = (1, 2, 3), pixel 1 = (4, 5, 6).
  const src = new Uint8Array([1, 2, 3, 4, 5, 6]);
  assert.deepEqual([
    ...cropFlip(src, [1, 2, 3], { dy: 0, dx: 0, flip: true }, 0, new Uint8Array(6)),
  ], [4, 5, 6, 1, 2, 3]);
  assert.deepEqual([
    ...cropFlip(src, [1, 2, 3], { dy: 1, dx: 2, flip: false }, 1, new Uint8Array(6)),
  ], [4, 5, 6, 0, 0, 0]);
});

Deno.test("randomCropFlip() agrees with a pad-crop-flip reference on random CIFAR-sized images", () => {
  const data = new Rng(3, "test-images");
  const rng = new Rng(5, "augment");
  const twin = Rng.fromState(rng.state());
  for (let i = 0; i < 200; i++) {
    const src = new Uint8Array(32 * 32 * 3).map(() => 1 + data.int(255)); // never 0, so padding shows
    const { dy, dx, flip } = drawCropFlip(twin, 4);
    const out = randomCropFlip(src, [32, 32, 3], rng, new Uint8Array(src.length));
    assert.deepEqual(out, reference(src, 32, 32, 3, dy, dx, flip, 4));
    // The zero border is exactly what the offsets imply: |dy−4| rows and |dx−4| columns.
    const zeros = out.reduce((a, v) => a + (v === 0 ? 1 : 0), 0);
    assert.equal(zeros, 3 * (32 * 32 - (32 - Math.abs(dy - 4)) * (32 - Math.abs(dx - 4))));
  }
});

Deno.test("drawCropFlip() is deterministic per seed and covers every offset and both flips", () => {
  const draw = (seed: number) => {
    const rng = new Rng(seed, "augment");
    return Array.from({ length: 4000 }, () => drawCropFlip(rng, 4));
  };
  const a = draw(11);
  assert.deepEqual(a, draw(11));
  assert.notDeepEqual(a, draw(12));
  const offsets = new Set(a.map((d) => `${d.dy},${d.dx}`));
  assert.equal(offsets.size, 81); // dy, dx each in {0, …, 8}
  for (const d of a) assert.ok(d.dy >= 0 && d.dy <= 8 && d.dx >= 0 && d.dx <= 8);
  const flips = a.filter((d) => d.flip).length / a.length;
  assert.ok(Math.abs(flips - 0.5) < 0.04, `flip rate ${flips}`); // sd 0.008, so 5 sd
  // Three draws per image: dy, dx, then the coin.
  const rng = new Rng(11, "augment");
  assert.deepEqual(a[0], { dy: rng.int(9), dx: rng.int(9), flip: rng.uniform() < 0.5 });
});
