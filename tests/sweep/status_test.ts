import assert from "node:assert/strict";
import path from "node:path";
import { lockRunFolder } from "../../train/run_lock.ts";
import { runPaths } from "../../train/run_folder.ts";
import { writeExit } from "../../sweep/exit_record.ts";
import type { Manifest } from "../../sweep/manifest.ts";
import { formatStatus, sweepStatus } from "../../sweep/status.ts";
import { sweepPaths } from "../../sweep/sweep_folder.ts";

/** A run folder with `epochs` metrics lines and, with `finished`, a finished summary. */
async function runFolder(dir: string, epochs: number, finished = false): Promise<void> {
  const p = runPaths(dir);
  await Deno.mkdir(p.checkpoints, { recursive: true });
  const lines = Array.from({ length: epochs }, (_, e) => JSON.stringify({ epoch: e }) + "\n");
  await Deno.writeTextFile(p.metrics, lines.join(""));
  if (finished) await Deno.writeTextFile(p.summary, JSON.stringify({ finished: true }));
}

Deno.test("sweepStatus() tells done, running, queued, failed, stopped and not started apart", async () => {
  const root = await Deno.makeTempDir();
  const paths = sweepPaths(root, "t");
  const seeds = [1, 2, 3, 4, 5, 6, 7];
  const manifest = {
    jobs: seeds.map((seed, index) => ({
      index,
      config_name: "mnist_ste",
      optimizer: "ste",
      seed,
      run_dir: path.join(paths.dir, "mnist_ste", `seed-${seed}`),
      command: [],
      resume_command: [],
      config: { epochs: 3 },
    })),
  } as unknown as Manifest;
  const dir = (i: number) => manifest.jobs[i]!.run_dir;
  await runFolder(dir(0), 3, true); // done
  await runFolder(dir(1), 1); // running here: its lock is held
  const lock = await lockRunFolder(dir(1));
  await runFolder(dir(2), 2); // preempted (75): stopped, to be continued
  await writeExit(paths, 2, 75);
  await runFolder(dir(3), 0); // failed on bad input
  await writeExit(paths, 3, 2);
  await runFolder(dir(4), 1); // requeued on Slurm: pending
  await writeExit(paths, 4, 75);
  // 5 runs on Slurm (its folder not yet made); 6 was never started
  const queue = new Map([[4, "PENDING"], [5, "RUNNING"]]);
  try {
    const statuses = await sweepStatus(manifest, paths, queue);
    assert.deepEqual(statuses.map((s) => [s.state, s.epochsDone, s.exitCode]), [
      ["done", 3, null],
      ["running", 1, null],
      ["stopped", 2, 75],
      ["failed", 0, 2],
      ["queued", 1, 75],
      ["running", 0, null],
      ["not started", 0, null],
    ]);
    const text = formatStatus("t", statuses);
    assert.match(text, /mnist_ste\s+seed 4\s+failed\s+epoch 0\/3\s+\(exit code 2\)/);
    assert.match(text, /1 done, 2 running, 1 queued, 1 failed, 1 stopped, 1 not started\n$/);
  } finally {
    await lock.release();
    await Deno.remove(root, { recursive: true });
  }
});
