/**
 * Fuzzed IDX files (MNIST's format, train/data/idx.ts): 220 mutants of a tiny images file and
 * 60 of its labels file through `loadIdxDataset`, the reader `loadDataset("mnist")` calls; then
 * a few through the trainer's CLI.
 * @module
 */
import assert from "node:assert/strict";
import path from "node:path";
import { loadIdxDataset } from "../../train/data/idx.ts";
import type { ImageDataset } from "../../train/data/dataset.ts";
import { syntheticMnistDir } from "../_fixtures/synthetic_mnist.ts";
import { expectCliBadInput, fuzzFormat, mutants, summary } from "./_mutate.ts";
import { tinyIdx } from "./_seeds.ts";

const SEED = 0x1d3;
const COUNT = 6;

/** A copy of `bytes` with big-endian uint32 `value` at `offset`. */
function withU32(bytes: Uint8Array, offset: number, value: number): Uint8Array {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(offset, value);
  return bytes;
}

const IMAGE_SPECIALS = [
  { kind: "absurd-count-2^31", make: (b: Uint8Array) => withU32(b, 4, 2 ** 31) },
  { kind: "absurd-count-max", make: (b: Uint8Array) => withU32(b, 4, 2 ** 32 - 1) },
  {
    kind: "absurd-all-dims-max",
    make: (b: Uint8Array) =>
      withU32(withU32(withU32(b, 4, 2 ** 32 - 1), 8, 2 ** 32 - 1), 12, 2 ** 32 - 1),
  },
  { kind: "absurd-rows-2^20", make: (b: Uint8Array) => withU32(b, 8, 2 ** 20) },
  { kind: "zero-count", make: (b: Uint8Array) => withU32(b, 4, 0) },
  { kind: "zero-count-header-only", make: (b: Uint8Array) => withU32(b.slice(0, 16), 4, 0) },
  { kind: "zero-rows-header-only", make: (b: Uint8Array) => withU32(b.slice(0, 16), 8, 0) },
  { kind: "header-only", make: (b: Uint8Array) => b.slice(0, 16) },
  { kind: "wrong-magic-labels", make: (b: Uint8Array) => withU32(b, 0, 0x801) },
  { kind: "wrong-magic-float", make: (b: Uint8Array) => withU32(b, 0, 0xd03) },
  { kind: "wrong-magic-255-dims", make: (b: Uint8Array) => withU32(b, 0, 0x8ff) },
  { kind: "wrong-magic-text", make: () => new TextEncoder().encode("<html>Not found</html>\n") },
  { kind: "wrong-magic-gzip-junk", make: (b: Uint8Array) => (b.set([0x1f, 0x8b], 0), b) },
  { kind: "wrong-magic-zip", make: (b: Uint8Array) => (b.set([0x50, 0x4b, 3, 4], 0), b) },
];

const LABEL_SPECIALS = [
  { kind: "absurd-count-2^31", make: (b: Uint8Array) => withU32(b, 4, 2 ** 31) },
  { kind: "label-255", make: (b: Uint8Array) => (b[8] = 255, b) },
  { kind: "count-mismatch", make: (b: Uint8Array) => withU32(b.slice(0, 9), 4, 1) },
  { kind: "wrong-magic-images", make: (b: Uint8Array) => withU32(b, 0, 0x803) },
];

function checkDataset(v: unknown): void {
  const ds = v as ImageDataset;
  assert.equal(ds.count, COUNT);
  assert.equal(ds.height * ds.width, 784);
  assert.equal(ds.images.length, COUNT * 784);
}

Deno.test("fuzz: IDX images and labels files: every mutant loads or fails with one line naming the file", async () => {
  const { images, labels } = tinyIdx();
  const sandbox = await Deno.makeTempDir({ prefix: "bnn-fuzz-idx-" });
  try {
    const imageReport = await fuzzFormat({
      format: "idx images",
      seed: SEED,
      mutants: mutants(SEED, images, { headerBytes: 16, special: IMAGE_SPECIALS, count: 220 }),
      sandbox: path.join(sandbox, "m"),
      file: "mnist/x-images-idx3-ubyte",
      companions: { "mnist/x-labels-idx1-ubyte": labels },
      read: (file, dir) =>
        loadIdxDataset({
          images: file,
          labels: path.join(dir, "mnist/x-labels-idx1-ubyte"),
          name: "mnist",
          numClasses: 10,
        }),
      checkValid: checkDataset,
    });
    const labelReport = await fuzzFormat({
      format: "idx labels",
      seed: SEED + 1,
      mutants: mutants(SEED + 1, labels, { headerBytes: 8, special: LABEL_SPECIALS, count: 60 }),
      sandbox: path.join(sandbox, "m"),
      file: "mnist/x-labels-idx1-ubyte",
      companions: { "mnist/x-images-idx3-ubyte": images },
      read: (file, dir) =>
        loadIdxDataset({
          images: path.join(dir, "mnist/x-images-idx3-ubyte"),
          labels: file,
          name: "mnist",
          numClasses: 10,
        }),
      checkValid: checkDataset,
    });
    console.log(summary(imageReport));
    console.log(summary(labelReport));
    assert.ok(imageReport.rejected > 100 && imageReport.valid > 0, summary(imageReport));
  } finally {
    await Deno.remove(sandbox, { recursive: true });
  }
});

Deno.test("fuzz: IDX mutants through the trainer's CLI end in exit code 2 and one line", async () => {
  const mnist = path.join(await syntheticMnistDir(), "mnist");
  const home = await Deno.makeTempDir({ prefix: "bnn-fuzz-idx-cli-" });
  try {
    const valid = await Deno.readFile(path.join(mnist, "t10k-images-idx3-ubyte"));
    const cases: [string, Uint8Array | "directory"][] = [
      ["count 2^31", withU32(valid.slice(0, 4096), 4, 2 ** 31)],
      ["truncated", valid.slice(0, 100_000)],
      ["wrong magic", withU32(valid.slice(), 0, 0x801)],
      ["directory", "directory"],
    ];
    for (const [i, [what, bytes]] of cases.entries()) {
      const data = path.join(home, `data${i}`, "mnist");
      await Deno.mkdir(data, { recursive: true });
      for (const name of await Array.fromAsync(Deno.readDir(mnist))) {
        await Deno.symlink(path.join(mnist, name.name), path.join(data, name.name));
      }
      const file = path.join(data, "t10k-images-idx3-ubyte");
      await Deno.remove(file);
      if (bytes === "directory") await Deno.mkdir(file);
      else await Deno.writeFile(file, bytes);
      const args = ["bayesbinn", "--data-dir", path.dirname(data), "--out", `${home}/run${i}`];
      const r = await expectCliBadInput(
        "train/main.ts",
        [...args, "--epochs", "1", "--limit-train", "200", "--limit-test", "100"],
        home,
        bytes === "directory" ? "t10k-images-idx3-ubyte" : file,
      );
      console.log(`train CLI, IDX ${what}: ${r.stderr.trim()}`);
    }
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
