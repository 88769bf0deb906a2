/**
 * Fuzzed checkpoints (train/checkpoint.ts): 240 mutants of a checkpoint the trainer's own
 * `Model.checkpoint` wrote for a small MLP, through `loadCheckpoint` (what `train --resume`,
 * `export` and `eval` call): truncations, bit flips, absurd prefix fields, and headers rewritten
 * and re-signed (SHA-256 fixed) so that the structure checks behind the checksum are reached;
 * then a few through `train --resume`.
 * @module
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import path from "node:path";
import { type Checkpoint, loadCheckpoint } from "../../train/checkpoint.ts";
import { syntheticRun } from "../export/_run.ts";
import {
  expectCliBadInput,
  fuzzFormat,
  generator,
  type MutantBytes,
  mutants,
  type SpecialMutant,
  summary,
} from "./_mutate.ts";

const SEED = 0xc4e;
const PREFIX = 56;

/** Recomputes the SHA-256 of the payload (bytes 56…) into bytes 24…56. */
function resign(b: Uint8Array): Uint8Array {
  b.set(createHash("sha256").update(b.subarray(PREFIX)).digest(), 24);
  return b;
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** The checkpoint with its JSON header text replaced (lengths, padding and checksum fixed). */
function withHeader(valid: Uint8Array, edit: (header: string) => string): Uint8Array {
  const h = view(valid).getUint32(12, true);
  const p = view(valid).getFloat64(16, true);
  const blobs = valid.subarray(PREFIX + Math.ceil(h / 8) * 8, PREFIX + p);
  const text = new TextEncoder().encode(
    edit(new TextDecoder().decode(valid.subarray(PREFIX, PREFIX + h))),
  );
  const start = Math.ceil(text.length / 8) * 8;
  const out = new Uint8Array(PREFIX + start + blobs.length);
  out.set(valid.subarray(0, PREFIX));
  out.set(text, PREFIX);
  out.set(blobs, PREFIX + start);
  view(out).setUint32(12, text.length, true);
  view(out).setFloat64(16, start + blobs.length, true);
  return resign(out);
}

/** `withHeader` on the parsed header object. */
function withJson(valid: Uint8Array, edit: (header: Record<string, unknown>) => unknown) {
  return withHeader(valid, (text) => JSON.stringify(edit(JSON.parse(text))));
}

/** The header's blob table with blob 0 changed. */
function firstBlob(h: Record<string, unknown>, change: Record<string, unknown>) {
  const blobs = h.blobs as Record<string, unknown>[];
  return { ...h, blobs: [{ ...blobs[0], ...change }, ...blobs.slice(1)] };
}

function specials(valid: Uint8Array): SpecialMutant[] {
  const setU32 = (at: number, v: number) => (b: Uint8Array) => (view(b).setUint32(at, v, true), b);
  const setF64 = (at: number, v: number) => (b: Uint8Array) => (view(b).setFloat64(at, v, true), b);
  const h = view(valid).getUint32(12, true);
  const p = view(valid).getFloat64(16, true);
  const json = (kind: string, edit: (h: Record<string, unknown>) => unknown) => ({
    kind: `signed-${kind}`,
    make: (b: Uint8Array) => withJson(b, edit),
  });
  const out: SpecialMutant[] = [
    { kind: "version-2", make: setU32(8, 2) },
    { kind: "version-0", make: setU32(8, 0) },
    { kind: "absurd-header-length-4GiB", make: setU32(12, 2 ** 32 - 1) },
    { kind: "header-length-0", make: setU32(12, 0) },
    { kind: "header-length+1", make: setU32(12, h + 1) },
    { kind: "header-length-past-payload", make: setU32(12, p + 8) },
    { kind: "payload-length-NaN", make: setF64(16, NaN) },
    { kind: "payload-length-negative", make: setF64(16, -1) },
    { kind: "absurd-payload-length-1e300", make: setF64(16, 1e300) },
    { kind: "payload-length-infinite", make: setF64(16, Infinity) },
    { kind: "absurd-payload-length-2^53", make: setF64(16, 2 ** 53) },
    { kind: "payload-length-fraction", make: setF64(16, p + 0.5) },
    { kind: "absurd-size-sparse-825GB", make: (): MutantBytes => ({ sparse: 825e9 }) },
    { kind: "wrong-magic-onnx", make: (b: Uint8Array) => (b.set([0x08, 0x08, 0x12, 0x03]), b) },
    { kind: "wrong-magic-text", make: () => new TextEncoder().encode('{"meta": {}}\n') },
    { kind: "prefix-only", make: (b: Uint8Array) => b.slice(0, PREFIX) },
    json("header-null", () => null),
    json("header-array", (x) => [x]),
    json("header-string", () => "meta"),
    json("no-meta", (x) => ({ blobs: x.blobs })),
    json("no-blobs", (x) => ({ meta: x.meta })),
    json("blobs-object", (x) => ({ ...x, blobs: {} })),
    json("blob-null", (x) => ({ ...x, blobs: [null] })),
    json("blob-negative-offset", (x) => firstBlob(x, { offset: -8 })),
    json("blob-fraction-offset", (x) => firstBlob(x, { offset: 0.5 })),
    json("blob-odd-offset", (x) => firstBlob(x, { offset: 2 })),
    json("blob-string-offset", (x) => firstBlob(x, { offset: "0" })),
    json("absurd-blob-length-2^31", (x) => firstBlob(x, { length: 2 ** 31 })),
    json("absurd-blob-length-2^60", (x) => firstBlob(x, { length: 2 ** 60 })),
    json("absurd-blob-offset-2^40", (x) => firstBlob(x, { offset: 2 ** 40 })),
    json("blob-negative-length", (x) => firstBlob(x, { length: -1 })),
    json("blob-name-number", (x) => firstBlob(x, { name: 5 })),
    json("blob-name-proto", (x) => firstBlob(x, { name: "__proto__" })),
    json("blob-name-newline", (x) => firstBlob(x, { name: "w\n0", length: 1e12 })),
    json(
      "blob-duplicate",
      (x) => ({ ...x, blobs: [...(x.blobs as unknown[]), (x.blobs as unknown[])[0]] }),
    ),
    { kind: "signed-invalid-json", make: (b: Uint8Array) => withHeader(b, (t) => t.slice(0, -1)) },
    { kind: "signed-control-chars", make: (b: Uint8Array) => withHeader(b, (t) => `\u0001${t}`) },
  ];
  // bit flips in the JSON header with the checksum fixed: what the structure checks see
  const rand = generator(SEED + 5);
  for (let i = 0; i < 30; i++) {
    const at = PREFIX + Math.floor(rand() * h), bit = Math.floor(rand() * 8);
    out.push({
      kind: `signed-flip-json@${at}.${bit}`,
      make: (b: Uint8Array) => (b[at] ^= 1 << bit, resign(b)),
    });
  }
  return out;
}

/** A run folder made by the trainer's own code (`Model.checkpoint` of a small STE MLP). */
async function seedRun(dir: string): Promise<Uint8Array> {
  const run = await syntheticRun(dir, "ste", { "model-architecture": "MLP_CL", dataset: "mnist" });
  run.model.optimizer.dispose();
  run.model.net.dispose();
  return await Deno.readFile(run.checkpoint);
}

Deno.test("fuzz: checkpoints: every mutant loads or fails with one line naming the file", async () => {
  const sandbox = await Deno.makeTempDir({ prefix: "bnn-fuzz-ckpt-" });
  try {
    const valid = await seedRun(path.join(sandbox, "seed"));
    const report = await fuzzFormat({
      format: "checkpoint",
      seed: SEED,
      mutants: mutants(SEED, valid, {
        headerBytes: PREFIX + view(valid).getUint32(12, true),
        special: specials(valid),
        count: 240,
      }),
      sandbox: path.join(sandbox, "m"),
      file: "run/checkpoints/last.ckpt",
      read: (file) => loadCheckpoint(file),
      checkValid: (v) => {
        const c = v as Checkpoint;
        assert.ok(Object.keys(c.blobs).length > 0);
        for (const b of Object.values(c.blobs)) assert.ok(b instanceof Float32Array);
      },
    });
    console.log(summary(report));
    assert.ok(report.rejected > 200 && report.valid > 0, summary(report));
  } finally {
    await Deno.remove(sandbox, { recursive: true });
  }
});

Deno.test("fuzz: checkpoint mutants through `train --resume` end in exit code 2 and one line", async () => {
  const home = await Deno.makeTempDir({ prefix: "bnn-fuzz-ckpt-cli-" });
  try {
    const valid = await seedRun(path.join(home, "seed"));
    const cases: [string, MutantBytes][] = [
      ["truncated", valid.slice(0, valid.length - 1000)],
      [
        "bit flip",
        (() => {
          const b = valid.slice();
          b[valid.length >> 1] ^= 8;
          return b;
        })(),
      ],
      [
        "absurd header length",
        (() => {
          const b = valid.slice();
          view(b).setUint32(12, 2 ** 32 - 1, true);
          return b;
        })(),
      ],
      ["absurd blob length, re-signed", withJson(valid, (x) => firstBlob(x, { length: 2 ** 31 }))],
      ["directory", "directory"],
    ];
    for (const [i, [what, bytes]] of cases.entries()) {
      const file = path.join(home, `run${i}`, "checkpoints", "last.ckpt");
      await Deno.mkdir(path.dirname(file), { recursive: true });
      if (bytes === "directory") await Deno.mkdir(file);
      else await Deno.writeFile(file, bytes as Uint8Array);
      const r = await expectCliBadInput(
        "train/main.ts",
        ["ste", "--resume", path.join(home, `run${i}`)],
        home,
        file,
      );
      console.log(`train --resume, checkpoint ${what}: ${r.stderr.trim()}`);
    }
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
