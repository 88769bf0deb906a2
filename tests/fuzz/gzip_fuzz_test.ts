/**
 * Fuzzed gzip files (train/data/gunzip.ts): 220 mutants of a gzipped IDX images file (MNIST's
 * official `.gz` form) through `loadIdxDataset`, the reader `loadDataset("mnist")` calls, which
 * gunzips it; then a few through the trainer's CLI.
 * @module
 */
import assert from "node:assert/strict";
import path from "node:path";
import { loadIdxDataset } from "../../train/data/idx.ts";
import type { ImageDataset } from "../../train/data/dataset.ts";
import { gzip } from "../train/data/_fixtures.ts";
import { syntheticMnistDir } from "../_fixtures/synthetic_mnist.ts";
import { expectCliBadInput, fuzzFormat, mutants, summary } from "./_mutate.ts";
import { tinyIdx } from "./_seeds.ts";

const SEED = 0x6212;

/** gzip's 10-byte header with `flags` set, followed by `extra` and the rest of `gz`. */
function withFlags(gz: Uint8Array, flags: number, extra: number[]): Uint8Array {
  const out = new Uint8Array(gz.length + extra.length);
  out.set(gz.subarray(0, 10));
  out[3] = flags;
  out.set(extra, 10);
  out.set(gz.subarray(10), 10 + extra.length);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) out.set(p, o), o += p.length;
  return out;
}

/**
 * A gzip bomb against the IDX header: a valid header for `count` images whose deflated data
 * inflates to `mb` MB of zeros.
 */
async function bomb(count: number, mb: number): Promise<Uint8Array> {
  const head = new Uint8Array(16);
  const v = new DataView(head.buffer);
  v.setUint32(0, 0x803), v.setUint32(4, count), v.setUint32(8, 28), v.setUint32(12, 28);
  const zeros = new Uint8Array(2 ** 20);
  const stream = new ReadableStream<BufferSource>({
    start(c) {
      c.enqueue(head);
      for (let i = 0; i < mb; i++) c.enqueue(zeros);
      c.close();
    },
  }).pipeThrough(new CompressionStream("gzip"));
  return await new Response(stream).bytes();
}

Deno.test("fuzz: gzip (gzipped IDX): every mutant loads or fails with one line naming the file", async () => {
  const { images, labels } = tinyIdx();
  const gz = await gzip(images);
  const special = [
    { kind: "wrong-method", make: (b: Uint8Array) => (b[2] = 7, b) },
    { kind: "reserved-flags", make: (b: Uint8Array) => (b[3] = 0xe0, b) },
    { kind: "fextra-absurd-length", make: (b: Uint8Array) => withFlags(b, 4, [0xff, 0xff, 1, 2]) },
    { kind: "fname-unterminated", make: (b: Uint8Array) => withFlags(b, 8, [0x61, 0x62]) },
    { kind: "fhcrc-wrong", make: (b: Uint8Array) => withFlags(b, 2, [0, 0]) },
    {
      kind: "absurd-isize",
      make: (b: Uint8Array) => (b.fill(0xff, b.length - 4), b),
    },
    { kind: "crc-wrong", make: (b: Uint8Array) => (b[b.length - 8] ^= 1, b) },
    { kind: "no-trailer", make: (b: Uint8Array) => b.slice(0, b.length - 8) },
    { kind: "two-members", make: (b: Uint8Array) => concat(b, b) },
    { kind: "trailing-zeros", make: (b: Uint8Array) => concat(b, new Uint8Array(512)) },
    { kind: "header-only", make: (b: Uint8Array) => b.slice(0, 10) },
    { kind: "magic-only", make: () => new Uint8Array([0x1f, 0x8b]) },
    {
      kind: "stored-block-absurd-length",
      make: (b: Uint8Array) =>
        concat(b.slice(0, 10), new Uint8Array([1, 0xff, 0xff, 0, 0]), b.slice(10)),
    },
    { kind: "bomb-300MB", make: () => bombBytes },
    { kind: "bomb-300MB-count-2^31", make: () => hugeBomb },
  ];
  const bombBytes = await bomb(6, 300);
  const hugeBomb = await bomb(2 ** 31, 300);
  const sandbox = await Deno.makeTempDir({ prefix: "bnn-fuzz-gzip-" });
  try {
    const report = await fuzzFormat({
      format: "gzip",
      seed: SEED,
      mutants: mutants(SEED, gz, { headerBytes: 10, special, count: 220 }),
      sandbox: path.join(sandbox, "m"),
      file: "mnist/x-images-idx3-ubyte.gz",
      companions: { "mnist/x-labels-idx1-ubyte": labels },
      read: (file, dir) =>
        loadIdxDataset({
          images: file,
          labels: path.join(dir, "mnist/x-labels-idx1-ubyte"),
          name: "mnist",
          numClasses: 10,
        }),
      checkValid: (v) => {
        const ds = v as ImageDataset;
        assert.equal(ds.count, 6);
        assert.deepEqual(ds.images, images.subarray(16));
      },
    });
    console.log(summary(report));
    assert.ok(report.rejected > 100, summary(report));
  } finally {
    await Deno.remove(sandbox, { recursive: true });
  }
});

Deno.test("fuzz: gzip mutants through the trainer's CLI end in exit code 2 and one line", async () => {
  const mnist = path.join(await syntheticMnistDir(), "mnist");
  const home = await Deno.makeTempDir({ prefix: "bnn-fuzz-gzip-cli-" });
  try {
    const gz = await gzip(await Deno.readFile(path.join(mnist, "t10k-labels-idx1-ubyte")));
    const cases: [string, Uint8Array][] = [
      ["truncated", gz.slice(0, gz.length >> 1)],
      [
        "corrupt deflate data",
        (() => {
          const b = gz.slice();
          for (let i = 100; i < 140; i++) b[i] ^= 0x5a;
          return b;
        })(),
      ],
      ["header only", gz.slice(0, 10)],
    ];
    for (const [i, [what, bytes]] of cases.entries()) {
      const data = path.join(home, `data${i}`, "mnist");
      await Deno.mkdir(data, { recursive: true });
      for (const name of await Array.fromAsync(Deno.readDir(mnist))) {
        if (name.name === "t10k-labels-idx1-ubyte") continue;
        await Deno.symlink(path.join(mnist, name.name), path.join(data, name.name));
      }
      const file = path.join(data, "t10k-labels-idx1-ubyte.gz");
      await Deno.writeFile(file, bytes);
      const r = await expectCliBadInput(
        "train/main.ts",
        [
          "ste",
          ...["--data-dir", path.dirname(data), "--out", `${home}/run${i}`, "--epochs", "1"],
          ...["--limit-train", "200", "--limit-test", "100"],
        ],
        home,
        file,
      );
      console.log(`train CLI, gzip ${what}: ${r.stderr.trim()}`);
    }
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
