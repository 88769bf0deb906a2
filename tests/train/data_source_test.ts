import assert from "node:assert/strict";
import { indicesOf, labelsOf, sizeOf, splitData } from "../../train/data_source.ts";
import type { ImageDataset } from "../../train/data/dataset.ts";

function dataset(count: number): ImageDataset {
  return {
    name: "t",
    images: new Uint8Array(count),
    labels: Uint8Array.from({ length: count }, (_, i) => i % 10),
    count,
    height: 1,
    width: 1,
    channels: 1,
    numClasses: 10,
  };
}

Deno.test("splitData() splits by a seeded shuffle into disjoint sets covering all examples", () => {
  const ds = dataset(1000);
  const cases = [[0.1, 900, 100], [0.25, 750, 250], [0.5, 500, 500]] as const;
  for (const [fraction, nTrain, nVal] of cases) {
    const { train, val } = splitData(ds, fraction, 1);
    assert.equal(sizeOf(train), nTrain);
    assert.equal(sizeOf(val!), nVal);
    const all = [...indicesOf(train), ...indicesOf(val!)].sort((a, b) => a - b);
    assert.deepEqual(all, Array.from({ length: 1000 }, (_, i) => i));
    assert.deepEqual(
      indicesOf(splitData(ds, fraction, 1).val!),
      indicesOf(val!),
      "same seed, same split",
    );
    assert.notDeepEqual(indicesOf(splitData(ds, fraction, 2).val!), indicesOf(val!), "other seed");
  }
  const none = splitData(ds, 0, 1);
  assert.equal(none.train, ds);
  assert.equal(none.val, null);
  assert.throws(
    () => splitData(dataset(5), 0.1, 1),
    /it leaves 5 training and 0 validation examples/,
  );
});

Deno.test("labelsOf() and indicesOf() follow the subset's order", () => {
  const ds = dataset(20);
  const sub = { dataset: ds, indices: new Uint32Array([13, 2, 7]) };
  assert.deepEqual([...labelsOf(sub)], [3, 2, 7]);
  assert.deepEqual([...indicesOf(sub)], [13, 2, 7]);
  assert.equal(labelsOf(ds), ds.labels);
  assert.equal(sizeOf(ds), 20);
});
