/**
 * Helpers of the crash-safety tests (kill_test.ts, run_lock_test.ts, disk_full_test.ts): spawn the
 * CLIs, check that every file of a run folder is complete and valid, and compare two run folders
 * bit for bit, timing aside (what scripts/same_run.ts compares).
 *
 * @module
 */
import assert from "node:assert/strict";
import path from "node:path";
import { loadCheckpoint } from "../../train/checkpoint.ts";
import { resolveConfig } from "../../train/config/mod.ts";
import { withoutTiming } from "../../train/metrics_log.ts";
import type { OptimizerKind } from "../../train/optimizers/optimizer_kind.ts";
import { parseTempName } from "../../train/temp_files.ts";

/** The repository root (the CLIs run from there). */
export const ROOT = new URL("../../", import.meta.url).pathname;

/** A `deno run -A SCRIPT ARGS` child with piped output. */
export function denoCommand(script: string, args: string[]): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  });
}

/** Runs `deno run -A SCRIPT ARGS` to the end. */
export async function runDeno(
  script: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await denoCommand(script, args).output();
  const dec = new TextDecoder();
  return { code: r.code, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr) };
}

/** Every file under `dir`, relative, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string) {
    for await (const e of Deno.readDir(d)) {
      const p = path.join(d, e.name);
      if (e.isDirectory) await walk(p);
      else out.push(path.relative(dir, p));
    }
  }
  await walk(dir).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
  return out.sort();
}

/** What {@linkcode inspectRunFolder} found. */
export interface RunFolderState {
  /** The run's files (temp files and the lock aside). */
  files: string[];
  /** Temp files left by the killed process. */
  temps: string[];
  /** Whether its `run.lock` was left. */
  lock: boolean;
  /** `last.ckpt`'s position, when there is one. */
  last: { epoch: number; step: number } | null;
}

/**
 * Checks that each file in a run folder is absent or complete and valid: `config.json` loads as a
 * config, every `metrics.jsonl` line and `summary.json` parse, `curves.svg` is a whole SVG, the
 * checkpoints load (checksum), a `run.lock` names `pid`, and any temp file is one of `pid`'s
 * (see train/temp_files.ts). Also: a folder with `config.json` has `last.ckpt`, and the logs never
 * run ahead of `last.ckpt`.
 *
 * @param dir The run folder.
 * @param pid The process that wrote it (killed).
 * @param optimizer The run's optimizer.
 */
export async function inspectRunFolder(
  dir: string,
  pid: number,
  optimizer: OptimizerKind,
): Promise<RunFolderState> {
  const state: RunFolderState = { files: [], temps: [], lock: false, last: null };
  let historyLength = -1;
  let metricsRows = 0;
  let epochsDone = 0;
  for (const rel of await listFiles(dir)) {
    const p = path.join(dir, rel);
    const temp = parseTempName(path.basename(rel));
    if (temp !== null) {
      assert.equal(temp.pid, pid, `${rel}: a temp file of another process`);
      state.temps.push(rel);
      continue;
    }
    switch (rel) {
      case "run.lock":
        assert.equal(JSON.parse(await Deno.readTextFile(p)).pid, pid, rel);
        state.lock = true;
        continue;
      case "config.json":
        resolveConfig(optimizer, p, {});
        break;
      case "metrics.jsonl": {
        const text = await Deno.readTextFile(p);
        assert.ok(text === "" || text.endsWith("\n"), `${rel} ends with a whole line`);
        const rows = text.split("\n").filter((l) => l !== "");
        for (const l of rows) assert.equal(typeof JSON.parse(l).epoch, "number", rel);
        metricsRows = rows.length;
        break;
      }
      case "summary.json":
        epochsDone = JSON.parse(await Deno.readTextFile(p)).epochs_done;
        break;
      case "curves.svg":
        assert.match(await Deno.readTextFile(p), /^<svg [\s\S]*<\/svg>\n$/, rel);
        break;
      case "checkpoints/last.ckpt":
      case "checkpoints/best.ckpt": {
        const { meta } = await loadCheckpoint<{ training: Record<string, unknown> }>(p);
        const t = meta.training as { epoch: number; step: number; history: unknown[] };
        if (rel.endsWith("last.ckpt")) {
          state.last = { epoch: t.epoch, step: t.step };
          historyLength = t.history.length;
        }
        break;
      }
      default:
        assert.fail(`${dir}: unexpected file ${rel}`);
    }
    state.files.push(rel);
  }
  if (state.files.includes("config.json")) {
    assert.ok(state.last !== null, `${dir}: config.json without checkpoints/last.ckpt`);
  }
  assert.ok(metricsRows <= Math.max(historyLength, 0), `${dir}: metrics.jsonl ahead of last.ckpt`);
  assert.ok(epochsDone <= Math.max(historyLength, 0), `${dir}: summary.json ahead of last.ckpt`);
  return state;
}

/** Values that differ between two identical runs (as in scripts/same_run.ts). */
const VOLATILE = new Set([
  "seconds",
  "examples_per_s",
  "wall_seconds",
  "created",
  "run_dir",
  "mean_epoch_seconds",
  "mean_examples_per_s",
  "total_epoch_seconds",
  "process_seconds",
]);

/** JSON with the volatile keys dropped at every depth, keys sorted. */
export function stable(v: unknown, drop: readonly string[] = []): string {
  return JSON.stringify(v, (k, x) => {
    if (VOLATILE.has(k) || drop.includes(k)) return undefined;
    if (x && typeof x === "object" && !Array.isArray(x)) {
      return Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b)));
    }
    return x;
  });
}

async function checkpointBits(file: string, drop: readonly string[]) {
  const { meta, blobs } = await loadCheckpoint(file);
  const arrays = Object.fromEntries(
    Object.entries(blobs).map((
      [k, v],
    ) => [k, new Uint8Array(v.buffer, v.byteOffset, v.byteLength)]),
  );
  return { meta: stable(meta, drop), arrays };
}

/**
 * Asserts two finished run folders hold the same run, timing aside: the same files (no lock, no
 * temp file), `config.json` and `curves.svg` byte for byte, `metrics.jsonl` without its timing
 * fields, `summary.json` without timing, and every array and the metadata of both checkpoints.
 *
 * @param got The folder to check.
 * @param want The reference.
 * @param drop Keys to leave out of the metadata comparison too (e.g. `config_name`).
 */
export async function assertSameRun(
  got: string,
  want: string,
  drop: readonly string[] = [],
): Promise<void> {
  assert.deepEqual(await listFiles(got), await listFiles(want), `${got}: the files`);
  for (const f of ["config.json", ...(drop.length ? [] : ["curves.svg"])]) {
    assert.equal(
      await Deno.readTextFile(path.join(got, f)),
      await Deno.readTextFile(path.join(want, f)),
      `${got}/${f}`,
    );
  }
  const rows = async (d: string) =>
    (await Deno.readTextFile(path.join(d, "metrics.jsonl"))).trim().split("\n")
      .map((l) => stable(withoutTiming(JSON.parse(l))));
  assert.deepEqual(await rows(got), await rows(want), `${got}/metrics.jsonl`);
  const summary = async (d: string) =>
    stable(JSON.parse(await Deno.readTextFile(path.join(d, "summary.json"))), drop);
  assert.equal(await summary(got), await summary(want), `${got}/summary.json`);
  for (const c of ["checkpoints/last.ckpt", "checkpoints/best.ckpt"]) {
    const [a, b] = [
      await checkpointBits(path.join(got, c), drop),
      await checkpointBits(path.join(want, c), drop),
    ];
    assert.equal(a.meta, b.meta, `${got}/${c}: metadata`);
    assert.deepEqual(Object.keys(a.arrays).sort(), Object.keys(b.arrays).sort(), `${got}/${c}`);
    for (const k of Object.keys(b.arrays)) {
      assert.ok(
        a.arrays[k]!.length === b.arrays[k]!.length &&
          a.arrays[k]!.every((x, i) => x === b.arrays[k]![i]),
        `${got}/${c}: array ${k} differs`,
      );
    }
  }
}
