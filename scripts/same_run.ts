/**
 * Compares two run folders bit for bit, timing aside: `metrics.jsonl` without its timing
 * fields, every float32 array of `checkpoints/{last,best}.ckpt` and the checkpoints' metadata
 * without timing, and `model.onnx` when both folders have one. Prints one line per file and
 * exits 1 when anything differs. For refactors that must not change behaviour:
 *
 *     deno run -A scripts/same_run.ts RUN_BEFORE RUN_AFTER
 *
 * @module
 */
import { createHash } from "node:crypto";
import { loadCheckpoint } from "../train/checkpoint.ts";
import { withoutTiming } from "../train/metrics_log.ts";

/** Run-specific values that differ between two otherwise identical runs. */
const VOLATILE = new Set(["seconds", "examples_per_s", "wall_seconds", "created", "run_dir"]);

/** JSON with the volatile keys dropped at every depth, keys sorted. */
function stable(v: unknown): string {
  return JSON.stringify(v, (k, x) => {
    if (VOLATILE.has(k)) return undefined;
    if (x && typeof x === "object" && !Array.isArray(x) && !ArrayBuffer.isView(x)) {
      return Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b)));
    }
    return x;
  });
}

async function metrics(dir: string): Promise<string> {
  const lines = (await Deno.readTextFile(`${dir}/metrics.jsonl`)).trim().split("\n");
  return lines.map((l) => stable(withoutTiming(JSON.parse(l)))).join("\n");
}

async function checkpoint(file: string): Promise<string> {
  const { meta, blobs } = await loadCheckpoint(file);
  const hash = createHash("sha256");
  for (const name of Object.keys(blobs).sort()) {
    hash.update(name);
    hash.update(new Uint8Array(blobs[name].buffer, blobs[name].byteOffset, blobs[name].byteLength));
  }
  return `${hash.digest("hex")} ${createHash("sha256").update(stable(meta)).digest("hex")}`;
}

async function fileHash(file: string): Promise<string | null> {
  try {
    return createHash("sha256").update(await Deno.readFile(file)).digest("hex");
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

if (import.meta.main) {
  const [a, b] = Deno.args;
  if (a === undefined || b === undefined) {
    console.error("usage: deno run -A scripts/same_run.ts RUN_BEFORE RUN_AFTER");
    Deno.exit(2);
  }
  const checks: [string, (dir: string) => Promise<string | null>][] = [
    ["metrics.jsonl (timing aside)", metrics],
    ["checkpoints/last.ckpt (arrays, metadata)", (d) => checkpoint(`${d}/checkpoints/last.ckpt`)],
    ["checkpoints/best.ckpt (arrays, metadata)", (d) => checkpoint(`${d}/checkpoints/best.ckpt`)],
    ["model.onnx", (d) => fileHash(`${d}/model.onnx`)],
  ];
  let same = true;
  for (const [what, read] of checks) {
    const [x, y] = [await read(a), await read(b)];
    const verdict = x === y ? "same" : "DIFFERENT";
    if (x !== y) same = false;
    const shown = x === null
      ? "absent"
      : x.length > 80
      ? x.slice(0, 16)
      : x.split(" ")[0].slice(0, 16);
    console.log(`${verdict.padEnd(9)} ${what}  ${shown}`);
  }
  Deno.exit(same ? 0 : 1);
}
