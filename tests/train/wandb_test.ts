import assert from "node:assert/strict";
import { WANDB_SDK, wandbCallback, WandbError } from "../../train/wandb.ts";
import type { EpochMetrics } from "../../train/metrics_log.ts";

const metrics: EpochMetrics = {
  epoch: 2,
  lr: 1e-4,
  train_loss: 0.5,
  train_acc: 0.9,
  val_acc: 0.91,
  val_loss: 0.4,
  test_acc: 0.92,
  test_loss: 0.3,
  steps: 10,
  seconds: 3,
  examples_per_s: 100,
};

Deno.test("wandbCallback() starts a run with the config, logs each epoch and finishes", async () => {
  const calls: unknown[][] = [];
  const fake = {
    init: (o: unknown) => Promise.resolve(void calls.push(["init", o])),
    log: (d: unknown, o: unknown) => void calls.push(["log", d, o]),
    finish: () => Promise.resolve(void calls.push(["finish"])),
  };
  const cb = await wandbCallback(
    { seed: 3, lr_init: 1e-4 },
    () => Promise.resolve({ default: fake }),
  );
  await cb.onEpochEnd!(metrics);
  await cb.onTrainEnd!([metrics]);
  assert.deepEqual(calls, [
    ["init", {
      project: Deno.env.get("WANDB_PROJECT") ?? "bayes-binn",
      config: { seed: 3, lr_init: 1e-4 },
    }],
    ["log", { ...metrics }, { step: 2 }],
    ["finish"],
  ]);
});

Deno.test("wandbCallback() turns SDK failures into one-line WandbErrors", async () => {
  await assert.rejects(
    wandbCallback({}, () => Promise.reject(new Error("Module not found\nstack..."))),
    (e: unknown) =>
      e instanceof WandbError &&
      e.message === `--wandb: cannot load ${WANDB_SDK}: Module not found`,
  );
  const noKey = {
    init: () =>
      Promise.reject(
        new Error("Cannot prompt for API key, set the WANDB_API_KEY environment variable"),
      ),
    log: () => {},
    finish: () => Promise.resolve(),
  };
  await assert.rejects(
    wandbCallback({}, () => Promise.resolve({ default: noKey })),
    /^WandbError: --wandb: cannot start a W&B run \(is WANDB_API_KEY set and api.wandb.ai reachable\?\): Cannot prompt for API key/,
  );
});

Deno.test("train/main.ts imports no W&B code unless --wandb is given", async () => {
  // the SDK is only named in a dynamic import() inside wandbCallback
  const src = await Deno.readTextFile(new URL("../../train/wandb.ts", import.meta.url));
  assert.equal([...src.matchAll(/^import .*wandb\/sdk/gm)].length, 0);
  assert.match(src, /import\(WANDB_SDK\)/);
  // the static module graph of the CLI holds no module of the SDK (it is locked in deno.json,
  // but only a run with --wandb loads it)
  const { stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", new URL("../../train/main.ts", import.meta.url).pathname],
    stdout: "piped",
    stderr: "null",
  }).output();
  const graph = JSON.parse(new TextDecoder().decode(stdout)) as {
    modules: { specifier: string }[];
  };
  assert.ok(graph.modules.some((m) => m.specifier.endsWith("/train/wandb.ts")));
  assert.deepEqual(graph.modules.filter((m) => m.specifier.includes("@wandb/sdk")), []);
});
