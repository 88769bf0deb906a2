/**
 * The sweep's sbatch script without Slurm: bash runs an array task as Slurm would (the
 * `SLURM_ARRAY_*` variables set, a stand-in `scontrol` on the PATH that records its arguments).
 * SIGUSR1 mid-run — Slurm's warning before the time limit — reaches `train` through the script;
 * `train` writes its checkpoint and exits 75, the script records it and requeues its own task;
 * the task run again resumes and ends bit-identical to the same job run by `--engine local`.
 * @module
 */
import assert from "node:assert/strict";
import path from "node:path";
import { PREEMPTED_EXIT_CODE } from "../../train/preemption.ts";
import { runPaths } from "../../train/run_folder.ts";
import { parseSweepArgs, type StartArgs } from "../../sweep/cli_args.ts";
import { jobsOf } from "../../sweep/manifest.ts";
import { prepareSweep } from "../../sweep/prepare.ts";
import { slurmScript } from "../../sweep/slurm_script.ts";
import { readExit } from "../../sweep/exit_record.ts";
import { syntheticMnistDir } from "../_fixtures/synthetic_mnist.ts";
import { assertSameRun, ROOT } from "../train/_run_folder.ts";

const GRID = (data: string, root: string) => [
  "t",
  "mnist_bayesbinn",
  "--seeds",
  "3",
  "--epochs",
  "2",
  "--limit-train",
  "1000",
  "--limit-test",
  "200",
  "--batch-size",
  "5",
  "--model-architecture",
  "MLP_CL",
  "--checkpoint-every",
  "50",
  "--data-dir",
  data,
  "--root",
  root,
];

/** The script of the sweep `args` asks for, written beside its manifest. */
async function writeScript(args: string[]) {
  const { manifest, paths } = await prepareSweep(parseSweepArgs(args) as StartArgs);
  const script = slurmScript({
    name: "t",
    jobs: jobsOf(manifest),
    settings: manifest.settings,
    paths,
    workDir: ROOT,
    parallel: 2,
    deno: Deno.execPath(),
    provenance: "test",
  });
  await Deno.writeTextFile(paths.script, script);
  return { paths, job: jobsOf(manifest)[0]! };
}

/** Runs the array task `task` of `script` under bash; `scontrol` calls go to `calls`. */
function runTask(script: string, task: number, fakeBin: string) {
  return new Deno.Command("bash", {
    args: [script],
    cwd: ROOT,
    env: {
      SLURM_ARRAY_TASK_ID: String(task),
      SLURM_ARRAY_JOB_ID: "77",
      PATH: `${fakeBin}:${Deno.env.get("PATH")}`,
      NO_COLOR: "1",
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

Deno.test("sbatch script: bash accepts it; an unknown task index exits 2", async () => {
  const root = await Deno.makeTempDir();
  const { paths } = await writeScript(GRID("/nonexistent", root));
  const syntax = await new Deno.Command("bash", { args: ["-n", paths.script] }).output();
  assert.equal(syntax.code, 0);
  const text = await Deno.readTextFile(paths.script);
  for (
    const line of ["#SBATCH --array=0-0%2", "#SBATCH --requeue", "#SBATCH --signal=B:USR1@120"]
  ) {
    assert.ok(text.includes(line), line);
  }
  const child = runTask(paths.script, 5, "/nonexistent");
  const r = await child.output();
  assert.equal(r.code, 2);
  assert.match(new TextDecoder().decode(r.stderr), /no job 5 in this sweep/);
  await Deno.remove(root, { recursive: true });
});

Deno.test("sbatch script: SIGUSR1 → train checkpoints, exits 75, the task requeues itself; run again it resumes bit-identical", async () => {
  const data = await syntheticMnistDir();
  const root = await Deno.makeTempDir();
  const fakeBin = await Deno.makeTempDir();
  const calls = path.join(fakeBin, "calls");
  await Deno.writeTextFile(path.join(fakeBin, "scontrol"), `#!/bin/sh\necho "$@" >> ${calls}\n`);
  await Deno.chmod(path.join(fakeBin, "scontrol"), 0o755);
  try {
    const { paths, job } = await writeScript(GRID(data, path.join(root, "slurm")));
    const child = runTask(paths.script, 0, fakeBin);
    // wait for training to be under way (past the first mid-epoch checkpoint), then warn it
    const run = runPaths(job.runDir);
    const end = Date.now() + 60_000;
    while (Date.now() < end) {
      const ckpt = await Deno.stat(run.lastCheckpoint).catch(() => null);
      if (
        ckpt &&
        ckpt.mtime!.getTime() > (await Deno.stat(run.config).catch(() => ckpt)).mtime!.getTime() + 1
      ) break;
      await new Promise((ok) => setTimeout(ok, 50));
    }
    child.kill("SIGUSR1");
    const first = await child.output();
    const out = new TextDecoder().decode(first.stdout) + new TextDecoder().decode(first.stderr);
    assert.equal(first.code, PREEMPTED_EXIT_CODE, out);
    assert.match(out, /preempted by SIGUSR1: stopped at epoch \d, step \d+/, out);
    assert.match(
      out,
      new RegExp(`task 0 ended with exit code ${PREEMPTED_EXIT_CODE} after SIGUSR1`),
    );
    assert.equal(await Deno.readTextFile(calls), "requeue 77_0\n");
    assert.equal(await readExit(paths, 0), PREEMPTED_EXIT_CODE);
    const epochs = (await Deno.readTextFile(run.metrics).catch(() => "")).trim().split("\n").filter(
      Boolean,
    );
    assert.ok(epochs.length < 2, "the run had finished before the signal");

    const second = await runTask(paths.script, 0, fakeBin).output();
    assert.equal(second.code, 0, new TextDecoder().decode(second.stderr));
    assert.match(new TextDecoder().decode(second.stdout), /resuming .* at epoch \d, step \d+/);
    assert.equal(await readExit(paths, 0), 0);

    const local = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "sweep/main.ts", ...GRID(data, path.join(root, "local"))],
      cwd: ROOT,
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(local.code, 0, new TextDecoder().decode(local.stderr));
    await assertSameRun(job.runDir, path.join(root, "local", "t", "mnist_bayesbinn", "seed-3"));
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(fakeBin, { recursive: true });
  }
});
