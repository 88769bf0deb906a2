/**
 * `deno task sweep` and `deno task report` on bad input: one line, exit code 2, nothing written
 * and nothing submitted.
 * @module
 */
import assert from "node:assert/strict";
import path from "node:path";
import { main } from "../../sweep/main.ts";
import { parseSweepArgs, type StartArgs } from "../../sweep/cli_args.ts";
import { prepareSweep } from "../../sweep/prepare.ts";
import { main as reportMain } from "../../sweep/report_main.ts";
import { ROOT } from "../train/_run_folder.ts";

/** Runs the sweep CLI in-process; returns the exit code and the lines. */
async function sweep(args: string[]) {
  const out: string[] = [], err: string[] = [];
  const code = await main(args, (l) => out.push(l), (l) => err.push(l));
  return { code, out, err };
}

const BAD: [string[], string][] = [
  [["t", "mnist_ste", "--seeds", "5-1"], "the range 5-1 goes downwards"],
  [["t", "mnist_sté", "--seeds", "1"], "unknown config"],
  [["t", "mnist_ste"], "give the seeds"],
  [["t", "--seeds", "1"], "give at least one CONFIG"],
  [["t", "mnist_ste", "--seeds", "1", "--epochs", "0"], "epochs"],
  [["t", "mnist_ste", "--seeds", "1", "--seed", "4"], "--seeds"],
  [["t", "mnist_ste", "--seeds", "1", "--engine", "pbs"], "--engine must be local or slurm"],
  [["t", "mnist_ste", "--seeds", "1", "--parallel", "0"], "--parallel must be an integer ≥ 1"],
  [["t", "mnist_ste", "--seeds", "1", "--bogus"], "bogus"],
  [["../t", "mnist_ste", "--seeds", "1"], "must be letters"],
  [["t", "--resume"], "no sweep t to resume"],
  [["t", "mnist_ste", "--resume"], "--resume continues the sweep"],
  [["status"], "give one sweep"],
  [["status", "nope"], "no sweep nope"],
];

Deno.test("sweep: bad input is one line, exit code 2, nothing written", async () => {
  const root = path.join(await Deno.makeTempDir(), "sweeps");
  for (const [args, text] of BAD) {
    const r = await sweep([...args, "--root", root]);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.err}`);
    assert.equal(r.err.length, 1, `${args.join(" ")}: ${r.err}`);
    assert.ok(
      r.err[0]!.startsWith("bnn sweep: ") && r.err[0]!.includes(text),
      `${args}: ${r.err[0]}`,
    );
    assert.equal(
      await Deno.stat(root).then(() => true, () => false),
      false,
      `${args}: wrote ${root}`,
    );
  }
});

Deno.test("sweep: a name that exists with another grid is refused, the manifest kept", async () => {
  const root = await Deno.makeTempDir();
  const grid = ["t", "mnist_ste", "--seeds", "1-2", "--epochs", "1", "--root", root];
  const first = parseSweepArgs([...grid, "--limit-train", "1000"]);
  await prepareSweep(first as StartArgs); // the sweep folder, as a first run writes it
  const manifest = await Deno.readTextFile(path.join(root, "t", "sweep.json"));
  const r = await sweep([...grid, "--limit-train", "2000"]);
  assert.equal(r.code, 2, r.err.join("\n"));
  assert.equal(
    r.err[0],
    `bnn sweep: sweep t exists with a different grid (${root}/t/mnist_ste/seed-1: limit_train was 1000, now 2000): choose another name, or continue it with deno task sweep t --resume`,
  );
  assert.equal(await Deno.readTextFile(path.join(root, "t", "sweep.json")), manifest);
  await Deno.remove(root, { recursive: true });
});

Deno.test("sweep --engine slurm without sbatch: one line, exit code 2, nothing written", async () => {
  const root = path.join(await Deno.makeTempDir(), "sweeps");
  const empty = await Deno.makeTempDir();
  const r = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "sweep/main.ts",
      "t",
      "mnist_ste",
      "--seeds",
      "1-5",
      "--engine",
      "slurm",
      "--root",
      root,
    ],
    cwd: ROOT,
    env: { PATH: empty, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(r.stderr);
  assert.equal(r.code, 2, err);
  assert.equal(
    err,
    "bnn sweep: sbatch not found: install Slurm (Debian: slurm-client) or use --engine local\n",
  );
  assert.equal(await Deno.stat(root).then(() => true, () => false), false);
});

Deno.test("report: no such sweep, bad flags: one line, exit code 2", async () => {
  const root = await Deno.makeTempDir();
  for (
    const [args, text] of [[["nope"], "no sweep nope"], [[], "give one sweep"], [
      ["a", "b"],
      "give one sweep",
    ], [["t", "--x"], "x"]] as const
  ) {
    const err: string[] = [];
    const code = await reportMain([...args, "--root", root], () => {}, (l) => err.push(l));
    assert.equal(code, 2, `${args}: ${err}`);
    assert.ok(
      err.length === 1 && err[0]!.startsWith("bnn report: ") && err[0]!.includes(text),
      `${args}: ${err}`,
    );
  }
  await Deno.remove(root, { recursive: true });
});
