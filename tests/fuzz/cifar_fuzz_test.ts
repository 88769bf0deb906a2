/**
 * Fuzzed CIFAR-binary files (train/data/cifar_binary.ts): 220 mutants of a CIFAR-10 batch and 60
 * of a CIFAR-100 file through `loadCifarBinary`, the reader `loadDataset("cifar10" |
 * "cifar100")` calls; then a few through the trainer's CLI (CIFAR-100, whose files need only be
 * whole records).
 * @module
 */
import assert from "node:assert/strict";
import path from "node:path";
import { loadCifarBinary } from "../../train/data/cifar_binary.ts";
import type { ImageDataset } from "../../train/data/dataset.ts";
import { cifarRecords, gzip } from "../train/data/_fixtures.ts";
import { expectCliBadInput, fuzzFormat, type MutantBytes, mutants, summary } from "./_mutate.ts";
import { tinyIdx } from "./_seeds.ts";

const SEED = 0xc1fa;

function checkDataset(v: unknown): void {
  const ds = v as ImageDataset;
  assert.ok(ds.count >= 1, `count ${ds.count}`);
  assert.equal(ds.images.length, ds.count * 3072);
  assert.equal(ds.labels.length, ds.count);
  assert.ok(ds.labels.every((l) => l < ds.numClasses));
}

function specials(recordSize: number) {
  const plus = (b: Uint8Array, n: number) => {
    const out = new Uint8Array(b.length + n);
    out.set(b);
    return out;
  };
  return [
    {
      kind: "absurd-size-sparse-825GB",
      make: (): MutantBytes => ({ sparse: recordSize * 2 ** 28 }),
    },
    { kind: "absurd-size-sparse-6TB", make: (): MutantBytes => ({ sparse: recordSize * 2 ** 31 }) },
    { kind: "one-byte-short", make: (b: Uint8Array) => b.slice(0, b.length - 1) },
    { kind: "one-byte-over", make: (b: Uint8Array) => plus(b, 1) },
    { kind: "one-record-minus-one", make: (b: Uint8Array) => b.slice(0, recordSize - 1) },
    { kind: "extra-zero-record", make: (b: Uint8Array) => plus(b, recordSize) },
    { kind: "label-255", make: (b: Uint8Array) => (b.fill(255, 0, recordSize - 3072), b) },
    { kind: "label-100", make: (b: Uint8Array) => (b.fill(100, 0, recordSize - 3072), b) },
    { kind: "wrong-format-idx", make: () => tinyIdx(4).images },
    { kind: "wrong-format-text", make: () => new TextEncoder().encode("404 Not Found\n") },
  ];
}

Deno.test("fuzz: CIFAR-binary files: every mutant loads or fails with one line naming the file", async () => {
  const c10 = cifarRecords([[3], [1], [9], [0]]);
  const c100 = cifarRecords([[3, 42], [19, 99], [0, 0]]);
  const gz = await gzip(c10);
  const sandbox = await Deno.makeTempDir({ prefix: "bnn-fuzz-cifar-" });
  try {
    const r10 = await fuzzFormat({
      format: "cifar-10 binary",
      seed: SEED,
      mutants: mutants(SEED, c10, {
        headerBytes: 3073, // no header: flips there hit the first record
        special: [...specials(3073), { kind: "wrong-format-gzip", make: () => gz }],
        count: 220,
      }),
      sandbox: path.join(sandbox, "m"),
      file: "cifar-10-batches-bin/test_batch.bin",
      read: (file) => loadCifarBinary([file], { name: "cifar10", numClasses: 10 }),
      checkValid: checkDataset,
    });
    const r100 = await fuzzFormat({
      format: "cifar-100 binary",
      seed: SEED + 1,
      mutants: mutants(SEED + 1, c100, { headerBytes: 3074, special: specials(3074), count: 60 }),
      sandbox: path.join(sandbox, "m"),
      file: "cifar-100-binary/test.bin",
      read: (file) => loadCifarBinary([file], { name: "cifar100", numClasses: 100, labelBytes: 2 }),
      checkValid: checkDataset,
    });
    console.log(summary(r10));
    console.log(summary(r100));
    assert.ok(r10.rejected > 50 && r10.valid > 50, summary(r10));
  } finally {
    await Deno.remove(sandbox, { recursive: true });
  }
});

Deno.test("fuzz: CIFAR-binary mutants through the trainer's CLI end in exit code 2 and one line", async () => {
  const home = await Deno.makeTempDir({ prefix: "bnn-fuzz-cifar-cli-" });
  try {
    const train = cifarRecords(Array.from({ length: 4 }, (_, i) => [i % 20, i]));
    const test = cifarRecords([[3, 42], [19, 99], [0, 0]]);
    const cases: [string, MutantBytes][] = [
      ["cut inside a record", test.slice(0, 3074 + 100)],
      [
        "label 200",
        (() => {
          const b = test.slice();
          b[3074 + 1] = 200;
          return b;
        })(),
      ],
      ["sparse 825 GB", { sparse: 3074 * 2 ** 28 }],
      ["directory", "directory"],
    ];
    for (const [i, [what, bytes]] of cases.entries()) {
      const data = path.join(home, `data${i}`, "cifar-100-binary");
      await Deno.mkdir(data, { recursive: true });
      await Deno.writeFile(path.join(data, "train.bin"), train);
      const file = path.join(data, "test.bin");
      if (bytes === "directory") await Deno.mkdir(file);
      else if (bytes instanceof Uint8Array) await Deno.writeFile(file, bytes);
      else await Deno.writeFile(file, new Uint8Array(0)), await Deno.truncate(file, bytes.sparse);
      const r = await expectCliBadInput(
        "train/main.ts",
        [
          "bayesbinn",
          ...["--dataset", "cifar100", "--model_architecture", "VGGBinaryConnect"],
          ...["--input_shape", "3", "--output_shape", "100", "--batch_size", "2"],
          ...["--data-dir", path.dirname(data), "--out", `${home}/run${i}`, "--epochs", "1"],
        ],
        home,
        file,
      );
      console.log(`train CLI, CIFAR ${what}: ${r.stderr.trim()}`);
    }
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
