import assert from "node:assert/strict";
import { ConfigError, resolveConfig } from "../../train/config/mod.ts";
import { UsageError } from "../../cli/errors.ts";
import { CONFIGS_DIR, expandGrid, resolveGridConfigs } from "../../sweep/grid.ts";
import { gridDifference, type Manifest } from "../../sweep/manifest.ts";
import { freshArgs, resumeArgs } from "../../sweep/job_command.ts";

Deno.test("resolveGridConfigs() resolves each config as train does, overrides applied", () => {
  const configs = resolveGridConfigs(["mnist_bayesbinn", `${CONFIGS_DIR}mnist_ste.json`], {
    epochs: "10",
    "limit-train": "600",
  });
  assert.deepEqual(configs.map((c) => [c.name, c.optimizer]), [
    ["mnist_bayesbinn", "bayesbinn"],
    ["mnist_ste", "ste"],
  ]);
  const want = resolveConfig("ste", `${CONFIGS_DIR}mnist_ste.json`, {
    epochs: "10",
    limit_train: "600",
  });
  assert.deepEqual(configs[1]!.config, want);
});

Deno.test("resolveGridConfigs() refuses unknown configs, --seed, twice the same name, bad overrides", () => {
  const cases: [string[], Record<string, string>, new (...a: never[]) => Error, string][] = [
    [["mnist_stee"], {}, UsageError, "did you mean mnist_ste?"],
    [["nothing_like_it"], {}, UsageError, "unknown config"],
    [["/nonexistent/x.json"], {}, UsageError, "does not exist"],
    [["mnist_ste"], { seed: "3" }, UsageError, "--seeds"],
    [["mnist_ste", "mnist_ste"], {}, UsageError, "given twice"],
    [["mnist_ste"], { epochs: "0" }, ConfigError, "epochs"],
    [["mnist_ste"], { temperature: "1" }, ConfigError, "temperature"],
    [[], {}, UsageError, "at least one CONFIG"],
  ];
  for (const [args, overrides, kind, text] of cases) {
    assert.throws(() => resolveGridConfigs(args, overrides), (e: Error) => {
      assert.ok(e instanceof kind, `${args}: ${e.name}`);
      assert.ok(e.message.includes(text), `${args}: ${e.message}`);
      return true;
    });
  }
});

Deno.test("resolveGridConfigs() wants the optimizer in the file", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/c.json`, '{"dataset": "mnist"}');
  assert.throws(() => resolveGridConfigs([`${dir}/c.json`], {}), /has no "optimizer" key/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("expandGrid() is configs × seeds, configs outer, each job in its own folder", () => {
  const configs = resolveGridConfigs(["mnist_ste", "mnist_bayesbinn"], { epochs: "2" });
  const jobs = expandGrid(configs, [3, 1, 2], "root/t");
  assert.deepEqual(
    jobs.map((j) => [j.index, j.configName, j.seed, j.runDir, j.config.seed, j.config.epochs]),
    [
      [0, "mnist_ste", 3, "root/t/mnist_ste/seed-3", 3, 2],
      [1, "mnist_ste", 1, "root/t/mnist_ste/seed-1", 1, 2],
      [2, "mnist_ste", 2, "root/t/mnist_ste/seed-2", 2, 2],
      [3, "mnist_bayesbinn", 3, "root/t/mnist_bayesbinn/seed-3", 3, 2],
      [4, "mnist_bayesbinn", 1, "root/t/mnist_bayesbinn/seed-1", 1, 2],
      [5, "mnist_bayesbinn", 2, "root/t/mnist_bayesbinn/seed-2", 2, 2],
    ],
  );
  const settings = { configsDir: "root/t/configs", checkpointEvery: 50, dataDir: "d" };
  assert.deepEqual(freshArgs(jobs[4]!, settings), [
    "bayesbinn",
    "root/t/configs/mnist_bayesbinn.json",
    "--seed",
    "1",
    "--out",
    "root/t/mnist_bayesbinn/seed-1",
    "--checkpoint-every",
    "50",
    "--data-dir",
    "d",
  ]);
  assert.deepEqual(resumeArgs(jobs[4]!, settings), [
    "bayesbinn",
    "--resume",
    "root/t/mnist_bayesbinn/seed-1",
    "--data-dir",
    "d",
  ]);
});

Deno.test("gridDifference() names the first job or key that differs", () => {
  const grid = (epochs: string, seeds: number[]) => {
    const jobs = expandGrid(resolveGridConfigs(["mnist_ste"], { epochs }), seeds, "r/t");
    return {
      jobs: jobs.map((j) => ({ run_dir: j.runDir, config: j.config })),
    } as unknown as Manifest;
  };
  assert.equal(gridDifference(grid("2", [1, 2]), grid("2", [1, 2])), null);
  assert.equal(gridDifference(grid("2", [1, 2]), grid("2", [1])), "2 jobs before, 1 now");
  assert.equal(
    gridDifference(grid("2", [1, 2]), grid("3", [1, 2])),
    "r/t/mnist_ste/seed-1: epochs was 2, now 3",
  );
  assert.equal(
    gridDifference(grid("2", [1, 2]), grid("2", [1, 5])),
    "job 1 was r/t/mnist_ste/seed-2, now r/t/mnist_ste/seed-5",
  );
});
