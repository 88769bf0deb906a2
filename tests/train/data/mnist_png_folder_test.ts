/**
 * The MNIST test set written as a PNG folder (lossless) trains on bit-identical batches to the
 * same images read through the IDX path: `folder:PATH` and `idx:DIR` give the same pixels,
 * labels, normalization (computed from the training split) and hence the same minibatches. On
 * the synthetic MNIST stand-in always, on the real files when ../shared/data has them.
 */
import assert from "node:assert/strict";
import { batches } from "../../../train/data/batches.ts";
import type { ImageDataset } from "../../../train/data/dataset.ts";
import { loadDataset } from "../../../train/data/load_dataset.ts";
import { computeNormalization } from "../../../train/data/normalization.ts";
import { loadRunData } from "../../../train/data/run_data.ts";
import { splitData } from "../../../train/data_source.ts";
import { syntheticMnistDir } from "../../_fixtures/synthetic_mnist.ts";
import { realDataTest } from "../../_fixtures/real_data.ts";
import { writeIdx, writePngFolder } from "./_image_folders.ts";

const config = (dataset: string) =>
  ({ dataset, label_mode: "fine", limit_train: 0, limit_test: 0 }) as const;

/** Writes `mnist` as a PNG folder and as IDX files in folder order; checks both load the same. */
async function checkSameBatches(mnist: ImageDataset): Promise<void> {
  const tmp = await Deno.makeTempDir();
  try {
    const order = await writePngFolder(mnist, `${tmp}/png`);
    await writeIdx(mnist, order, `${tmp}/idx`);
    const cacheDir = `${tmp}/cache`;
    const folder = await loadRunData(config(`folder:${tmp}/png`), {
      cacheDir,
      size: 28,
      channels: 1,
    });
    const idx = await loadRunData(config(`idx:${tmp}/idx`), { cacheDir });

    // the pixels: the folder's image n is the IDX file's image n, byte for byte
    assert.equal(folder.train.count, mnist.count);
    assert.deepEqual([folder.train.height, folder.train.width, folder.train.channels], [28, 28, 1]);
    assert.ok(Buffer.compare(folder.train.images, idx.train.images) === 0, "pixels differ");
    assert.deepEqual(folder.train.labels, idx.train.labels);
    assert.deepEqual(folder.record!.classes, ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    // and both are the original images, reordered by class
    const px = 28 * 28;
    for (const n of [0, 1, mnist.count >> 1, mnist.count - 1]) {
      const i = order[n];
      assert.deepEqual(
        folder.train.images.subarray(n * px, (n + 1) * px),
        mnist.images.subarray(i * px, (i + 1) * px),
      );
    }

    // the normalization of the training split, the same both ways, as computed independently
    const norm = folder.record!.normalization;
    assert.deepEqual(norm, idx.record!.normalization);
    let sum = 0, sq = 0;
    for (const v of mnist.images) sum += v / 255, sq += (v / 255) ** 2;
    const mean = sum / mnist.images.length;
    assert.ok(Math.abs(norm.mean[0] - mean) < 1e-12);
    assert.ok(Math.abs(norm.std[0] - Math.sqrt(sq / mnist.images.length - mean ** 2)) < 1e-9);
    assert.deepEqual(computeNormalization(mnist), norm, "order does not matter");

    // the run's batches: its seeded validation split, then minibatches
    const a = splitData(folder.train, 0.1, 1), b = splitData(idx.train, 0.1, 1);
    const indices = (s: typeof a) => (s.train as { indices: Uint32Array }).indices;
    assert.deepEqual(indices(a), indices(b));
    const options = { batchSize: 100, normalization: norm, dropLast: true };
    // in lockstep: a batch's arrays may be reused by the next one
    const fromIdx = batches(idx.train, indices(b), options);
    const bytes = (x: Float32Array) => new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
    let count = 0;
    for (const batch of batches(folder.train, indices(a), options)) {
      const other = fromIdx.next().value!;
      assert.ok(Buffer.compare(bytes(batch.x), bytes(other.x)) === 0, `batch ${count} differs`);
      assert.deepEqual(batch.y, other.y);
      count++;
    }
    assert.ok(fromIdx.next().done);
    assert.equal(count, Math.floor(indices(a).length / 100));
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
}

Deno.test("folder:PATH of the MNIST test set as PNGs gives the IDX path's batches bit for bit (synthetic MNIST)", async () => {
  const dir = await syntheticMnistDir();
  const tmp = await Deno.makeTempDir();
  try {
    const opts = { dataDir: dir, cacheDir: tmp, download: false };
    await checkSameBatches(await loadDataset("mnist", "test", opts));
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

realDataTest(
  "folder:PATH of the real MNIST test set as PNGs gives the IDX path's batches bit for bit",
  ["mnist"],
  async (dataDir) => {
    const tmp = await Deno.makeTempDir();
    try {
      const opts = { dataDir, cacheDir: tmp, download: false };
      await checkSameBatches(await loadDataset("mnist", "test", opts));
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
);
