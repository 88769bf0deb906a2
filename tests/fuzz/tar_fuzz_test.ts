/**
 * Fuzzed tar archives (train/data/tar.ts): 220 mutants of a small `cifar-100-binary.tar.gz` (an
 * uncompressed ustar archive: the readers detect gzip from the magic, so tar headers are hit
 * directly) through `loadDataset("cifar100")`, which extracts it into the cache and loads it;
 * then a few gzipped ones through the trainer's CLI.
 * @module
 */
import assert from "node:assert/strict";
import path from "node:path";
import type { ImageDataset } from "../../train/data/dataset.ts";
import { loadDataset } from "../../train/data/load_dataset.ts";
import { cifarRecords, type FakeMember, gzip, makeTar } from "../train/data/_fixtures.ts";
import { expectCliBadInput, fuzzFormat, mutants, summary } from "./_mutate.ts";

const SEED = 0x7a4;
const enc = new TextEncoder();

const MEMBERS: FakeMember[] = [
  { name: "cifar-100-binary", type: "5" },
  { name: "cifar-100-binary/train.bin", data: cifarRecords([[1, 2], [3, 4], [5, 6]]) },
  { name: "././@LongLink", type: "L", data: enc.encode(`cifar-100-binary/${"n".repeat(120)}\0`) },
  { name: "cifar-100-binary/ignored", data: enc.encode("long name\n") },
  { name: "cifar-100-binary/test.bin", data: cifarRecords([[7, 8], [19, 99]]) },
];

/** The byte offset of each member's header in `makeTar(MEMBERS)`. */
function headerOffsets(members: FakeMember[]): number[] {
  const out: number[] = [];
  let o = 0;
  for (const m of members) {
    out.push(o);
    o += 512 + Math.ceil((m.data?.length ?? 0) / 512) * 512;
  }
  return out;
}

/** Sets a header field (text, NUL-padded) of the header at `at` and fixes its checksum. */
function setField(tar: Uint8Array, at: number, offset: number, length: number, text: string) {
  const field = new Uint8Array(length);
  field.set(enc.encode(text).subarray(0, length));
  tar.set(field, at + offset);
  const h = tar.subarray(at, at + 512);
  h.fill(0x20, 148, 156);
  const sum = h.reduce((a, b) => a + b, 0);
  h.set(enc.encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
  return tar;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

const [, TRAIN, LONG, , TEST] = headerOffsets(MEMBERS);

const SPECIAL = [
  { kind: "absurd-size-8GB", make: (b: Uint8Array) => setField(b, TEST, 124, 12, "77777777777") },
  {
    kind: "absurd-size-12-digits",
    make: (b: Uint8Array) => setField(b, TRAIN, 124, 12, "777777777777"),
  },
  {
    kind: "absurd-size-base256",
    make: (b: Uint8Array) => setField(b, TEST, 124, 12, "\x80\0\0\0\0\0\0\x01\0\0\0\0"),
  },
  { kind: "size-zero", make: (b: Uint8Array) => setField(b, TRAIN, 124, 12, "00000000000") },
  { kind: "size-not-octal", make: (b: Uint8Array) => setField(b, TRAIN, 124, 12, "0000000009\n") },
  {
    kind: "absurd-longname-8GB",
    make: (b: Uint8Array) => setField(b, LONG, 124, 12, "77777777777"),
  },
  { kind: "bad-checksum", make: (b: Uint8Array) => (b[TEST + 149] ^= 1, b) },
  { kind: "escape-dotdot", make: (b: Uint8Array) => setField(b, TEST, 0, 100, "../../escape.bin") },
  {
    kind: "escape-absolute",
    make: (b: Uint8Array) => setField(b, TEST, 0, 100, "/tmp/escape.bin"),
  },
  {
    kind: "escape-newline-name",
    make: (b: Uint8Array) => setField(b, TEST, 0, 100, "a\n/../../x"),
  },
  { kind: "symlink-member", make: (b: Uint8Array) => setField(b, TEST, 156, 1, "2") },
  {
    kind: "file-then-dir-conflict",
    make: (b: Uint8Array) =>
      concat(
        b.subarray(0, b.length - 1024),
        makeTar([{ name: "cifar-100-binary/train.bin/x", data: enc.encode("x") }]),
      ),
  },
  { kind: "no-end-blocks", make: (b: Uint8Array) => b.slice(0, b.length - 1024) },
  { kind: "zero-blocks-only", make: () => new Uint8Array(1024) },
  { kind: "wrong-magic-text", make: () => enc.encode("<html>404</html>\n".repeat(40)) },
  { kind: "wrong-magic-zip", make: (b: Uint8Array) => (b.set([0x50, 0x4b, 3, 4]), b) },
];

Deno.test("fuzz: tar archives: every mutant loads or fails with one line naming the file", async () => {
  const tar = makeTar(MEMBERS);
  const sandbox = await Deno.makeTempDir({ prefix: "bnn-fuzz-tar-" });
  try {
    const report = await fuzzFormat({
      format: "tar",
      seed: SEED,
      mutants: mutants(SEED, tar, { headerBytes: 512 * 2, special: SPECIAL, count: 220 }),
      sandbox: path.join(sandbox, "m"),
      file: "data/cifar-100-binary.tar.gz",
      read: (_file, dir) =>
        loadDataset("cifar100", "test", {
          dataDir: path.join(dir, "data"),
          cacheDir: path.join(dir, "cache"),
          download: false,
        }),
      // "not found … downloading is off" names the wanted member, not the archive
      names: () => "cifar-100",
      mayWrite: ["cache/"],
      checkValid: (v) => {
        const ds = v as ImageDataset;
        assert.equal(ds.count, 2);
        assert.deepEqual([...ds.labels], [8, 99]);
      },
    });
    console.log(summary(report));
    assert.ok(report.rejected > 100 && report.valid > 0, summary(report));
  } finally {
    await Deno.remove(sandbox, { recursive: true });
  }
});

Deno.test("fuzz: tar.gz mutants through the trainer's CLI end in exit code 2 and one line", async () => {
  const home = await Deno.makeTempDir({ prefix: "bnn-fuzz-tar-cli-" });
  try {
    const tar = makeTar(MEMBERS);
    const cases: [string, Uint8Array][] = [
      ["absurd size", await gzip(setField(tar.slice(), TEST, 124, 12, "77777777777"))],
      ["member escaping", await gzip(setField(tar.slice(), TEST, 0, 100, "../../escape.bin"))],
      ["truncated", await gzip(tar.slice(0, TEST + 700))],
    ];
    for (const [i, [what, bytes]] of cases.entries()) {
      const data = path.join(home, `data${i}`);
      await Deno.mkdir(data, { recursive: true });
      const file = path.join(data, "cifar-100-binary.tar.gz");
      await Deno.writeFile(file, bytes);
      const r = await expectCliBadInput(
        "train/main.ts",
        [
          "ste",
          ...["--dataset", "cifar100", "--model_architecture", "VGGBinaryConnect"],
          ...["--input_shape", "3", "--output_shape", "100", "--batch_size", "2"],
          ...["--data-dir", data, "--out", `${home}/run${i}`, "--epochs", "1"],
        ],
        home,
        file,
      );
      console.log(`train CLI, tar.gz ${what}: ${r.stderr.trim()}`);
    }
    assert.equal(
      (await Array.fromAsync(Deno.readDir(home))).some((e) => e.name === "escape.bin"),
      false,
    );
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
