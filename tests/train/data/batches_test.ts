import assert from "node:assert/strict";
import { Rng } from "../../../train/random.ts";
import { batchCount, batches } from "../../../train/data/batches.ts";
import type { ImageDataset } from "../../../train/data/dataset.ts";
import { NORMALIZATION, normalizationTable } from "../../../train/data/normalization.ts";
import { randomCropFlip } from "../../../train/data/random_crop_flip.ts";

/** `count` 1×1 grey images whose single pixel and label both equal the image's index. */
function indexDataset(count: number): ImageDataset {
  const bytes = new Uint8Array(count).map((_, i) => i);
  return {
    name: "idx",
    images: bytes,
    labels: bytes.slice(),
    count,
    height: 1,
    width: 1,
    channels: 1,
    numClasses: 256,
  };
}

const IDENTITY = { mean: [0], std: [1 / 255] }; // x = v (within float32 rounding)

function collect(ds: ImageDataset, order: Uint32Array, opts: Parameters<typeof batches>[2]) {
  // Copy each batch as it comes, since the buffers are reused by the next one.
  const out = [];
  for (const b of batches(ds, order, opts)) {
    out.push({ x: [...b.x], y: [...b.y], size: b.size, index: b.index });
  }
  return out;
}

Deno.test("batches() normalizes per channel as (v/255 − mean)/std, by hand", () => {
  // One 1×2 RGB image: pixel 0 = (0, 255, 128), pixel 1 = (51, 0, 0), label 7.
  const ds: ImageDataset = {
    name: "c",
    images: new Uint8Array([0, 255, 128, 51, 0, 0]),
    labels: new Uint8Array([7]),
    count: 1,
    height: 1,
    width: 2,
    channels: 3,
    numClasses: 10,
  };
  const [b] = [
    ...batches(ds, new Uint32Array([0]), { batchSize: 4, normalization: NORMALIZATION.cifar10 }),
  ];
  // Hand values: (0 − 0.4914)/0.2023 = −2.42906574, (1 − 0.4822)/0.1994 = 2.59679037,
  // (128/255 − 0.4465)/0.2010 = 0.27592430, (51/255 − 0.4914)/0.2023 = −1.44043500,
  // (0 − 0.4822)/0.1994 = −2.41825476, (0 − 0.4465)/0.2010 = −2.22139303.
  const hand = [-2.42906574, 2.59679037, 0.2759243, -1.440435, -2.41825476, -2.22139303];
  assert.equal(b.size, 1);
  assert.deepEqual([...b.y], [7]);
  assert.equal(b.x.length, 6);
  b.x.forEach((v, i) =>
    assert.ok(Math.abs(v - hand[i]) < 1e-6, `x[${i}] = ${v}, expected ${hand[i]}`)
  );
  // Bit-exact float32 values from numpy, as torch computes them:
  // (np.float32(v) / np.float32(255) - np.float32(mean)) / np.float32(std).
  assert.equal(b.x[0], -2.429065704345703);
  assert.equal(b.x[1], 2.596790313720703);
  assert.equal(b.x[2], 0.275924414396286);
  assert.equal(b.x[3], -1.4404350519180298);
});

Deno.test("batches() follows the order, and dropLast drops only a partial last batch", () => {
  const ds = indexDataset(10);
  const order = new Uint32Array([9, 3, 0, 1, 2, 8, 7, 6, 5, 4]);
  const all = collect(ds, order, { batchSize: 4, normalization: IDENTITY });
  assert.deepEqual(all.map((b) => b.y), [[9, 3, 0, 1], [2, 8, 7, 6], [5, 4]]);
  assert.deepEqual(all.map((b) => b.x.map(Math.round)), [[9, 3, 0, 1], [2, 8, 7, 6], [5, 4]]);
  assert.deepEqual(all.map((b) => [b.size, b.index]), [[4, 0], [4, 1], [2, 2]]);
  const dropped = collect(ds, order, { batchSize: 4, normalization: IDENTITY, dropLast: true });
  assert.deepEqual(dropped.map((b) => b.y), [[9, 3, 0, 1], [2, 8, 7, 6]]);
  const exact = collect(ds, order, { batchSize: 5, normalization: IDENTITY, dropLast: true });
  assert.deepEqual(exact.map((b) => b.size), [5, 5]);
  assert.deepEqual([batchCount(10, 4, false), batchCount(10, 4, true), batchCount(0, 4, false)], [
    3,
    2,
    0,
  ]);
  // `limit`: the caller slices the order.
  assert.deepEqual(
    collect(ds, order.subarray(0, 3), { batchSize: 2, normalization: IDENTITY }).map((b) => b.y),
    [[9, 3], [0]],
  );
});

Deno.test("batches() starts at batch `start` and reuses its buffers", () => {
  const ds = indexDataset(10);
  const order = new Uint32Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const tail = collect(ds, order, { batchSize: 3, normalization: IDENTITY, start: 2 });
  assert.deepEqual(tail.map((b) => [b.index, b.y]), [[2, [6, 7, 8]], [3, [9]]]);
  assert.deepEqual(collect(ds, order, { batchSize: 3, normalization: IDENTITY, start: 4 }), []);
  const buffers = [...batches(ds, order, { batchSize: 3, normalization: IDENTITY })].map((b) =>
    b.x.buffer
  );
  assert.ok(buffers.every((buf) => buf === buffers[0]));
  assert.equal(buffers[0].byteLength, 3 * 4);
});

Deno.test("batches() with augmentation is deterministic per seed and resumes exactly with `start`", () => {
  const data = new Rng(1, "test-images");
  const count = 20;
  const images = new Uint8Array(count * 32 * 32 * 3).map(() => data.int(256));
  const ds: ImageDataset = {
    name: "cifar10",
    images,
    labels: new Uint8Array(count).map((_, i) => i % 10),
    count,
    height: 32,
    width: 32,
    channels: 3,
    numClasses: 10,
  };
  const order = new Rng(2, "shuffle").permutation(count);
  const opts = { batchSize: 6, normalization: NORMALIZATION.cifar10 };
  const run = (seed: number) => collect(ds, order, { ...opts, augment: new Rng(seed, "augment") });
  const a = run(10);
  assert.deepEqual(a, run(10));
  assert.notDeepEqual(a, run(11));
  // Against randomCropFlip + the table, one example at a time.
  const rng = new Rng(10, "augment");
  const table = normalizationTable(NORMALIZATION.cifar10);
  const out = new Uint8Array(3072);
  for (let i = 0; i < count; i++) {
    const n = order[i];
    randomCropFlip(images.subarray(n * 3072, (n + 1) * 3072), [32, 32, 3], rng, out);
    const x = a[Math.floor(i / 6)].x.slice((i % 6) * 3072, (i % 6 + 1) * 3072);
    assert.deepEqual(x, [...out].map((v, k) => table[(k % 3) * 256 + v]));
  }
  // Resume: save the stream after batch 1, continue from batch 2 in a fresh generator.
  const live = new Rng(10, "augment");
  const it = batches(ds, order, { ...opts, augment: live });
  it.next();
  it.next();
  const saved = live.state();
  const resumed = collect(ds, order, { ...opts, augment: Rng.fromState(saved), start: 2 });
  assert.deepEqual(resumed, a.slice(2));
  // Without augmentation, no random numbers are drawn at all.
  const still = new Rng(10, "augment");
  const before = still.state();
  collect(ds, order, opts);
  assert.deepEqual(still.state(), before);
});

Deno.test("batches() rejects bad options and indices", () => {
  const ds = indexDataset(4);
  const order = new Uint32Array([0, 1, 2, 3]);
  const cases = [
    [
      { batchSize: 0, normalization: IDENTITY },
      order,
      /batchSize must be a positive integer: current value is 0/,
    ],
    [
      { batchSize: 2, normalization: IDENTITY, start: 3 },
      order,
      /start must be an integer in \[0, 2\]: current value is 3/,
    ],
    [
      { batchSize: 2, normalization: IDENTITY, padding: -1 },
      order,
      /padding must be a non-negative integer/,
    ],
    [
      { batchSize: 2, normalization: NORMALIZATION.cifar10 },
      order,
      /must have 1 channel\(s\): current mean has 3/,
    ],
    [
      { batchSize: 2, normalization: IDENTITY },
      new Uint32Array([0, 4]),
      /order\[1\] must be < 4: current value is 4/,
    ],
  ] as const;
  for (const [opts, ord, message] of cases) {
    assert.throws(
      () => [...batches(ds, ord, opts)],
      (e: Error) => e instanceof RangeError && message.test(e.message),
    );
  }
});
