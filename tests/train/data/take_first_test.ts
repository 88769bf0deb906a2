import assert from "node:assert/strict";
import { takeFirst } from "../../../train/data/take_first.ts";
import type { ImageDataset } from "../../../train/data/dataset.ts";

function tiny(count: number): ImageDataset {
  const px = 2 * 2 * 3;
  return {
    name: "tiny",
    images: Uint8Array.from({ length: count * px }, (_, i) => i % 256),
    labels: Uint8Array.from({ length: count }, (_, i) => i % 10),
    count,
    height: 2,
    width: 2,
    channels: 3,
    numClasses: 10,
  };
}

Deno.test("takeFirst() keeps the first n images and labels as views", () => {
  const ds = tiny(5);
  const first = takeFirst(ds, 3);
  assert.equal(first.count, 3);
  assert.deepEqual([...first.labels], [0, 1, 2]);
  assert.deepEqual([...first.images], [...ds.images.subarray(0, 36)]);
  assert.equal(first.images.buffer, ds.images.buffer);
});

Deno.test("takeFirst() keeps everything for 0 or n >= count", () => {
  const ds = tiny(4);
  for (const n of [0, 4, 9]) assert.equal(takeFirst(ds, n), ds);
});

Deno.test("takeFirst() rejects a negative or fractional n", () => {
  assert.throws(() => takeFirst(tiny(2), -1), /current value is -1/);
  assert.throws(() => takeFirst(tiny(2), 1.5), /current value is 1.5/);
});
