import assert from "node:assert/strict";
import { DATASETS } from "../../../train/data/datasets.ts";
import { NORMALIZATION } from "../../../train/data/normalization.ts";

Deno.test("DATASETS describes the three datasets consistently", () => {
  assert.deepEqual(Object.keys(DATASETS), ["mnist", "cifar10", "cifar100"]);
  const shapes = {
    mnist: [28, 28, 1, 10],
    cifar10: [32, 32, 3, 10],
    cifar100: [32, 32, 3, 100],
  } as const;
  for (const [name, info] of Object.entries(DATASETS)) {
    const key = name as keyof typeof DATASETS;
    assert.equal(info.name, name);
    assert.deepEqual([info.height, info.width, info.channels, info.numClasses], shapes[key]);
    assert.equal(info.normalization, NORMALIZATION[key]);
    assert.equal(info.normalization.mean.length, info.channels);
    assert.deepEqual(
      info.counts,
      name === "mnist" ? { train: 60000, test: 10000 } : { train: 50000, test: 10000 },
    );
    for (const url of info.urls) assert.match(url, /^https?:\/\/.*\/$/);
    for (const sum of Object.values(info.md5)) assert.match(sum, /^[0-9a-f]{32}$/);
  }
  assert.equal(DATASETS.cifar100.coarseClasses, 20);
});

Deno.test("DATASETS carries the official md5 sums", () => {
  // The sums published with the datasets (MNIST: yann.lecun.com / torchvision; CIFAR: the
  // archives' sums on cs.toronto.edu/~kriz and torchvision; the CIFAR-10 members' sums as the
  // files inside the official archive give them), written here independently of the code.
  const official = {
    mnist: {
      "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
      "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
      "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
      "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    },
    cifar10: {
      "data_batch_1.bin": "5dd7e06a14cb22eb9f671a540d1b7c25",
      "data_batch_2.bin": "5ea93a67294ea407fff1d09f752e9692",
      "data_batch_3.bin": "942cd6a4bcdd0dd3c604fbe906cb4421",
      "data_batch_4.bin": "ae636b3ba5c66a11e91e8cb52e771fcb",
      "data_batch_5.bin": "53f37980c15c3d472c316c40844f3f0d",
      "test_batch.bin": "803d5f7f4d78ea53de84dbe85f74fb6d",
    },
  };
  for (const [name, sums] of Object.entries(official)) {
    const md5 = DATASETS[name as keyof typeof official].md5;
    for (const [file, sum] of Object.entries(sums)) assert.equal(md5[file], sum, file);
  }
  assert.equal(DATASETS.cifar10.archive!.md5, "c32a1d4ab5d03f1284b67883e8d87530");
  assert.equal(DATASETS.cifar100.archive!.md5, "03b5dce01913d631647c71ecec9e9cb8");
});
