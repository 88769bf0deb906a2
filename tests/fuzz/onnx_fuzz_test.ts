/**
 * Fuzzed ONNX models given to `eval` (export/eval.ts): 220 mutants of a model `writeOnnxExport`
 * wrote for a tiny MNIST classifier (flatten, one binary dense layer) through `evaluateOnnx`,
 * what `deno task eval` calls; then a few through `export/eval_main.ts`.
 * @module
 */
import assert from "node:assert/strict";
import path from "node:path";
import { type EvalResult, evaluateOnnx } from "../../export/eval.ts";
import { writeOnnxExport } from "../../export/export.ts";
import { syntheticMnistDir } from "../_fixtures/synthetic_mnist.ts";
import {
  expectCliBadInput,
  fuzzFormat,
  generator,
  type MutantBytes,
  mutants,
  type SpecialMutant,
  summary,
} from "./_mutate.ts";
import { linearSpec } from "../_fixtures/tiny_specs.ts";

const SEED = 0x0e1;

/** A valid model and its sidecar, written by bnn's exporter. */
async function seedModel(dir: string): Promise<{ onnx: Uint8Array; sidecar: Uint8Array }> {
  const rand = generator(SEED);
  const weights = Float32Array.from({ length: 784 * 10 }, () => (rand() < 0.5 ? -1 : 1));
  const out = path.join(dir, "model.onnx");
  await writeOnnxExport(
    {
      spec: linearSpec([28, 28, 1], 10),
      weightSets: [[weights]],
      batchNorms: [],
    },
    out,
    { dataset: "mnist" },
  );
  return { onnx: await Deno.readFile(out), sidecar: await Deno.readFile(`${out}.json`) };
}

/** Every position of the protobuf varint encoding of `value` in `bytes`. */
function findVarint(bytes: Uint8Array, value: number): number[] {
  const enc: number[] = [];
  for (let v = value;; v = Math.floor(v / 128)) {
    if (v < 128) {
      enc.push(v);
      break;
    }
    enc.push((v % 128) | 128);
  }
  const at: number[] = [];
  for (let i = 0; i + enc.length <= bytes.length; i++) {
    if (enc.every((b, j) => bytes[i + j] === b)) at.push(i);
  }
  return at;
}

/** `bytes` with the `n`-byte varint at `at` replaced by the same-width varint `value` (padded). */
function setVarint(bytes: Uint8Array, at: number, n: number, value: number): Uint8Array {
  for (let j = 0; j < n; j++) {
    const part = Math.floor(value / 128 ** j) % 128;
    bytes[at + j] = j < n - 1 ? part | 128 : part;
  }
  return bytes;
}

function specials(valid: Uint8Array): SpecialMutant[] {
  // the dims 28 (input H, W) and 784 (the dense layer's inputs) as the protobuf writes them
  const dims28 = findVarint(valid, 28).filter((i) => valid[i - 1] === 0x08); // dim_value field
  const dims784 = findVarint(valid, 784);
  const out: SpecialMutant[] = [
    { kind: "wrong-magic-gzip", make: (b) => (b.set([0x1f, 0x8b, 8, 0]), b) },
    { kind: "wrong-magic-text", make: () => new TextEncoder().encode("not a model\n") },
    {
      kind: "wrong-format-checkpoint",
      make: (b) => (b.set(new TextEncoder().encode("BNNCKPT\0")), b),
    },
    { kind: "zeros", make: (b) => b.fill(0) },
    { kind: "ones", make: (b) => b.fill(0xff) },
    { kind: "first-half", make: (b) => b.slice(0, b.length >> 1) },
    { kind: "absurd-size-sparse-825GB", make: (): MutantBytes => ({ sparse: 825e9 }) },
  ];
  for (const [k, at] of dims28.entries()) {
    out.push({ kind: `dim-28->0@${at}`, make: (b) => setVarint(b, at, 1, 0) });
    out.push({
      kind: `dim-28->127@${at}`,
      make: (b) => setVarint(b, at, 1, 127),
    });
    if (k > 4) break;
  }
  for (const at of dims784.slice(0, 4)) {
    out.push({ kind: `dim-784->16383@${at}`, make: (b) => setVarint(b, at, 2, 16383) });
    out.push({ kind: `dim-784->1@${at}`, make: (b) => setVarint(b, at, 2, 1) });
  }
  return out;
}

const LIMIT = 30;

Deno.test("fuzz: ONNX models given to eval: every mutant evaluates or fails with one line naming the file", async () => {
  const sandbox = await Deno.makeTempDir({ prefix: "bnn-fuzz-onnx-" });
  const dataDir = await syntheticMnistDir();
  try {
    const { onnx, sidecar } = await seedModel(sandbox);
    const report = await fuzzFormat({
      format: "onnx",
      seed: SEED,
      mutants: mutants(SEED, onnx, { headerBytes: 200, special: specials(onnx), count: 220 }),
      sandbox: path.join(sandbox, "m"),
      file: "model.onnx",
      companions: { "model.onnx.json": sidecar },
      read: (file) =>
        evaluateOnnx(file, { dataset: "mnist", dataDir, limit: LIMIT, svgPath: "", threads: 1 }),
      checkValid: (v) => {
        const r = v as EvalResult;
        assert.equal(r.count, LIMIT);
        assert.ok(r.accuracy >= 0 && r.accuracy <= 1);
      },
      timeoutMs: 10_000,
    });
    console.log(summary(report));
    assert.ok(report.rejected > 50 && report.valid > 0, summary(report));
  } finally {
    await Deno.remove(sandbox, { recursive: true });
  }
});

Deno.test("fuzz: ONNX mutants through the eval CLI end in exit code 2 and one line", async () => {
  const home = await Deno.makeTempDir({ prefix: "bnn-fuzz-onnx-cli-" });
  const dataDir = await syntheticMnistDir();
  try {
    const { onnx, sidecar } = await seedModel(home);
    const cases: [string, MutantBytes][] = [
      ["truncated", onnx.slice(0, onnx.length >> 1)],
      ["wrong magic", new TextEncoder().encode("not a model\n")],
      ["zeros", new Uint8Array(onnx.length)],
      ["directory", "directory"],
    ];
    for (const [i, [what, bytes]] of cases.entries()) {
      const file = path.join(home, `m${i}.onnx`);
      await Deno.writeFile(`${file}.json`, sidecar);
      if (bytes === "directory") await Deno.mkdir(file);
      else await Deno.writeFile(file, bytes as Uint8Array);
      const r = await expectCliBadInput(
        "export/eval_main.ts",
        [file, "--dataset", "mnist", "--data-dir", dataDir, "--limit", "10", "--svg", ""],
        home,
        file,
      );
      console.log(`eval CLI, ONNX ${what}: ${r.stderr.trim()}`);
    }
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
