import assert from "node:assert/strict";
import path from "node:path";
import { loadDataset } from "../../../train/data/load_dataset.ts";
import { DataError } from "../../../train/data/data_error.ts";
import type { ImageDataset } from "../../../train/data/dataset.ts";
import { cifarRecords, gzip, makeTar, pattern, withTempDir } from "./_fixtures.ts";
import { realDataTest } from "../../_fixtures/real_data.ts";
import { syntheticMnistDir } from "../../_fixtures/synthetic_mnist.ts";

function histogram(labels: Uint8Array, classes: number): number[] {
  const h = new Array(classes).fill(0);
  for (const l of labels) h[l]++;
  return h;
}

/** Pixel (n, y, x, ·) of an NHWC dataset, all channels. */
function pixel(ds: ImageDataset, n: number, y: number, x: number): number[] {
  const o = ((n * ds.height + y) * ds.width + x) * ds.channels;
  return [...ds.images.subarray(o, o + ds.channels)];
}

function imageSum(ds: ImageDataset, n: number): number {
  const size = ds.height * ds.width * ds.channels;
  return ds.images.subarray(n * size, (n + 1) * size).reduce((a, b) => a + b, 0);
}

// Expected values below were computed independently with /usr/bin/python3 from the files in
// shared/data: gzip.open(...).read(), struct.unpack(">IIII", header), collections.Counter(labels),
// pixel = data[16 + n*784 + y*28 + x] for MNIST; for CIFAR-10 `xz -dc` then
// label = rec[0], pixel (y, x, c) = rec[1 + c*1024 + y*32 + x] with rec = bytes[n*3073:(n+1)*3073].
const MNIST_EXPECTED = {
  train: {
    count: 60000,
    histogram: [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
    first: [5, 0, 4, 1, 9, 2, 1, 3, 1, 4],
    last: 8,
    // [n, y, x, value]
    pixels: [[0, 14, 14, 240], [0, 7, 10, 253], [1, 10, 10, 238], [59999, 14, 14, 97], [
      12345,
      15,
      13,
      96,
    ]],
    sums: [[0, 27525], [59999, 20920]],
  },
  test: {
    count: 10000,
    histogram: [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
    first: [7, 2, 1, 0, 4, 1, 4, 9, 5, 9],
    last: 6,
    pixels: [[0, 14, 14, 0], [0, 7, 10, 60], [1, 10, 10, 0], [9999, 14, 14, 18], [
      2345,
      15,
      13,
      148,
    ]],
    sums: [[0, 18454], [9999, 41833]],
  },
} as const;

realDataTest("loadDataset() reads the real MNIST files: counts, label histograms, pixels", [
  "mnist",
], async (realData) => {
  for (const split of ["train", "test"] as const) {
    const e = MNIST_EXPECTED[split];
    const ds = await loadDataset("mnist", split, {
      dataDir: realData,
      cacheDir: "/nonexistent",
      download: false,
    });
    assert.deepEqual(
      [ds.name, ds.count, ds.height, ds.width, ds.channels, ds.numClasses],
      ["mnist", e.count, 28, 28, 1, 10],
    );
    assert.equal(ds.images.length, e.count * 784);
    assert.deepEqual(histogram(ds.labels, 10), e.histogram);
    assert.deepEqual([...ds.labels.subarray(0, 10)], e.first);
    assert.equal(ds.labels[e.count - 1], e.last);
    for (const [n, y, x, v] of e.pixels) {
      assert.deepEqual(pixel(ds, n, y, x), [v], `${split} ${n} ${y} ${x}`);
    }
    for (const [n, s] of e.sums) assert.equal(imageSum(ds, n), s);
  }
});

Deno.test("loadDataset() reads ungzipped MNIST in torchvision's MNIST/raw layout via BNN_DATA_DIR", async () => {
  // MNIST-format files written by the tests (see tests/_fixtures/synthetic_mnist.ts), read back
  // by hand: labels from byte 8, pixels from byte 16 of the IDX files.
  const source = `${await syntheticMnistDir()}/mnist`;
  const labels = (await Deno.readFile(`${source}/t10k-labels-idx1-ubyte`)).subarray(8);
  const images = (await Deno.readFile(`${source}/t10k-images-idx3-ubyte`)).subarray(16);
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/MNIST/raw`, { recursive: true });
    for (const f of ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]) {
      await Deno.copyFile(`${source}/${f}`, `${dir}/MNIST/raw/${f}`);
    }
    const saved = Deno.env.get("BNN_DATA_DIR");
    Deno.env.set("BNN_DATA_DIR", dir);
    try {
      const ds = await loadDataset("mnist", "test", { cacheDir: `${dir}/cache`, download: false });
      assert.equal(ds.count, 10000);
      assert.deepEqual(histogram(ds.labels, 10), histogram(labels, 10));
      assert.deepEqual([...ds.labels.subarray(9990)], [...labels.subarray(9990)]);
      for (const [n, y, x] of [[0, 14, 14], [2345, 15, 13], [9999, 10, 20]]) {
        assert.deepEqual(pixel(ds, n, y, x), [images[n * 784 + y * 28 + x]]);
      }
      assert.equal(
        imageSum(ds, 2345),
        images.subarray(2345 * 784, 2346 * 784).reduce((a, v) => a + v),
      );
    } finally {
      if (saved === undefined) Deno.env.delete("BNN_DATA_DIR");
      else Deno.env.set("BNN_DATA_DIR", saved);
    }
  });
});

realDataTest("loadDataset() reads the real CIFAR-10 (.bin.xz, cached), NHWC", [
  "cifar10",
], async (realData, t) => {
  await withTempDir(async (cache) => {
    const opts = { dataDir: realData, cacheDir: cache, download: false };
    await t.step("test split", async () => {
      const ds = await loadDataset("cifar10", "test", opts);
      assert.deepEqual([ds.count, ds.height, ds.width, ds.channels, ds.numClasses], [
        10000,
        32,
        32,
        3,
        10,
      ]);
      assert.deepEqual(histogram(ds.labels, 10), new Array(10).fill(1000));
      assert.deepEqual([...ds.labels.subarray(0, 10)], [3, 8, 8, 0, 6, 6, 1, 6, 3, 1]);
      // [n, y, x, [R, G, B]]: NHWC (y, x, c) = record plane c at y*32+x.
      const pixels = [[0, 0, 0, [158, 112, 49]], [0, 16, 5, [78, 86, 90]], [9999, 31, 31, [
        27,
        26,
        26,
      ]], [
        1234,
        10,
        20,
        [154, 134, 138],
      ]] as const;
      for (const [n, y, x, rgb] of pixels) assert.deepEqual(pixel(ds, n, y, x), rgb);
    });
    await t.step("train split: 5 batches in order", async () => {
      const ds = await loadDataset("cifar10", "train", opts);
      assert.equal(ds.count, 50000);
      assert.deepEqual(histogram(ds.labels, 10), new Array(10).fill(5000));
      assert.deepEqual([...ds.labels.subarray(0, 10)], [6, 9, 9, 4, 1, 1, 2, 7, 8, 3]); // data_batch_1
      assert.deepEqual([...ds.labels.subarray(40000, 40010)], [1, 8, 5, 1, 5, 7, 4, 3, 8, 2]); // data_batch_5
      const pixels = [
        [0, 0, 0, [59, 62, 63]],
        [0, 16, 5, [64, 40, 21]],
        [9999, 31, 31, [167, 198, 131]],
        [1234, 10, 20, [167, 167, 167]],
        [40000, 0, 0, [255, 255, 254]],
        [40000, 16, 5, [215, 217, 207]],
        [41234, 10, 20, [210, 211, 220]],
        [49999, 31, 31, [163, 163, 161]],
      ] as const;
      for (const [n, y, x, rgb] of pixels) assert.deepEqual(pixel(ds, n, y, x), rgb);
    });
    await t.step("the decompressed files are cached and reused", async () => {
      const cached: string[] = [];
      for await (const d of Deno.readDir(`${cache}/xz`)) {
        for await (const f of Deno.readDir(`${cache}/xz/${d.name}`)) {
          cached.push(`${cache}/xz/${d.name}/${f.name}`);
        }
      }
      assert.deepEqual(cached.map((f) => path.basename(f)).sort(), [
        "data_batch_1.bin",
        "data_batch_2.bin",
        "data_batch_3.bin",
        "data_batch_4.bin",
        "data_batch_5.bin",
        "test_batch.bin",
      ]);
      const before = await Promise.all(
        cached.map(async (f) => (await Deno.stat(f)).mtime?.getTime()),
      );
      const ds = await loadDataset("cifar10", "test", opts);
      assert.deepEqual(pixel(ds, 0, 0, 0), [158, 112, 49]);
      const after = await Promise.all(
        cached.map(async (f) => (await Deno.stat(f)).mtime?.getTime()),
      );
      assert.deepEqual(after, before);
    });
    await t.step(
      "the official archive layout (tar.gz made by GNU tar) loads the same",
      async () => {
        await withTempDir(async (dir) => {
          const test = (await Array.fromAsync(Deno.readDir(`${cache}/xz`))).map((d) =>
            `${cache}/xz/${d.name}/test_batch.bin`
          );
          const src = (await Promise.all(test.map((f) => Deno.stat(f).then(() => f, () => null))))
            .find((f) => f);
          await Deno.mkdir(`${dir}/pack/cifar-10-batches-bin`, { recursive: true });
          await Deno.copyFile(src!, `${dir}/pack/cifar-10-batches-bin/test_batch.bin`);
          const r = await new Deno.Command("tar", {
            args: [
              "-czf",
              `${dir}/cifar-10-binary.tar.gz`,
              "-C",
              `${dir}/pack`,
              "cifar-10-batches-bin",
            ],
          }).output();
          assert.ok(r.success);
          const ds = await loadDataset("cifar10", "test", {
            dataDir: dir,
            cacheDir: `${dir}/cache`,
            download: false,
          });
          assert.deepEqual(pixel(ds, 9999, 31, 31), [27, 26, 26]);
          assert.deepEqual(histogram(ds.labels, 10), new Array(10).fill(1000));
          // Extracted into the cache, never into the data folder.
          await Deno.stat(`${dir}/cache/cifar-10/cifar-10-batches-bin/test_batch.bin`);
          // The train split is not in this archive.
          await assert.rejects(
            () =>
              loadDataset("cifar10", "train", {
                dataDir: dir,
                cacheDir: `${dir}/cache`,
                download: false,
              }),
            /cifar-10-binary\.tar\.gz: archive has no member cifar-10-batches-bin\/data_batch_1\.bin/,
          );
        });
      },
    );
  });
});

Deno.test("loadDataset() md5-checks a local copy of an official file as a download", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/cifar-10-batches-bin`);
    await Deno.writeFile(`${dir}/cifar-10-batches-bin/test_batch.bin`, cifarRecords([[1], [2]]));
    await assert.rejects(
      () => loadDataset("cifar10", "test", { dataDir: dir, cacheDir: dir, download: false }),
      /test_batch\.bin: MD5 [0-9a-f]{32} is not the official 803d5f7f4d78ea53de84dbe85f74fb6d: not cifar10's file \(for another dataset in this format use --dataset cifar:DIR\)/,
    );
  });
});

// CIFAR-100 fixtures in the official layout: records <coarse><fine><3072 pixels>.
const C100_TRAIN = [[3, 17], [19, 99], [0, 0], [7, 42], [3, 18]];
const C100_TEST = [[11, 55], [2, 4], [19, 73]];

async function checkCifar100(opts: { dataDir: string; cacheDir: string }) {
  const fine = await loadDataset("cifar100", "train", { ...opts, download: false });
  assert.deepEqual([fine.name, fine.count, fine.numClasses], ["cifar100", 5, 100]);
  assert.deepEqual([...fine.labels], C100_TRAIN.map((l) => l[1]));
  const coarse = await loadDataset("cifar100", "train", {
    ...opts,
    labels: "coarse",
    download: false,
  });
  assert.deepEqual(coarse.numClasses, 20);
  assert.deepEqual([...coarse.labels], C100_TRAIN.map((l) => l[0]));
  assert.deepEqual(coarse.images, fine.images);
  for (const [n, y, x] of [[0, 0, 0], [4, 31, 30], [2, 9, 17]]) {
    assert.deepEqual(pixel(fine, n, y, x), [0, 1, 2].map((c) => pattern(n, c, y * 32 + x)));
  }
  const test = await loadDataset("cifar100", "test", { ...opts, download: false });
  assert.deepEqual([...test.labels], C100_TEST.map((l) => l[1]));
  assert.deepEqual(pixel(test, 2, 31, 31), [0, 1, 2].map((c) => pattern(2, c, 1023)));
}

Deno.test("loadDataset() reads CIFAR-100 from its folder, fine and coarse labels", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/cifar-100/cifar-100-binary`, { recursive: true });
    await Deno.writeFile(`${dir}/cifar-100/cifar-100-binary/train.bin`, cifarRecords(C100_TRAIN));
    await Deno.writeFile(`${dir}/cifar-100/cifar-100-binary/test.bin`, cifarRecords(C100_TEST));
    await checkCifar100({ dataDir: dir, cacheDir: `${dir}/cache` });
  });
});

Deno.test("loadDataset() reads CIFAR-100 from the official tar.gz, extracting into the cache", async () => {
  await withTempDir(async (dir) => {
    const tar = makeTar([
      { name: "cifar-100-binary/", type: "5" },
      {
        name: "cifar-100-binary/coarse_label_names.txt",
        data: new TextEncoder().encode("aquatic_mammals\n"),
      },
      { name: "cifar-100-binary/train.bin", data: cifarRecords(C100_TRAIN) },
      { name: "cifar-100-binary/test.bin", data: cifarRecords(C100_TEST) },
    ]);
    await Deno.mkdir(`${dir}/data`);
    await Deno.writeFile(`${dir}/data/cifar-100-binary.tar.gz`, await gzip(tar));
    await checkCifar100({ dataDir: `${dir}/data`, cacheDir: `${dir}/cache` });
    const extracted =
      (await Array.fromAsync(Deno.readDir(`${dir}/cache/cifar-100/cifar-100-binary`))).map((e) =>
        e.name
      );
    assert.deepEqual(extracted.sort(), ["coarse_label_names.txt", "test.bin", "train.bin"]);
    assert.deepEqual((await Array.fromAsync(Deno.readDir(`${dir}/data`))).map((e) => e.name), [
      "cifar-100-binary.tar.gz",
    ]);
  });
});

Deno.test("loadDataset() rejects a CIFAR-100 file with 3073-byte records", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/cifar-100-binary`);
    await Deno.writeFile(`${dir}/cifar-100-binary/test.bin`, cifarRecords([[1], [2], [3]]));
    await assert.rejects(
      () => loadDataset("cifar100", "test", { dataDir: dir, cacheDir: dir, download: false }),
      (e: Error) => {
        assert.ok(e instanceof DataError);
        assert.match(
          e.message,
          /test\.bin: bad record size: file size 9219 is not a multiple of the record size 3074/,
        );
        return true;
      },
    );
  });
});

Deno.test("loadDataset() rejects unknown names, splits and label kinds", async () => {
  const cases = [
    [
      () => loadDataset("svhn" as "mnist", "train"),
      /name must be one of mnist, cifar10, cifar100: current value is "svhn"/,
    ],
    [
      () => loadDataset("mnist", "val" as "test"),
      /split must be "train" or "test": current value is "val"/,
    ],
    [
      () => loadDataset("cifar10", "test", { labels: "coarse" }),
      /labels must be "fine": current value is "coarse"/,
    ],
    [
      () => loadDataset("cifar100", "test", { labels: "medium" as "fine" }),
      /labels must be "fine" or "coarse": current value is "medium"/,
    ],
  ] as const;
  for (const [call, message] of cases) {
    await assert.rejects(call, (e: Error) => e instanceof RangeError && message.test(e.message));
  }
});
