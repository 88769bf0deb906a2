/**
 * Fuzzed `.xz` files (train/data/xz.ts, which runs the system `xz`): 220 mutants of an
 * xz-compressed CIFAR-100 `test.bin.xz` through `loadDataset("cifar100")`, which decompresses
 * it into the cache and loads it; then a few through the trainer's CLI. Skipped without `xz`.
 * @module
 */
import assert from "node:assert/strict";
import path from "node:path";
import type { ImageDataset } from "../../train/data/dataset.ts";
import { loadDataset } from "../../train/data/load_dataset.ts";
import { cifarRecords } from "../train/data/_fixtures.ts";
import { expectCliBadInput, fuzzFormat, type MutantBytes, mutants, summary } from "./_mutate.ts";

const SEED = 0x4a;

async function hasXz(): Promise<boolean> {
  try {
    return (await new Deno.Command("xz", { args: ["--version"], stdout: "null" }).output()).success;
  } catch {
    return false;
  }
}
const XZ = await hasXz();

async function xz(bytes: Uint8Array): Promise<Uint8Array> {
  const child = new Deno.Command("xz", { args: ["-zc"], stdin: "piped", stdout: "piped" }).spawn();
  const w = child.stdin.getWriter();
  await w.write(bytes);
  await w.close();
  const out = await child.output();
  assert.ok(out.success);
  return out.stdout;
}

/** CRC-32 (IEEE), for xz block headers. */
function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** The first block header (at byte 12, `02 00 21 01 <dict> 00 00 00 <crc32>`) with `dict`. */
function withDictionary(b: Uint8Array, dict: number): Uint8Array {
  b[16] = dict;
  new DataView(b.buffer, b.byteOffset).setUint32(20, crc32(b.subarray(12, 20)), true);
  return b;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

const TEST = cifarRecords([[7, 8], [19, 99], [0, 1]]);

Deno.test({
  name: "fuzz: xz files: every mutant loads or fails with one line naming the file",
  ignore: !XZ,
  fn: async () => {
    const valid = await xz(TEST);
    assert.deepEqual([...valid.subarray(12, 17)], [2, 0, 0x21, 1, 0x16], "xz block header");
    const special = [
      { kind: "absurd-dictionary-4GiB", make: (b: Uint8Array) => withDictionary(b, 40) },
      { kind: "bad-dictionary-byte", make: (b: Uint8Array) => withDictionary(b, 41) },
      { kind: "stream-flags-unsupported", make: (b: Uint8Array) => (b[7] = 0x0f, b) },
      { kind: "wrong-magic", make: (b: Uint8Array) => (b[1] = 0x38, b) },
      { kind: "two-streams", make: (b: Uint8Array) => concat(b, b) },
      { kind: "stream-padding", make: (b: Uint8Array) => concat(b, new Uint8Array(4)) },
      { kind: "bad-padding", make: (b: Uint8Array) => concat(b, new Uint8Array(3)) },
      { kind: "footer-only", make: (b: Uint8Array) => b.slice(b.length - 12) },
      { kind: "not-xz-text", make: () => new TextEncoder().encode("not an xz file\n") },
      { kind: "wrong-content-size", make: () => wrongContent },
    ];
    const wrongContent = await xz(TEST.subarray(0, 5000));
    const sandbox = await Deno.makeTempDir({ prefix: "bnn-fuzz-xz-" });
    try {
      const report = await fuzzFormat({
        format: "xz",
        seed: SEED,
        mutants: mutants(SEED, valid, { headerBytes: 24, special, count: 220 }),
        sandbox: path.join(sandbox, "m"),
        file: "data/cifar-100-binary/test.bin.xz",
        read: (_file, dir) =>
          loadDataset("cifar100", "test", {
            dataDir: path.join(dir, "data"),
            cacheDir: path.join(dir, "cache"),
            download: false,
          }),
        names: () => "test.bin",
        mayWrite: ["cache/"],
        checkValid: (v) => {
          // two concatenated xz streams are a valid file of the records twice
          const ds = v as ImageDataset;
          assert.ok(ds.count === 3 || ds.count === 6, `count ${ds.count}`);
          assert.deepEqual([...ds.labels.subarray(0, 3)], [8, 99, 1]);
        },
      });
      console.log(summary(report));
      assert.ok(report.rejected > 150, summary(report));
    } finally {
      await Deno.remove(sandbox, { recursive: true });
    }
  },
});

Deno.test({
  name: "fuzz: xz mutants through the trainer's CLI end in exit code 2 and one line",
  ignore: !XZ,
  fn: async () => {
    const home = await Deno.makeTempDir({ prefix: "bnn-fuzz-xz-cli-" });
    try {
      const valid = await xz(TEST);
      const cases: [string, MutantBytes][] = [
        ["truncated", valid.slice(0, valid.length >> 1)],
        ["absurd dictionary", withDictionary(valid.slice(), 40)],
        [
          "bit flip",
          (() => {
            const b = valid.slice();
            b[valid.length >> 1] ^= 4;
            return b;
          })(),
        ],
        ["directory", "directory"],
      ];
      for (const [i, [what, bytes]] of cases.entries()) {
        const data = path.join(home, `data${i}`, "cifar-100-binary");
        await Deno.mkdir(data, { recursive: true });
        await Deno.writeFile(path.join(data, "train.bin"), cifarRecords([[1, 2], [3, 4]]));
        const file = path.join(data, "test.bin.xz");
        if (bytes === "directory") await Deno.mkdir(file);
        else await Deno.writeFile(file, bytes as Uint8Array);
        const r = await expectCliBadInput(
          "train/main.ts",
          [
            "bayesbinn",
            ...["--dataset", "cifar100", "--model_architecture", "VGGBinaryConnect"],
            ...["--input_shape", "3", "--output_shape", "100", "--batch_size", "2"],
            ...["--data-dir", path.dirname(data), "--out", `${home}/run${i}`, "--epochs", "1"],
          ],
          home,
          "test.bin",
        );
        console.log(`train CLI, xz ${what}: ${r.stderr.trim()}`);
      }
    } finally {
      await Deno.remove(home, { recursive: true });
    }
  },
});
