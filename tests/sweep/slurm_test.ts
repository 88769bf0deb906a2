/**
 * A sweep on a real Slurm (tests/sweep/_slurm.ts starts a one-node cluster here): 2 configs × 2
 * seeds (MNIST stand-in, 1,000 images, the 784-100-100-10 MLP, batches of 5, 2 epochs, a
 * checkpoint every 20 steps) submitted with `--engine slurm`, two tasks at a time. One task is
 * requeued mid-run (`scontrol requeue`, which sends it SIGTERM: `train` checkpoints and exits 75)
 * and let start again at once; every job's run folder must then equal, bit for bit (timing
 * aside), the same sweep run with `--engine local`, and `sweep status` must say 4 done.
 * Skipped, by name, when Slurm cannot start (not root, packages missing).
 *
 * Measured on the 2-core development machine (other work running): 40–60 s.
 * @module
 */
import assert from "node:assert/strict";
import path from "node:path";
import { assertSameRun, ROOT } from "../train/_run_folder.ts";
import { syntheticMnistDir } from "../_fixtures/synthetic_mnist.ts";
import { startSlurm } from "./_slurm.ts";
import { runPaths } from "../../train/run_folder.ts";
import { PREEMPTED_EXIT_CODE } from "../../train/preemption.ts";
import { sweepPaths, taskLog } from "../../sweep/sweep_folder.ts";

const slurm = await startSlurm();
const SKIP = typeof slurm === "string" ? slurm : null;
if (SKIP !== null) {
  console.warn(`tests/sweep/slurm_test.ts skipped: Slurm cannot start here: ${SKIP}`);
}
globalThis.addEventListener("unload", () => {
  // a failed test leaves the daemons running: stop them with the process
  if (typeof slurm !== "string") void slurm.stop();
});

const GRID = (data: string) => [
  "tiny",
  "mnist_ste",
  "mnist_bayesbinn",
  "--seeds",
  "1-2",
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
  "20",
  "--data-dir",
  data,
];

/** Runs the sweep CLI with `env`. */
async function sweep(args: string[], env: Record<string, string> = {}) {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "sweep/main.ts", ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout) + dec.decode(r.stderr) };
}

/** Polls `check` every 100 ms until it returns a value; fails after `seconds`. */
async function until<T>(what: string, seconds: number, check: () => Promise<T | null>): Promise<T> {
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    const v = await check();
    if (v !== null) return v;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error(`waited ${seconds} s for ${what}`);
}

Deno.test({
  name: `sweep --engine slurm: a requeued task resumes, every job bit-identical to --engine local${
    SKIP ? ` (skipped: ${SKIP})` : ""
  }`,
  ignore: SKIP !== null,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    if (typeof slurm === "string") return;
    const data = await syntheticMnistDir();
    const work = await Deno.makeTempDir({ prefix: "bnn-sweep-slurm-" });
    try {
      const [local, onSlurm] = [path.join(work, "local"), path.join(work, "slurm")];
      const submitted = await sweep(
        [...GRID(data), "--engine", "slurm", "--parallel", "2", "--root", onSlurm],
        slurm.env,
      );
      assert.equal(submitted.code, 0, submitted.out);
      const jobId = /submitted Slurm job (\d+)/.exec(submitted.out)?.[1];
      assert.ok(jobId, submitted.out);
      const again = await sweep(
        [...GRID(data), "--engine", "slurm", "--parallel", "2", "--root", onSlurm],
        slurm.env,
      );
      assert.equal(again.code, 2, again.out);
      assert.match(again.out, new RegExp(`still in Slurm's queue as job ${jobId}`));
      const localRun = sweep([...GRID(data), "--root", local]); // meanwhile, the reference

      // requeue the first task caught mid-run: training started (last.ckpt) but not finished
      const paths = sweepPaths(onSlurm, "tiny");
      const queue = async () =>
        (await slurm.run("squeue", ["-h", "-r", "-j", jobId, "-o", "%K %T"])).out;
      const requeued = await until("a task to requeue mid-run", 60, async () => {
        for (const line of (await queue()).split("\n")) {
          const [task, state] = line.trim().split(" ");
          if (state !== "RUNNING") continue;
          const run = runPaths(
            path.join(
              paths.dir,
              ["mnist_ste", "mnist_bayesbinn"][Math.floor(Number(task) / 2)]!,
              `seed-${Number(task) % 2 + 1}`,
            ),
          );
          const epochs = (await Deno.readTextFile(run.metrics).catch(() => "")).split("\n").length -
            1;
          const started = await Deno.stat(run.lastCheckpoint).then(() => true, () => false);
          if (!started || epochs >= 2) continue;
          const r = await slurm.run("scontrol", ["requeue", `${jobId}_${task}`]);
          if (r.code === 0) return task!;
        }
        return null;
      });
      await until(
        "the requeued task to be held",
        20,
        async () => (await queue()).includes(`${requeued} PENDING`) ? true : null,
      );
      await slurm.releaseNow(`${jobId}_${requeued}`);
      await until(
        "every task to end",
        120,
        async () => (await queue()).trim() === "" ? true : null,
      );

      const status = await sweep(["status", "tiny", "--root", onSlurm], slurm.env);
      assert.match(status.out, /4 done, 0 running, 0 queued, 0 failed/, status.out);
      const log = await Deno.readTextFile(taskLog(paths, Number(requeued)));
      assert.match(log, /attempt 2/, log);
      assert.match(
        log,
        new RegExp(`ended with exit code ${PREEMPTED_EXIT_CODE} after SIGTERM`),
        log,
      );

      const reference = await localRun;
      assert.equal(reference.code, 0, reference.out);
      for (const config of ["mnist_ste", "mnist_bayesbinn"]) {
        for (const seed of [1, 2]) {
          const dir = path.join(config, `seed-${seed}`);
          await assertSameRun(path.join(paths.dir, dir), path.join(local, "tiny", dir));
        }
      }
    } finally {
      await Deno.remove(work, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name: `slurm stop: the daemons end${SKIP ? ` (skipped: ${SKIP})` : ""}`,
  ignore: SKIP !== null,
  async fn() {
    if (typeof slurm !== "string") await slurm.stop();
  },
});
