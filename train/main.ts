/**
 * The training command behind `deno task train:bayesbinn [CONFIG]` and
 * `deno task train:ste [CONFIG]`:
 *
 *     deno run -A train/main.ts <bayesbinn|ste> [CONFIG.json] [--<config key> value ...]
 *       [--data-dir DIR] [--out DIR] [--resume RUN_DIR] [--backend blas|wasm|cpu]
 *       [--checkpoint-every N] [--wandb] [--help]
 *
 * It resolves the config (defaults ← file ← flags), loads the data, builds the network and the
 * optimizer, prints the model summary, and trains with the paper's protocol (validation split,
 * test accuracy at the best-validation epoch). The run folder (`--out`, default
 * `runs/<optimizer>-<dataset>-<timestamp>`) gets `config.json`, `metrics.jsonl`, `curves.svg`,
 * `summary.json` and `checkpoints/{last,best}.ckpt`. `--resume RUN_DIR` continues from
 * `RUN_DIR/checkpoints/last.ckpt` and ends with the same weights, bit for bit, as a run that was
 * never interrupted.
 *
 * Crash safety: every file of the run folder is written atomically (temp file, fsync, rename), so
 * a process killed at any moment leaves each file whole or absent. A new run saves its first
 * `last.ckpt` (step 0) before `config.json`; a folder killed before that has no config and is
 * started again with the same command, one with `config.json` but no checkpoint (from an older
 * bnn) restarts from step 0 on `--resume`, and one with a checkpoint but no `config.json` gets it
 * back from the checkpoint. While it runs, `train` holds `RUN_DIR/run.lock` (./run_lock.ts): a
 * second `train` on the same folder stops with one line naming the holder. A file that cannot be
 * written (disk full, no permission, read-only) ends the run with one line naming it, exit code
 * 2, the previous checkpoint intact.
 *
 * With `num_tasks` T > 1 (BayesBiNN only; the config refuses the key for STE, which has no prior)
 * it runs permuted-MNIST continual learning (./continual.ts): T tasks of `epochs` epochs each, the
 * prior λ₀ set to the previous task's posterior, every seen task tested after each epoch under its
 * own permutation; `metrics.jsonl` rows then carry `task` and `test_acc_per_task`, and
 * `summary.json` the final accuracy per task and their mean. No validation split is allowed there.
 *
 * Every error ends the process with one line on stderr and a non-zero exit code.
 * @module
 */
import path from "node:path";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { exitCodeFor, UserError } from "../cli/errors.ts";
import { BACKEND_NAMES, type BackendName, initBackend } from "./backend/mod.ts";
import { ModelCheckpoint, ProgressLogger, RunLogger } from "./callbacks.ts";
import { CheckpointError, loadCheckpoint, writeFileAtomic } from "./checkpoint.ts";
import {
  type Config,
  configHelp,
  configNotes,
  configOptions,
  configToJson,
  pickConfigOverrides,
  resolveConfig,
} from "./config/mod.ts";
import type { ImageDataset } from "./data/dataset.ts";
import { loadDataset } from "./data/load_dataset.ts";
import { parseArgsErrorLine } from "./config/parse_args_error.ts";
import { buildSpec, type BuildSpecOptions } from "./models/architectures.ts";
import { BinaryNet } from "./models/binary_net.ts";
import { formatSummary, summarize } from "./models/summary.ts";
import { createOptimizer } from "./optimizers/create_optimizer.ts";
import type { OptimizerKind } from "./optimizers/optimizer_kind.ts";
import { Rng } from "./random.ts";
import { type Callback, type CheckpointMeta, Model, NonFiniteError } from "./trainer.ts";
import { type DataSource, sizeOf, splitData } from "./data_source.ts";
import { fitContinual } from "./continual.ts";
import { selectBest } from "./metrics_log.ts";
import { wandbCallback } from "./wandb.ts";
import { takeFirst } from "./data/take_first.ts";
import { assertRunFolderFree, lockRunFolder } from "./run_lock.ts";
import { removeDeadTemps } from "./temp_files.ts";
import { runPaths } from "./run_folder.ts";

/**
 * A bad command line; the CLI prints its message as one line.
 *
 * @example Usage
 * ```ts
 * import { parseCli, UsageError } from "./main.ts";
 * try {
 *   parseCli(["adam"]);
 *   throw new Error("not reached");
 * } catch (e) {
 *   if (!(e instanceof UsageError)) throw e;
 * }
 * ```
 */
export class UsageError extends UserError {
  /** @param message One line naming the flag or argument and what is allowed. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const USAGE = `Usage: deno run -A train/main.ts <bayesbinn|ste> [CONFIG.json] [options]

Trains a binary network with BayesBiNN or STE and writes a run folder.

Options:
  --<config key> VALUE   override a config key (see below); kebab-case also accepted
  --data-dir DIR         where the datasets are (else $BNN_DATA_DIR, else the cache ~/.cache/bnn,
                         where missing files are downloaded)
  --out DIR              run folder (default runs/<optimizer>-<dataset>-<timestamp>)
  --resume RUN_DIR       continue RUN_DIR from checkpoints/last.ckpt (no CONFIG or key flags)
  --backend NAME         ${BACKEND_NAMES.join(", ")} (default: the fastest available)
  --checkpoint-every N   also save last.ckpt every N steps within an epoch (default 0 = off)
  --wandb                stream config and metrics to Weights & Biases (npm:@wandb/sdk)
  -h, --help             this help
`;

/** The CLI's own options (config keys come from {@linkcode configOptions}). */
const OWN_OPTIONS = {
  help: { type: "boolean", short: "h" },
  "data-dir": { type: "string" },
  out: { type: "string" },
  resume: { type: "string" },
  backend: { type: "string" },
  "checkpoint-every": { type: "string" },
  wandb: { type: "boolean" },
} as const;

/** Parsed command line. */
export interface CliArgs {
  optimizer: OptimizerKind;
  configFile?: string;
  overrides: Record<string, string>;
  dataDir?: string;
  out?: string;
  resume?: string;
  backend?: BackendName;
  /** Undefined when not given (a resumed run then keeps its saved value, else 0). */
  checkpointEvery?: number;
  wandb: boolean;
  help: boolean;
}

/**
 * Parses the command line (node:util parseArgs, strict).
 *
 * @param args `Deno.args`.
 * @returns The parsed arguments.
 * @throws {UsageError} On an unknown flag, a missing value, a bad optimizer or option value.
 *
 * @example Usage
 * ```ts
 * import { parseCli } from "./main.ts";
 * const a = parseCli(["ste", "--epochs", "2", "--out", "runs/x"]);
 * if (a.optimizer !== "ste" || a.overrides.epochs !== "2" || a.out !== "runs/x") throw new Error();
 * ```
 */
export function parseCli(args: string[]): CliArgs {
  const options = { ...configOptions(), ...OWN_OPTIONS };
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true, tokens: true });
  } catch (e) {
    const line = parseArgsErrorLine(e, Object.keys(options));
    throw new UsageError(`${line ?? (e as Error).message.split("\n")[0]} (see --help)`);
  }
  const { values, positionals, tokens } = parsed;
  // a flag given twice keeps its last value in `values`: refuse two different values
  const seen = new Map<string, { flag: string; value: string | undefined }>();
  for (const t of tokens) {
    if (t.kind !== "option") continue;
    const key = t.name.replaceAll("-", "_");
    const before = seen.get(key);
    if (before !== undefined && before.value !== t.value) {
      throw new UsageError(
        `--${t.name} ${JSON.stringify(t.value)} contradicts --${before.flag} ${
          JSON.stringify(before.value)
        }: give ${before.flag} once`,
      );
    }
    seen.set(key, { flag: t.name, value: t.value });
  }
  const v = values as Record<string, string | boolean | undefined>;
  const help = v.help === true;
  const [optimizer, configFile, ...extra] = positionals;
  if (optimizer === undefined && help) {
    return { optimizer: "bayesbinn", overrides: {}, wandb: false, help };
  }
  if (optimizer !== "bayesbinn" && optimizer !== "ste") {
    throw new UsageError(
      `the first argument must be "bayesbinn" or "ste": current value is ${
        optimizer === undefined ? "missing" : JSON.stringify(optimizer)
      }`,
    );
  }
  if (extra.length > 0) {
    throw new UsageError(
      `unexpected argument ${JSON.stringify(extra[0])} (one CONFIG file at most)`,
    );
  }
  const backend = v.backend as string | undefined;
  if (backend !== undefined && !(BACKEND_NAMES as readonly string[]).includes(backend)) {
    throw new UsageError(
      `--backend must be one of ${BACKEND_NAMES.join(", ")}: current value is ${
        JSON.stringify(backend)
      }`,
    );
  }
  const everyText = v["checkpoint-every"] as string | undefined;
  const checkpointEvery = everyText === undefined ? 0 : Number(everyText);
  if (!Number.isInteger(checkpointEvery) || checkpointEvery < 0 || everyText?.trim() === "") {
    throw new UsageError(
      `--checkpoint-every must be a non-negative integer: current value is ${
        JSON.stringify(everyText)
      }`,
    );
  }
  for (const flag of ["data-dir", "out", "resume"] as const) {
    if (v[flag] === "") throw new UsageError(`--${flag} must not be empty`);
  }
  return {
    optimizer,
    configFile,
    overrides: pickConfigOverrides(values),
    dataDir: v["data-dir"] as string | undefined,
    out: v.out as string | undefined,
    resume: v.resume as string | undefined,
    backend: backend as BackendName | undefined,
    checkpointEvery: everyText === undefined ? undefined : checkpointEvery,
    wandb: v.wandb === true,
    help,
  };
}

function timestamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${
    p(d.getUTCMinutes())
  }${p(d.getUTCSeconds())}`;
}

async function exists(p: string): Promise<boolean> {
  try {
    await Deno.stat(p);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** Whether the run summary at `file` exists and says `"finished": true`. */
async function summaryFinished(file: string): Promise<boolean> {
  try {
    return JSON.parse(await Deno.readTextFile(file))?.finished === true;
  } catch {
    return false;
  }
}

/** Whether `p` exists and is something other than a folder. */
async function notFolder(p: string): Promise<boolean> {
  try {
    return !(await Deno.stat(p)).isDirectory;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** The checkpoint metadata main.ts adds to the trainer's. */
interface RunMeta extends CheckpointMeta {
  config: Record<string, unknown>;
  config_name?: string;
  data_dir?: string | null;
  backend?: string;
  checkpoint_every?: number;
  spec: unknown;
  seed: number;
}

/**
 * Runs the training command. Returns the exit code; every failure is one line on `err`.
 *
 * @param args The command line (without the program).
 * @param io Where output and errors go (default stdout / stderr).
 * @returns 0 on success, 2 on bad usage or input, 3 when training stopped on NaN/Inf, 1 else.
 *
 * @example Usage
 * ```ts ignore
 * Deno.exit(await main(["bayesbinn", "configs/mnist_bayesbinn.json", "--epochs", "1"]));
 * ```
 */
export async function main(
  args: string[],
  io: { out: (s: string) => void; err: (s: string) => void; tty: boolean } = defaultIo(),
): Promise<number> {
  let lastCkpt = "";
  try {
    const cli = parseCli(args);
    if (cli.help) {
      io.out(USAGE + "\n" + configHelp(cli.optimizer) + "\n");
      return 0;
    }
    return await train(cli, io, (p) => (lastCkpt = p));
  } catch (e) {
    const err = e as Error;
    const line = (err.message ?? String(e)).split("\n")[0];
    if (e instanceof NonFiniteError) {
      const kept = lastCkpt !== "" && (await exists(lastCkpt))
        ? `the last good checkpoint is ${lastCkpt}`
        : "no checkpoint was written before it";
      io.err(`error: training stopped: ${line}; ${kept}\n`);
      return 3;
    }
    io.err(`error: ${line}\n`);
    if (debugEnabled()) io.err(`${err.stack}\n`);
    return exitCodeFor(e);
  }
}

/** `BNN_DEBUG` set: print stacks too (false when env access is not granted). */
function debugEnabled(): boolean {
  try {
    return Boolean(Deno.env.get("BNN_DEBUG"));
  } catch {
    return false;
  }
}

function defaultIo() {
  const enc = new TextEncoder();
  return {
    out: (s: string) => void Deno.stdout.writeSync(enc.encode(s)),
    err: (s: string) => void Deno.stderr.writeSync(enc.encode(s)),
    tty: Deno.stdout.isTerminal(),
  };
}

/**
 * Runs a training: resolves the run folder, takes its lock (./run_lock.ts: a second process on
 * the same folder stops with one line naming the holder, a `RunLockError`), removes temp files
 * that killed processes left there (./temp_files.ts), trains, and releases the lock however it
 * ends. A file that cannot be written (disk full, no permission) throws a `WriteError`
 * (./write_error.ts), one line naming the file; both are `UserError`s (exit code 2).
 */
async function train(
  cli: CliArgs,
  io: { out: (s: string) => void; err: (s: string) => void; tty: boolean },
  onCheckpointDir: (p: string) => void,
): Promise<number> {
  let fresh: Config | null = null;
  let runDir: string;
  if (cli.resume !== undefined) {
    if (
      cli.configFile !== undefined || Object.keys(cli.overrides).length > 0 || cli.out !== undefined
    ) {
      throw new UsageError(
        "--resume continues the saved run as it was configured: drop CONFIG, --out and the config flags (--data-dir, --backend, --checkpoint-every, --wandb may be given)",
      );
    }
    runDir = cli.resume;
    if (!(await exists(runDir))) {
      throw new CheckpointError(
        `checkpoint ${runPaths(runDir).lastCheckpoint} does not exist`,
      );
    }
    if (await notFolder(runDir)) {
      throw new UsageError(`--resume ${runDir} is a file, not a run folder`);
    }
  } else {
    fresh = resolveConfig(cli.optimizer, cli.configFile, cli.overrides);
    runDir = cli.out ?? path.join("runs", `${fresh.optimizer}-${fresh.dataset}-${timestamp()}`);
    if (await notFolder(runDir)) {
      throw new UsageError(`--out ${runDir} is a file, not a folder: choose another --out`);
    }
    await assertRunFolderFree(runDir); // a running train is named, rather than its checkpoint
    await refuseUsedFolder(runDir);
    checkContinual(fresh);
  }
  // bad input fails before the run folder is touched
  await checkDataDir(cli.dataDir);
  const lock = await lockRunFolder(runDir);
  try {
    for (const dir of [runDir, runPaths(runDir).checkpoints]) await removeDeadTemps(dir);
    return await trainIn(runDir, fresh, cli, io, onCheckpointDir);
  } finally {
    await lock.release();
  }
}

/** Refuses a new run in a folder that holds one (it would overwrite its checkpoints). */
async function refuseUsedFolder(runDir: string): Promise<void> {
  if (await exists(runPaths(runDir).lastCheckpoint)) {
    throw new UsageError(
      `run folder ${runDir} already holds a run: continue it with --resume ${runDir} or choose another --out`,
    );
  }
}

/** Refuses a continual-learning config with a validation split. */
function checkContinual(config: Config): void {
  const numTasks = config.optimizer === "bayesbinn" ? config.num_tasks : 1;
  if (numTasks > 1 && config.validation_split > 0) {
    throw new UsageError(
      `validation_split = ${config.validation_split} with num_tasks = ${numTasks}: continual learning has no validation split (as the original), set validation_split 0`,
    );
  }
}

/** Refuses a `--data-dir` that is not a folder. */
async function checkDataDir(dataDir: string | undefined): Promise<void> {
  if (dataDir === undefined) return;
  const stat = await Deno.stat(dataDir).catch((e) => {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  });
  if (stat === null || !stat.isDirectory) {
    throw new UsageError(
      `--data-dir ${dataDir} ${stat === null ? "does not exist" : "is not a folder"}`,
    );
  }
}

/** The config of a run folder that has a `config.json` but no checkpoint (killed before it). */
async function configOnly(runDir: string, cli: CliArgs): Promise<Config> {
  const { config: configPath, lastCheckpoint: ckptPath } = runPaths(runDir);
  if (!(await exists(configPath))) {
    throw new CheckpointError(
      `checkpoint ${ckptPath} does not exist, nor ${configPath}: nothing to resume (start the run again with --out ${runDir})`,
    );
  }
  return resolveConfig(cli.optimizer, configPath, {});
}

/** {@linkcode train} with the run folder locked; `fresh` is the config of a new run. */
async function trainIn(
  runDir: string,
  fresh: Config | null,
  cli: CliArgs,
  io: { out: (s: string) => void; err: (s: string) => void; tty: boolean },
  onCheckpointDir: (p: string) => void,
): Promise<number> {
  let config: Config;
  let resumeFrom: Awaited<ReturnType<typeof loadCheckpoint<RunMeta>>> | null = null;
  const { config: configPath, lastCheckpoint: ckptPath } = runPaths(runDir);
  if (fresh !== null) {
    config = fresh;
    // again, now that no other process can start one there
    await refuseUsedFolder(runDir);
  } else if (!(await exists(ckptPath))) {
    // killed before its first checkpoint: start it again from step 0 with its saved config
    config = await configOnly(runDir, cli);
    io.err(`note: ${runDir} has no checkpoint yet: starting it from step 0 with ${configPath}\n`);
  } else {
    resumeFrom = await loadCheckpoint<RunMeta>(ckptPath);
    const saved = resumeFrom.meta.config;
    if (typeof saved !== "object" || saved === null || saved.optimizer !== cli.optimizer) {
      throw new CheckpointError(
        `checkpoint ${ckptPath} is a ${JSON.stringify(saved?.optimizer)} run, not ${cli.optimizer}`,
      );
    }
    // killed between its first checkpoint and config.json: the checkpoint's config is the run's
    if (!(await exists(configPath))) {
      await writeFileAtomic(configPath, configToJson(saved as unknown as Config));
    }
    config = resolveConfig(cli.optimizer, configPath, {});
    if (configToJson(config) !== configToJson(saved as unknown as Config)) {
      throw new CheckpointError(
        `${configPath} does not match the config in ${ckptPath}`,
      );
    }
  }
  checkContinual(config);
  const numTasks = config.optimizer === "bayesbinn" ? config.num_tasks : 1;
  // a finished run (its summary says so too: a kill right after the last checkpoint leaves it
  // unfinished, and resuming then completes the run folder)
  const done = resumeFrom?.meta.training;
  if (
    typeof done === "object" && done !== null && done.epoch >= config.epochs &&
    (numTasks <= 1 || done.task === numTasks - 1) &&
    (await summaryFinished(runPaths(runDir).summary))
  ) {
    io.out(
      `${runDir} already finished its ${config.epochs} epoch${config.epochs === 1 ? "" : "s"}${
        numTasks > 1 ? ` of each of its ${numTasks} tasks` : ""
      }: nothing to resume (results in ${runPaths(runDir).summary})\n`,
    );
    return 0;
  }
  for (const note of configNotes(config)) io.err(`note: ${note}\n`);

  // a resumed run keeps the data folder, backend and checkpoint interval it was started with
  const saved = resumeFrom?.meta;
  const dataDir = cli.dataDir ?? (typeof saved?.data_dir === "string" ? saved.data_dir : undefined);
  const wanted = cli.backend ?? (saved?.backend as BackendName | undefined);
  const checkpointEvery = cli.checkpointEvery ??
    (typeof saved?.checkpoint_every === "number" ? saved.checkpoint_every : 0);
  const backend = await initBackend(wanted, { warn: (l) => io.err(`warning: ${l}\n`) });
  if (saved?.backend !== undefined && saved.backend !== backend) {
    io.err(
      `warning: this run started on backend ${saved.backend} and continues on ${backend}: results will not match bit for bit\n`,
    );
  }
  const dataOpts = { dataDir, labels: config.label_mode };
  const fullTrain = takeFirst(
    await loadDataset(config.dataset, "train", dataOpts),
    config.limit_train,
  );
  const test = takeFirst(await loadDataset(config.dataset, "test", dataOpts), config.limit_test);
  const { train, val } = splitData(fullTrain, config.validation_split, config.seed);

  const spec = buildSpec(config as unknown as BuildSpecOptions);
  const net = new BinaryNet(spec);
  const optimizer = createOptimizer(
    config.optimizer,
    { ...config, train_set_size: sizeOf(train) },
    net.binaryShapes,
    new Rng(config.seed, "optimizer"),
    net.realParams,
  );
  const model = new Model(net, optimizer, {
    evaluateSteps: config.optimizer === "bayesbinn" ? config.evaluate_steps : 0,
    evaluateMean: config.optimizer === "bayesbinn" ? config.evaluate_mean : "probs",
    evalBatchSize: config.test_batch_size,
  });
  if (resumeFrom !== null) {
    if (typeof resumeFrom.meta.training !== "object" || resumeFrom.meta.training === null) {
      throw new CheckpointError(`checkpoint ${ckptPath} holds no training state`);
    }
    try {
      model.restore(resumeFrom);
    } catch (e) {
      throw new CheckpointError(
        `checkpoint ${ckptPath} does not fit this model: ${(e as Error).message.split("\n")[0]}`,
      );
    }
  }

  const ckptDir = runPaths(runDir).checkpoints;
  onCheckpointDir(runPaths(runDir).lastCheckpoint);

  io.out(
    `${config.optimizer} on ${config.dataset}: ${sizeOf(train)} train, ${
      val ? sizeOf(val) : 0
    } validation, ${test.count} test examples; backend ${backend}; seed ${config.seed}\n`,
  );
  io.out(formatSummary(summarize(spec)) + "\n");
  if (resumeFrom !== null) {
    const t = model.state!;
    const task = t.task === undefined ? "" : `task ${t.task + 1}, `;
    io.out(
      t.epoch >= config.epochs
        ? `resuming ${runDir} after its last epoch (${task}epoch ${t.epoch}): completing the run folder\n`
        : `resuming ${runDir} at ${task}epoch ${t.epoch + 1}, step ${t.step}\n`,
    );
    if (numTasks > 1 && t.task === undefined) {
      throw new CheckpointError(`checkpoint ${runDir}/checkpoints/last.ckpt holds no task index`);
    }
  }
  io.out(`run folder: ${runDir}\n`);

  const configName = resumeFrom !== null
    ? String(resumeFrom.meta.config_name ?? "resumed")
    : cli.configFile
    ? path.basename(cli.configFile, ".json")
    : "defaults";
  // the checkpoint before the logs, so metrics.jsonl never runs ahead of last.ckpt; a new run's
  // first checkpoint (at step 0) before its config.json, so a folder with config.json always has
  // a checkpoint to resume from (--resume rewrites config.json from the checkpoint if missing)
  const callbacks: Callback[] = [
    new ProgressLogger(io.tty, io.out, config.epochs),
    new ModelCheckpoint(ckptDir, checkpointEvery, {
      config: JSON.parse(configToJson(config)),
      spec,
      seed: config.seed,
      config_name: configName,
      data_dir: dataDir === undefined ? null : path.resolve(dataDir),
      backend,
      checkpoint_every: checkpointEvery,
    }, { atStart: resumeFrom === null }),
    ...(resumeFrom === null
      ? [{ onTrainBegin: () => writeFileAtomic(configPath, configToJson(config)) }]
      : []),
    new RunLogger(runDir, {
      config_name: configName,
      optimizer: config.optimizer,
      dataset: config.dataset,
      seed: config.seed,
      backend,
      epochs: config.epochs,
      train_examples: sizeOf(train),
      val_examples: val ? sizeOf(val) : 0,
      test_examples: test.count,
      ...(numTasks > 1 ? { num_tasks: numTasks } : {}),
    }),
  ];
  if (cli.wandb) callbacks.push(await wandbCallback(config));
  const pct = (v: number | null) => (v === null ? "n/a" : `${(v * 100).toFixed(2)}%`);
  const fitOpts = {
    epochs: config.epochs,
    batchSize: config.batch_size,
    lrInit: config.lr_init,
    lrFinal: config.lr_final,
    seed: config.seed,
    validationData: val,
    augment: config.data_augmentation,
    dropLast: true,
    callbacks,
  };
  const history = numTasks > 1
    ? await fitContinual(model, train as ImageDataset, test, {
      ...fitOpts,
      callbacks: [...callbacks, taskPrinter(io.out)],
      numTasks,
      onTaskBegin: (t) => io.out(`task ${t + 1}/${numTasks} (pixel permutation ${t + 1})\n`),
    })
    : await model.fit(train as DataSource, { ...fitOpts, testData: test });
  const sel = selectBest(history);
  const perTask = history.at(-1)?.test_acc_per_task;
  if (perTask !== undefined) {
    io.out(`final test accuracy per task: ${perTask.map(pct).join(" ")}\n`);
  }
  io.out(
    `done: final test accuracy ${pct(sel.final_test_acc)}` +
      (sel.best_val_epoch === null
        ? ""
        : `; best validation ${pct(sel.best_val_acc)} at epoch ${
          sel.best_val_epoch + 1
        }, test there ${pct(sel.test_acc_at_best_val)}`) +
      `; run folder ${runDir}\n`,
  );
  optimizer.dispose();
  net.dispose();
  tf.disposeVariables();
  return 0;
}

/** Prints the per-task test accuracies after each continual-learning epoch. */
function taskPrinter(out: (s: string) => void): Callback {
  return {
    onEpochEnd(m) {
      const accs = m.test_acc_per_task ?? [];
      out(
        `  task ${(m.task ?? 0) + 1} epoch ${m.epoch + 1}: test per task ${
          accs.map((a, k) => `t${k + 1} ${(a * 100).toFixed(2)}%`).join(", ")
        }\n`,
      );
    },
  };
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
