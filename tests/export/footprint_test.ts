/**
 * bnn writes only where it says: a train → export → eval cycle, each CLI in its own process
 * with a fresh HOME, XDG_CACHE_HOME, TMPDIR and working folder, leaves files only in the run
 * folder, the export's `--out` and the bnn cache. (DENO_DIR is pinned to the real one: Deno's
 * own module cache is the runtime's, not bnn's, and would otherwise land in XDG_CACHE_HOME.)
 * @module
 */
import assert from "node:assert/strict";
import path from "node:path";
import { mnistDataDir } from "../_fixtures/synthetic_mnist.ts";

const ROOT = path.resolve(new URL("../..", import.meta.url).pathname);
const DENO_DIR = JSON.parse(
  new TextDecoder().decode(
    (await new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdout: "piped" })
      .output()).stdout,
  ),
).denoDir as string;

/** Every file under `dir`, relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string) {
    for await (const e of Deno.readDir(d)) {
      const p = path.join(d, e.name);
      if (e.isDirectory) await walk(p);
      else out.push(path.relative(dir, p));
    }
  }
  await walk(dir);
  return out.sort();
}

Deno.test("train, export and eval write nothing outside the run folder, --out and the bnn cache", async () => {
  const root = await Deno.makeTempDir({ prefix: "bnn-footprint-" });
  try {
    for (const d of ["home", "cache", "tmp", "work"]) await Deno.mkdir(`${root}/${d}`);
    const env = {
      HOME: `${root}/home`,
      XDG_CACHE_HOME: `${root}/cache`,
      TMPDIR: `${root}/tmp`,
      DENO_DIR,
      NO_COLOR: "1",
    };
    const run = async (script: string, args: string[]) => {
      const r = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--config", `${ROOT}/deno.jsonc`, `${ROOT}/${script}`, ...args],
        cwd: `${root}/work`,
        env,
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(r.code, 0, `${script}: ${new TextDecoder().decode(r.stderr)}`);
    };
    const data = await mnistDataDir();
    await run("train/main.ts", [
      "ste",
      "--model-architecture",
      "MLP_CL",
      "--epochs",
      "1",
      "--limit-train",
      "600",
      "--limit-test",
      "100",
      "--data-dir",
      data,
      "--out",
      `${root}/work/run`,
    ]);
    await run("export/main.ts", [`${root}/work/run`, "--out", `${root}/work/out/m.onnx`]);
    await run("export/eval_main.ts", [
      `${root}/work/out/m.onnx`,
      "--data-dir",
      data,
      "--limit",
      "100",
    ]);
    const files = await filesUnder(root);
    const allowed = /^(work\/run\/|work\/out\/|cache\/bnn\/)/;
    assert.deepEqual(files.filter((f) => !allowed.test(f)), []);
    // the cycle did write what it says it writes
    for (const f of ["work/run/summary.json", "work/out/m.onnx", "work/out/m.onnx.json"]) {
      assert.ok(files.includes(f), `${f} missing from ${files}`);
    }
    assert.ok(files.some((f) => /^work\/out\/m\.test\.reliability\.svg$/.test(f)), `${files}`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
