import assert from "node:assert/strict";
import {
  CHECKPOINT_VERSION,
  CheckpointError,
  decodeCheckpoint,
  encodeCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
  writeFileAtomic,
} from "../../train/checkpoint.ts";

const sample = () => ({
  meta: { epoch: 2, step: 7, rng: [1, 2, 3, 4294967295], name: "é✓", nested: { a: [1.5, null] } },
  blobs: {
    "optimizer/lambda.0": new Float32Array([1e30, -1e-30, 0, -0, 3.25]),
    "net/bn.1.mean": new Float32Array([Math.fround(0.1)]),
    "empty": new Float32Array(0),
    // an unaligned view into a larger buffer must be written from its own bytes
    "view": new Float32Array(new Float32Array([9, 8, 7, 6]).buffer, 4, 2),
  },
});

function bitsOf(a: Float32Array): number[] {
  return Array.from(new Uint32Array(a.slice().buffer));
}

Deno.test("encodeCheckpoint() and decodeCheckpoint() round-trip meta and blobs bit for bit", () => {
  const c = sample();
  const bytes = encodeCheckpoint(c);
  const back = decodeCheckpoint(bytes, "mem");
  assert.deepEqual(back.meta, c.meta);
  assert.deepEqual(Object.keys(back.blobs), Object.keys(c.blobs));
  for (const [k, v] of Object.entries(c.blobs)) {
    assert.deepEqual(bitsOf(back.blobs[k]!), bitsOf(v), k);
  }
  assert.deepEqual(Array.from(back.blobs.view!), [8, 7]);
  // fixed prefix: magic, version, header length, payload length
  assert.equal(new TextDecoder().decode(bytes.subarray(0, 7)), "BNNCKPT");
  const view = new DataView(bytes.buffer);
  assert.equal(view.getUint32(8, true), CHECKPOINT_VERSION);
  assert.equal(view.getFloat64(16, true), bytes.length - 56);
});

Deno.test("decodeCheckpoint() rejects bad files with one clear line", () => {
  const good = encodeCheckpoint(sample());
  const flipped = good.slice();
  flipped[flipped.length - 3] ^= 0x10;
  const v7 = good.slice();
  new DataView(v7.buffer).setUint32(8, 7, true);
  const cases: [string, Uint8Array, RegExp][] = [
    [
      "truncated",
      good.subarray(0, good.length - 10),
      new RegExp(`^checkpoint f is truncated \\(${good.length - 10} of ${good.length} bytes\\)$`),
    ],
    [
      "truncated prefix",
      good.subarray(0, 20),
      /^checkpoint f is truncated \(20 of at least 56 bytes\)$/,
    ],
    [
      "bad magic",
      new TextEncoder().encode("hello world, not a checkpoint at all..........................."),
      /^f is not a bnn checkpoint \(bad magic bytes\)$/,
    ],
    ["empty", new Uint8Array(0), /not a bnn checkpoint/],
    ["unknown version", v7, /^unknown checkpoint version 7 in f \(this bnn reads version 1\)$/],
    ["corrupt", flipped, /^checkpoint f is corrupt \(SHA-256 checksum mismatch\)$/],
    ["trailing", new Uint8Array([...good, 0]), /^checkpoint f has 1 trailing bytes/],
  ];
  for (const [label, bytes, re] of cases) {
    assert.throws(() => decodeCheckpoint(bytes, "f"), (e: unknown) => {
      assert.ok(e instanceof CheckpointError, label);
      assert.match(e.message, re, label);
      assert.ok(!e.message.includes("\n"), label);
      return true;
    });
  }
});

Deno.test("saveCheckpoint() writes atomically and loadCheckpoint() reads it back", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/last.ckpt`;
    await saveCheckpoint(file, sample());
    await saveCheckpoint(file, { meta: { epoch: 3 }, blobs: { w: new Float32Array([1, 2]) } });
    const back = await loadCheckpoint(file);
    assert.deepEqual(back.meta, { epoch: 3 });
    assert.deepEqual(Array.from(back.blobs.w!), [1, 2]);
    const names = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    assert.deepEqual(names, ["last.ckpt"], "no temp file left behind");
    await writeFileAtomic(`${dir}/t.json`, '{"a":1}');
    assert.equal(await Deno.readTextFile(`${dir}/t.json`), '{"a":1}');
    await assert.rejects(
      loadCheckpoint(`${dir}/missing.ckpt`),
      /^CheckpointError: checkpoint .*missing.ckpt does not exist$/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeFileAtomic() leaves no temp file behind when it cannot replace the target", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/model.onnx`); // a folder where the file should go
    await assert.rejects(
      writeFileAtomic(`${dir}/model.onnx`, "x"),
      /^WriteError: cannot write .*\/model\.onnx: Is a directory$/,
    );
    const names = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    assert.deepEqual(names, ["model.onnx"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
