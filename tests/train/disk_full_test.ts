/**
 * Full disk, no permission, read-only: a checkpoint or an export that cannot be written ends with
 * one line naming the file and the cause (`no space left on device`, `permission denied`,
 * `read-only file system`) and exit code 2, keeps the previous files as they were and leaves no
 * temp file; the run then resumes, once the disk is writable again, to the same bits as a run
 * never stopped.
 *
 * The mechanisms need root on Linux: a small tmpfs (`mount -t tmpfs -o size=…`) for a full disk, a
 * read-only bind mount for a read-only file system, and `setpriv` dropping CAP_DAC_OVERRIDE for
 * "permission denied" (root writes through `chmod` otherwise). Where one is missing its test is
 * skipped, visibly: its name says what it needs.
 *
 * @module
 */
import assert from "node:assert/strict";
import { loadCheckpoint } from "../../train/checkpoint.ts";
import type { CheckpointMeta } from "../../train/trainer.ts";
import { syntheticMnistDir } from "../_fixtures/synthetic_mnist.ts";
import { assertSameRun, denoCommand, listFiles, ROOT, runDeno } from "./_run_folder.ts";

/** Runs a command quietly; true when it succeeds. */
async function ok(cmd: string, args: string[]): Promise<boolean> {
  try {
    return (await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output()).success;
  } catch {
    return false;
  }
}

async function mount(args: string[]): Promise<void> {
  const r = await new Deno.Command("mount", { args, stdout: "null", stderr: "piped" }).output();
  if (!r.success) throw new Error(`mount ${args.join(" ")}: ${new TextDecoder().decode(r.stderr)}`);
}

/** Whether this process may mount a tmpfs (root on Linux, not in a locked-down container). */
async function canMountTmpfs(): Promise<boolean> {
  if (Deno.build.os !== "linux") return false;
  const dir = await Deno.makeTempDir();
  try {
    if (!(await ok("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir]))) return false;
    return await ok("umount", [dir]);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

const TMPFS = await canMountTmpfs();
/** `setpriv` can drop CAP_DAC_OVERRIDE, and we are root (whom `chmod` does not stop otherwise). */
const SETPRIV = Deno.uid() === 0 &&
  await ok("setpriv", ["--bounding-set", "-dac_override,-dac_read_search", "true"]);
const NO_DAC = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"];

const DATA_DIR = await syntheticMnistDir();
/** A 2-epoch run of the small MLP, `last.ckpt` (1 MiB) every 2 steps. */
const ARGS = [
  "ste",
  "--model-architecture",
  "MLP_CL",
  "--epochs",
  "2",
  "--limit-train",
  "600",
  "--limit-test",
  "200",
  "--batch-size",
  "10",
  "--checkpoint-every",
  "2",
  "--data-dir",
  DATA_DIR,
  "--backend",
  "wasm",
];

let reference: Promise<string> | undefined;
/** The uninterrupted run (made once, removed at exit). */
function referenceRun(): Promise<string> {
  reference ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "bnn-disk-ref-" });
    globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
    const r = await runDeno("train/main.ts", [...ARGS, "--out", `${dir}/run`]);
    assert.equal(r.code, 0, r.stderr);
    const e = await runDeno("export/main.ts", [`${dir}/run`, "--out", `${dir}/export/model.onnx`]);
    assert.equal(e.code, 0, e.stderr);
    return dir;
  })();
  return reference;
}

/** A run killed after a mid-epoch checkpoint (step ≥ 2), to be resumed. */
async function killedRun(out: string): Promise<void> {
  const child = denoCommand("train/main.ts", [...ARGS, "--out", out]).spawn();
  for (let i = 0; i < 6000; i++) {
    const t = await loadCheckpoint<CheckpointMeta>(`${out}/checkpoints/last.ckpt`).then(
      (c) => c.meta.training,
      () => null,
    );
    if (t !== null && t.step >= 2) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  child.kill("SIGKILL");
  const status = await child.status;
  await child.stdout.cancel();
  await child.stderr.cancel();
  assert.equal(status.signal, "SIGKILL");
  // what the killed process left but a resume would clean: its lock and temp files
  for (const f of await listFiles(out)) {
    if (f === "run.lock" || f.endsWith(".tmp")) await Deno.remove(`${out}/${f}`);
  }
}

/** Runs `cmd args` (a deno CLI under `prefix`, e.g. setpriv) from the repository root. */
async function run(prefix: string[], script: string, args: string[]) {
  const [cmd, ...rest] = [...prefix, Deno.execPath(), "run", "-A", script, ...args];
  const r = await new Deno.Command(cmd!, { args: rest, cwd: ROOT, env: { NO_COLOR: "1" } })
    .output();
  const dec = new TextDecoder();
  return { code: r.code, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr) };
}

/** The files of a folder with their bytes. */
async function snapshot(dir: string): Promise<Record<string, Uint8Array>> {
  const out: Record<string, Uint8Array> = {};
  for (const f of await listFiles(dir)) out[f] = await Deno.readFile(`${dir}/${f}`);
  return out;
}

Deno.test({
  name:
    `a checkpoint on a full disk ends with one line and exit 2, keeps the previous one, and resumes${
      TMPFS ? "" : " [needs root: mount -t tmpfs]"
    }`,
  ignore: !TMPFS,
  async fn() {
    const ref = await referenceRun();
    const dir = await Deno.makeTempDir();
    const disk = `${dir}/disk`;
    await Deno.mkdir(disk);
    // room for config.json, the lock and one checkpoint (1.03 MiB), not for a second one beside it
    await mount(["-t", "tmpfs", "-o", "size=1600k", "tmpfs", disk]);
    try {
      const out = `${disk}/run`;
      const r = await runDeno("train/main.ts", [...ARGS, "--out", out]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        /^error: cannot write .*\/disk\/run\/checkpoints\/last\.ckpt: no space left on device\n$/,
      );
      // the previous checkpoint (step 0) is whole; no temp file, no lock
      assert.deepEqual(await listFiles(out), ["checkpoints/last.ckpt", "config.json"]);
      const kept = await loadCheckpoint<CheckpointMeta>(`${out}/checkpoints/last.ckpt`);
      assert.deepEqual([kept.meta.training.epoch, kept.meta.training.step], [0, 0]);
      // with room again, the run resumes to the same bits as the run never stopped
      await mount(["-o", "remount,size=16m", disk]);
      const again = await runDeno("train/main.ts", ["ste", "--resume", out]);
      assert.equal(again.code, 0, again.stderr);
      await assertSameRun(out, `${ref}/run`);
    } finally {
      await ok("umount", [disk]);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: `an export on a full disk ends with one line and exit 2 and keeps the previous model${
    TMPFS ? "" : " [needs root: mount -t tmpfs]"
  }`,
  ignore: !TMPFS,
  async fn() {
    const ref = await referenceRun();
    const dir = await Deno.makeTempDir();
    const disk = `${dir}/disk`;
    await Deno.mkdir(disk);
    await mount(["-t", "tmpfs", "-o", "size=64k", "tmpfs", disk]);
    try {
      // a previous export, then a disk filled up
      for (const f of ["model.onnx", "model.onnx.json"]) {
        await Deno.copyFile(`${ref}/export/${f}`, `${disk}/${f}`);
      }
      await Deno.writeFile(`${disk}/filler`, new Uint8Array(1 << 20)).catch(() => {});
      const before = await snapshot(disk);
      const r = await runDeno("export/main.ts", [`${ref}/run`, "--out", `${disk}/model.onnx`]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        /^bnn export: cannot write .*\/disk\/model\.onnx(\.json)?: no space left on device\n$/,
      );
      assert.deepEqual(await snapshot(disk), before);
    } finally {
      await ok("umount", [disk]);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    `a checkpoint or export without write permission ends with one line and exit 2, keeping the previous files${
      SETPRIV ? "" : " [needs root and setpriv]"
    }`,
  ignore: !SETPRIV,
  async fn() {
    const ref = await referenceRun();
    const dir = await Deno.makeTempDir();
    try {
      const out = `${dir}/run`;
      await killedRun(out);
      const before = await snapshot(`${out}/checkpoints`);
      await Deno.chmod(`${out}/checkpoints`, 0o555);
      const r = await run(NO_DAC, "train/main.ts", ["ste", "--resume", out]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        /^error: cannot write .*\/run\/checkpoints\/last\.ckpt: permission denied\n$/,
      );
      assert.deepEqual(await snapshot(`${out}/checkpoints`), before);
      assert.ok(!(await listFiles(out)).includes("run.lock"));
      await Deno.chmod(`${out}/checkpoints`, 0o755);
      const again = await runDeno("train/main.ts", ["ste", "--resume", out]);
      assert.equal(again.code, 0, again.stderr);
      await assertSameRun(out, `${ref}/run`);

      // export into a folder it may not write
      const exp = `${dir}/export`;
      await Deno.mkdir(exp);
      for (const f of ["model.onnx", "model.onnx.json"]) {
        await Deno.copyFile(`${ref}/export/${f}`, `${exp}/${f}`);
      }
      const kept = await snapshot(exp);
      await Deno.chmod(exp, 0o555);
      const e = await run(NO_DAC, "export/main.ts", [`${ref}/run`, "--out", `${exp}/model.onnx`]);
      assert.equal(e.code, 2, e.stderr);
      assert.match(
        e.stderr,
        /^bnn export: cannot write .*\/export\/model\.onnx: permission denied\n$/,
      );
      assert.deepEqual(await snapshot(exp), kept);
      await Deno.chmod(exp, 0o755);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    `a checkpoint on a read-only file system ends with one line and exit 2, keeping the previous one${
      TMPFS ? "" : " [needs root: mount --bind, remount ro]"
    }`,
  ignore: !TMPFS,
  async fn() {
    const ref = await referenceRun();
    const dir = await Deno.makeTempDir();
    const ckpts = `${dir}/run/checkpoints`;
    let mounted = false;
    try {
      await killedRun(`${dir}/run`);
      const before = await snapshot(ckpts);
      await mount(["--bind", ckpts, ckpts]);
      mounted = true;
      await mount(["-o", "remount,bind,ro", ckpts]);
      const r = await runDeno("train/main.ts", ["ste", "--resume", `${dir}/run`]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        /^error: cannot write .*\/run\/checkpoints\/last\.ckpt: read-only file system\n$/,
      );
      assert.deepEqual(await snapshot(ckpts), before);
      await ok("umount", [ckpts]);
      mounted = false;
      const again = await runDeno("train/main.ts", ["ste", "--resume", `${dir}/run`]);
      assert.equal(again.code, 0, again.stderr);
      await assertSameRun(`${dir}/run`, `${ref}/run`);
    } finally {
      if (mounted) await ok("umount", [ckpts]);
      await Deno.remove(dir, { recursive: true });
    }
  },
});
