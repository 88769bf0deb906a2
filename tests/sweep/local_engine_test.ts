/**
 * `--engine local` end to end on the MNIST stand-in (2 configs × 1 seed, 300 images, the
 * 784-100-100-10 MLP, 1 epoch): failed jobs are recorded and shown as failed, the same command
 * again finishes them, a third time finds them done; `sweep status` and `report` read the result.
 * @module
 */
import assert from "node:assert/strict";
import path from "node:path";
import { syntheticMnistDir } from "../_fixtures/synthetic_mnist.ts";
import { ROOT } from "../train/_run_folder.ts";

/** Runs a CLI of sweep/ to the end. */
async function cli(script: string, args: string[]) {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}

/** A data folder whose MNIST training images are cut short. */
async function brokenMnist(good: string): Promise<string> {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/mnist`);
  for await (const e of Deno.readDir(`${good}/mnist`)) {
    await Deno.copyFile(`${good}/mnist/${e.name}`, `${dir}/mnist/${e.name}`);
  }
  await Deno.truncate(`${dir}/mnist/train-images-idx3-ubyte`, 1000);
  return dir;
}

Deno.test("sweep --engine local: failures recorded, the same command again finishes, a third finds it done", async () => {
  const good = await syntheticMnistDir();
  const broken = await brokenMnist(good);
  const root = await Deno.makeTempDir();
  const grid = (data: string) => [
    "t",
    "mnist_ste",
    "mnist_bayesbinn",
    "--seeds",
    "7",
    "--epochs",
    "1",
    "--limit-train",
    "300",
    "--limit-test",
    "100",
    "--batch-size",
    "10",
    "--model-architecture",
    "MLP_CL",
    "--data-dir",
    data,
    "--root",
    root,
  ];
  try {
    const failed = await cli("sweep/main.ts", grid(broken));
    assert.equal(failed.code, 1, failed.err);
    assert.match(failed.out, /\[1\/2\] mnist_ste seed 7: failed with exit code 2/);
    assert.match(failed.out, /1 failed|2 failed/);
    const status = await cli("sweep/main.ts", ["status", "t", "--root", root]);
    assert.match(
      status.out,
      /mnist_ste\s+seed 7\s+failed\s+epoch 0\/1\s+\(exit code 2\)/,
      status.out,
    );
    assert.match(status.out, /0 done, 0 running, 0 queued, 2 failed, 0 stopped, 0 not started/);

    const done = await cli("sweep/main.ts", grid(good));
    assert.equal(done.code, 0, done.err);
    assert.match(done.out, /sweep t: all 2 jobs done/);
    const again = await cli("sweep/main.ts", grid(good));
    assert.equal(again.code, 0, again.err);
    assert.equal(again.out.match(/done already/g)?.length, 2, again.out);

    const report = await cli("sweep/report_main.ts", ["t", "--root", root]);
    assert.equal(report.code, 0, report.err);
    for (const config of ["mnist_ste", "mnist_bayesbinn"]) {
      const summary = JSON.parse(
        await Deno.readTextFile(path.join(root, "t", config, "seed-7", "summary.json")),
      );
      const acc = (summary.test_acc_at_best_val * 100).toFixed(2);
      assert.match(
        report.out,
        new RegExp(`\\| ${config} \\| .* \\| 1 \\| 1 of 1 \\| ${acc} \\| — \\|`),
        report.out,
      );
    }
    const json = JSON.parse(await Deno.readTextFile(path.join(root, "t", "report.json")));
    assert.equal(json.rows.length, 2);
    assert.ok((await Deno.readTextFile(path.join(root, "t", "report.svg"))).startsWith("<svg"));
  } finally {
    await Deno.remove(root, { recursive: true });
    await Deno.remove(broken, { recursive: true });
  }
});

/** The pids of `pid`'s children (from /proc). */
async function childrenOf(pid: number): Promise<number[]> {
  const out: number[] = [];
  for await (const e of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    const stat = await Deno.readTextFile(`/proc/${e.name}/stat`).catch(() => "");
    // pid (comm) state ppid ...: comm may hold spaces, so read after its closing parenthesis
    if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) out.push(+e.name);
  }
  return out;
}

Deno.test("sweep --engine local: a job whose trainer alone is stopped (SIGTERM, exit 75) stops the sweep, not a failure", async () => {
  const data = await syntheticMnistDir();
  const root = await Deno.makeTempDir();
  const args = ["t", "mnist_ste", "--seeds", "1-2", "--epochs", "3", "--limit-train", "6000"];
  args.push("--limit-test", "100", "--batch-size", "10", "--model-architecture", "MLP_CL");
  args.push("--data-dir", data, "--root", root);
  const sweep = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "sweep/main.ts", ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(sweep.stderr).text();
  let out = "";
  try {
    const reader = sweep.stdout.getReader(), dec = new TextDecoder();
    let signalled = false;
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      out += dec.decode(r.value);
      if (signalled || !/^epoch 1\/3 /m.test(out)) continue; // stop it in the second epoch
      const trainers = await childrenOf(sweep.pid);
      assert.equal(trainers.length, 1, `trainer processes: ${trainers}`);
      Deno.kill(trainers[0]!, "SIGTERM");
      signalled = true;
    }
    const { code } = await sweep.status;
    const all = out + (await stderr);
    assert.equal(code, 130, all);
    assert.match(all, /preempted by SIGTERM: stopped at epoch \d+, step \d+, checkpoint /);
    assert.match(all, /\[1\/2\] mnist_ste seed 1: stopped by a signal to its trainer \(exit 75/);
    assert.doesNotMatch(all, /failed with exit code|\[2\/2\]/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
