/**
 * Writes a synthetic bnn run folder (config.json-equivalent checkpoint metadata,
 * checkpoints/best.ckpt, summary.json) without training: a fresh optimizer and a
 * BinaryNet with realistic BatchNorm statistics, checkpointed by the trainer's own
 * `Model.checkpoint`.
 * @module
 */
import path from "node:path";
import { saveCheckpoint } from "../../train/checkpoint.ts";
import { configToJson, resolveConfig } from "../../train/config/mod.ts";
import { buildSpec, type BuildSpecOptions } from "../../train/models/architectures.ts";
import { BinaryNet } from "../../train/models/binary_net.ts";
import { createOptimizer } from "../../train/optimizers/create_optimizer.ts";
import type { OptimizerKind } from "../../train/optimizers/optimizer_kind.ts";
import { Rng } from "../../train/random.ts";
import { Model } from "../../train/trainer.ts";
import { freezeWeights } from "../../export/freeze.ts";
import { calibratedNet, ready } from "./_helpers.ts";

/** A run folder on disk plus the live model it was written from (caller disposes). */
export interface SyntheticRun {
  dir: string;
  checkpoint: string;
  model: Model;
}

/** Creates `<dir>/checkpoints/best.ckpt` and `<dir>/summary.json` for the given config overrides. */
export async function syntheticRun(
  dir: string,
  optimizer: OptimizerKind,
  overrides: Record<string, string>,
): Promise<SyntheticRun> {
  await ready();
  const config = resolveConfig(optimizer, undefined, overrides);
  const spec = buildSpec(config as unknown as BuildSpecOptions);
  const shapes = new BinaryNet(spec).binaryShapes;
  const opt0 = createOptimizer(
    optimizer,
    { ...config, train_set_size: 100 },
    shapes,
    new Rng(config.seed, "optimizer"),
    [],
  );
  const [mode] = freezeWeights(opt0);
  opt0.dispose();
  const calibrated = calibratedNet(spec, mode, new Rng(config.seed, "bn"));
  const state = calibrated.getState();
  calibrated.dispose();
  const net = new BinaryNet(spec);
  net.setState(state);
  const opt = createOptimizer(
    optimizer,
    { ...config, train_set_size: 100 },
    net.binaryShapes,
    new Rng(config.seed, "optimizer"),
    net.realParams,
  );
  const model = new Model(net, opt);
  const r = new Rng(1, "x").state();
  const epoch = {
    epoch: 0,
    lr: 0,
    train_loss: 1,
    train_acc: 0.5,
    val_acc: 0.5,
    val_loss: 1,
    test_acc: 0.4321,
    test_loss: 1,
    steps: 1,
    seconds: 1,
    examples_per_s: 1,
  };
  model.state = {
    epoch: 1,
    step: 0,
    shuffleRng: r,
    augmentRng: r,
    dropoutRng: r,
    lossSum: 0,
    correct: 0,
    seen: 0,
    bestValAcc: 0.5,
    bestEpoch: 0,
    history: [epoch],
  };
  const checkpoint = path.join(dir, "checkpoints", "best.ckpt");
  await Deno.mkdir(path.dirname(checkpoint), { recursive: true });
  await saveCheckpoint(
    checkpoint,
    model.checkpoint({ config: JSON.parse(configToJson(config)), spec, seed: config.seed }),
  );
  await Deno.writeTextFile(
    path.join(dir, "summary.json"),
    JSON.stringify({ final_test_acc: 0.4321 }),
  );
  return { dir, checkpoint, model };
}

/** What a CLI subprocess printed and its exit code. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `deno run <permissions> <script> <args>` from the project root and collects its output.
 *
 * @param script The CLI, e.g. `export/main.ts`.
 * @param permissions Its `--allow-*` flags.
 * @param args Its arguments.
 */
export async function runCliScript(
  script: string,
  permissions: string[],
  args: string[],
): Promise<CliResult> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...permissions, script, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: r.code,
    stdout: new TextDecoder().decode(r.stdout),
    stderr: new TextDecoder().decode(r.stderr),
  };
}
