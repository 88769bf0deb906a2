/**
 * What bnn knows about its three datasets: image shape, classes, normalization, split sizes,
 * file names and layout, official download URLs and MD5 sums (from the publishers' pages,
 * as listed in shared/data/README.md).
 *
 * On disk (in a data folder or the cache) the files are looked for in these folders, the
 * first being the layout of bnn's cache and of shared/data:
 *
 * - MNIST: `mnist/`, `MNIST/raw/` (torchvision's), or the data folder itself; each file
 *   gzipped (`X.gz`) or raw (`X`).
 * - CIFAR-10: `cifar-10/cifar-10-batches-bin/` or `cifar-10-batches-bin/`; each file `X.bin` or
 *   `X.bin.xz`; else the archive `cifar-10-binary.tar.gz` in `cifar-10/` or the folder itself.
 * - CIFAR-100: `cifar-100/cifar-100-binary/` or `cifar-100-binary/`, likewise, with the archive
 *   `cifar-100-binary.tar.gz`.
 *
 * @module
 */

import { NORMALIZATION, type Normalization } from "./normalization.ts";

/** The names of the built-in datasets. */
export type DatasetName = "mnist" | "cifar10" | "cifar100";

/** CIFAR-100 label granularity: 100 fine classes or 20 coarse superclasses. */
export type LabelMode = "fine" | "coarse";

/** A dataset split. */
export type Split = "train" | "test";

/** The description of a built-in dataset. */
export interface DatasetInfo {
  /** The dataset's name. */
  name: DatasetName;
  /** Image height. */
  height: number;
  /** Image width. */
  width: number;
  /** Channels per pixel. */
  channels: number;
  /** The number of classes (CIFAR-100: fine labels). */
  numClasses: number;
  /** CIFAR-100 only: the number of coarse classes. */
  coarseClasses?: number;
  /** Images in each split. */
  counts: Record<Split, number>;
  /** Per-channel normalization. */
  normalization: Normalization;
  /** The file names of each split, in load order. */
  files: Record<Split, readonly string[]>;
  /** Folders (relative to a data folder) that may hold the files, in search order. */
  folders: readonly string[];
  /** The official MD5 of each file (CIFAR-100: only the archive's is published). */
  md5: Readonly<Record<string, string>>;
  /** The official base URLs, in the order to try them. */
  urls: readonly string[];
  /** CIFAR: the official archive, its MD5, where it is kept and the folder inside it. */
  archive?: { file: string; md5: string; folder: string; dir: string };
}

/**
 * The built-in datasets.
 *
 * @example Usage
 * ```ts
 * import { DATASETS } from "./datasets.ts";
 * if (DATASETS.cifar10.counts.train !== 50000) throw new Error();
 * if (DATASETS.mnist.files.test[0] !== "t10k-images-idx3-ubyte.gz") throw new Error();
 * ```
 */
export const DATASETS: Readonly<Record<DatasetName, DatasetInfo>> = {
  mnist: {
    name: "mnist",
    height: 28,
    width: 28,
    channels: 1,
    numClasses: 10,
    counts: { train: 60000, test: 10000 },
    normalization: NORMALIZATION.mnist,
    files: {
      train: ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"],
      test: ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"],
    },
    folders: ["mnist", "MNIST/raw", "."],
    md5: {
      "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
      "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
      "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
      "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    },
    urls: ["https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/"],
  },
  cifar10: {
    name: "cifar10",
    height: 32,
    width: 32,
    channels: 3,
    numClasses: 10,
    counts: { train: 50000, test: 10000 },
    normalization: NORMALIZATION.cifar10,
    files: {
      train: [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`),
      test: ["test_batch.bin"],
    },
    folders: ["cifar-10/cifar-10-batches-bin", "cifar-10-batches-bin"],
    md5: {
      "data_batch_1.bin": "5dd7e06a14cb22eb9f671a540d1b7c25",
      "data_batch_2.bin": "5ea93a67294ea407fff1d09f752e9692",
      "data_batch_3.bin": "942cd6a4bcdd0dd3c604fbe906cb4421",
      "data_batch_4.bin": "ae636b3ba5c66a11e91e8cb52e771fcb",
      "data_batch_5.bin": "53f37980c15c3d472c316c40844f3f0d",
      "test_batch.bin": "803d5f7f4d78ea53de84dbe85f74fb6d",
      "cifar-10-binary.tar.gz": "c32a1d4ab5d03f1284b67883e8d87530",
    },
    urls: ["https://www.cs.toronto.edu/~kriz/"],
    archive: {
      file: "cifar-10-binary.tar.gz",
      md5: "c32a1d4ab5d03f1284b67883e8d87530",
      folder: "cifar-10-batches-bin",
      dir: "cifar-10",
    },
  },
  cifar100: {
    name: "cifar100",
    height: 32,
    width: 32,
    channels: 3,
    numClasses: 100,
    coarseClasses: 20,
    counts: { train: 50000, test: 10000 },
    normalization: NORMALIZATION.cifar100,
    files: { train: ["train.bin"], test: ["test.bin"] },
    folders: ["cifar-100/cifar-100-binary", "cifar-100-binary"],
    md5: { "cifar-100-binary.tar.gz": "03b5dce01913d631647c71ecec9e9cb8" },
    urls: ["https://www.cs.toronto.edu/~kriz/"],
    archive: {
      file: "cifar-100-binary.tar.gz",
      md5: "03b5dce01913d631647c71ecec9e9cb8",
      folder: "cifar-100-binary",
      dir: "cifar-100",
    },
  },
};

/**
 * Number of classes of a dataset: 10 for MNIST and CIFAR-10; 100 for CIFAR-100
 * (20 with coarse labels).
 *
 * @example Usage
 * ```ts
 * import { numClasses } from "./datasets.ts";
 * if (numClasses("cifar100", "coarse") !== 20) throw new Error();
 * if (numClasses("mnist", "fine") !== 10) throw new Error();
 * ```
 */
export function numClasses(dataset: DatasetName, labelMode: LabelMode): number {
  const info = DATASETS[dataset];
  return labelMode === "coarse" ? info.coarseClasses ?? info.numClasses : info.numClasses;
}
