/**
 * One training run, as `deno task train:*` runs it: resolves the run folder (new, or resumed
 * from its last checkpoint), takes its lock, loads the data, builds the network and optimizer,
 * trains with the paper's protocol and writes the run folder (./run_folder.ts). The command line
 * around it is ./main.ts.
 * @module
 */
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { UsageError } from "../cli/errors.ts";
import { type BackendName, describeBackend, initBackend } from "./backend/mod.ts";
import { ModelCheckpoint, ProgressLogger, RunLogger } from "./callbacks.ts";
import { Preemption } from "./preemption.ts";
import { CheckpointError, loadCheckpoint, writeFileAtomic } from "./checkpoint.ts";
import { type Config, configNotes, configToJson, resolveConfig } from "./config/mod.ts";
import type { ImageDataset } from "./data/dataset.ts";
import { datasetLabel } from "./data/dataset_ref.ts";
import { type DatasetRecord, isDatasetRecord } from "./data/run_data.ts";
import { loadConfigData, resolveRunConfig } from "./config/run_config.ts";
import { buildSpec, type BuildSpecOptions } from "./models/architectures.ts";
import { formatSummary, summarize } from "./models/summary.ts";
import type { ModelSpec } from "./models/spec.ts";
import type { OptimizerKind } from "./optimizers/optimizer_kind.ts";
import type { Callback, CheckpointMeta, Model } from "./trainer.ts";
import { type DataSource, sizeOf, splitData } from "./data_source.ts";
import { fitContinual } from "./continual.ts";
import { selectBest } from "./metrics_log.ts";
import { wandbCallback } from "./wandb.ts";
import { assertRunFolderFree, lockRunFolder } from "./run_lock.ts";
import { removeDeadTemps } from "./temp_files.ts";
import { runPaths } from "./run_folder.ts";
import { modelOfRun, restoreRunModel } from "./run_model.ts";
import { pathExists } from "./path_exists.ts";

/** What a training run is asked to do (the trainer CLI's arguments but `--help`). */
export interface RunRequest {
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
}

/** Where a run's console output goes. */
export interface RunIo {
  out: (s: string) => void;
  err: (s: string) => void;
  tty: boolean;
}

function timestamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${
    p(d.getUTCMinutes())
  }${p(d.getUTCSeconds())}`;
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
 * Runs a training: resolves the run folder, takes its lock (./run_lock.ts: a second process on
 * the same folder stops with one line naming the holder, a `RunLockError`), removes temp files
 * that killed processes left there (./temp_files.ts), trains, and releases the lock however it
 * ends. A file that cannot be written (disk full, no permission) throws a `WriteError`
 * (./write_error.ts), one line naming the file; both are `UserError`s (exit code 2).
 *
 * @param cli What to run.
 * @param io Where the console output goes.
 * @param onCheckpointDir Told the path of `last.ckpt` once it is known (for the NaN message).
 * @returns 0 when the run finished (or had already).
 *
 * @example Usage
 * ```ts ignore
 * import { train } from "./run.ts";
 * const io = { out: (s: string) => console.log(s), err: (s: string) => console.error(s), tty: false };
 * await train({ optimizer: "ste", overrides: { epochs: "1" }, wandb: false }, io, () => {});
 * ```
 */
export async function train(
  cli: RunRequest,
  io: RunIo,
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
    if (!(await pathExists(runDir))) {
      throw new CheckpointError(
        `checkpoint ${runPaths(runDir).lastCheckpoint} does not exist`,
      );
    }
    if (await notFolder(runDir)) {
      throw new UsageError(`--resume ${runDir} is a file, not a run folder`);
    }
  } else {
    const dataOpts = { dataDir: cli.dataDir, log: io };
    fresh = (await resolveRunConfig(cli.optimizer, cli.configFile, cli.overrides, dataOpts)).config;
    const name = datasetLabel(fresh.dataset);
    runDir = cli.out ?? path.join("runs", `${fresh.optimizer}-${name}-${timestamp()}`);
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
  if (await pathExists(runPaths(runDir).lastCheckpoint)) {
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
async function configOnly(runDir: string, cli: RunRequest): Promise<Config> {
  const { config: configPath, lastCheckpoint: ckptPath } = runPaths(runDir);
  if (!(await pathExists(configPath))) {
    throw new CheckpointError(
      `checkpoint ${ckptPath} does not exist, nor ${configPath}: nothing to resume (start the run again with --out ${runDir})`,
    );
  }
  return resolveConfig(cli.optimizer, configPath, {});
}

/** A checkpoint of a run, as `train` writes it. */
type RunCheckpoint = Awaited<ReturnType<typeof loadCheckpoint<RunMeta>>>;

/**
 * The config of the run in `runDir` and the checkpoint to resume from (null: start at step 0):
 * `fresh` for a new run; else the folder's, from `last.ckpt` (restoring a missing `config.json`
 * from it) or, without a checkpoint, from `config.json`.
 */
async function openRun(
  runDir: string,
  fresh: Config | null,
  cli: RunRequest,
  io: RunIo,
): Promise<{ config: Config; resumeFrom: RunCheckpoint | null }> {
  const { config: configPath, lastCheckpoint: ckptPath } = runPaths(runDir);
  if (fresh !== null) {
    // again, now that no other process can start one there
    await refuseUsedFolder(runDir);
    return { config: fresh, resumeFrom: null };
  }
  if (!(await pathExists(ckptPath))) {
    // killed before its first checkpoint: start it again from step 0 with its saved config
    const config = await configOnly(runDir, cli);
    io.err(`note: ${runDir} has no checkpoint yet: starting it from step 0 with ${configPath}\n`);
    return { config, resumeFrom: null };
  }
  const resumeFrom = await loadCheckpoint<RunMeta>(ckptPath);
  const saved = resumeFrom.meta.config;
  if (typeof saved !== "object" || saved === null || saved.optimizer !== cli.optimizer) {
    throw new CheckpointError(
      `checkpoint ${ckptPath} is a ${JSON.stringify(saved?.optimizer)} run, not ${cli.optimizer}`,
    );
  }
  // killed between its first checkpoint and config.json: the checkpoint's config is the run's
  if (!(await pathExists(configPath))) {
    await writeFileAtomic(configPath, configToJson(saved as unknown as Config));
  }
  const config = resolveConfig(cli.optimizer, configPath, {});
  if (configToJson(config) !== configToJson(saved as unknown as Config)) {
    throw new CheckpointError(`${configPath} does not match the config in ${ckptPath}`);
  }
  return { config, resumeFrom };
}

/** The number of continual-learning tasks of `config` (1: plain training). */
function taskCount(config: Config): number {
  return config.optimizer === "bayesbinn" ? config.num_tasks : 1;
}

/**
 * Whether the run already finished (its summary says so too: a kill right after the last
 * checkpoint leaves it unfinished, and resuming then completes the run folder); says so.
 */
async function finishedAlready(
  runDir: string,
  config: Config,
  resumeFrom: RunCheckpoint | null,
  io: RunIo,
): Promise<boolean> {
  const numTasks = taskCount(config);
  const done = resumeFrom?.meta.training;
  const summary = runPaths(runDir).summary;
  if (
    typeof done !== "object" || done === null || done.epoch < config.epochs ||
    (numTasks > 1 && done.task !== numTasks - 1) || !(await summaryFinished(summary))
  ) {
    return false;
  }
  io.out(
    `${runDir} already finished its ${config.epochs} epoch${config.epochs === 1 ? "" : "s"}${
      numTasks > 1 ? ` of each of its ${numTasks} tasks` : ""
    }: nothing to resume (results in ${summary})\n`,
  );
  return true;
}

/** What a run trains on, and with which settings (a resumed run keeps its saved ones). */
interface RunSetup {
  backend: string;
  dataDir: string | undefined;
  checkpointEvery: number;
  train: DataSource;
  val: DataSource | null;
  test: ImageDataset;
  /** A custom dataset's record (names, normalization, checksums); null for a built-in one. */
  dataset: DatasetRecord | null;
}

/** Starts the backend and loads the data; a resumed run keeps its data folder, backend, interval. */
async function setUp(
  config: Config,
  cli: RunRequest,
  saved: RunMeta | undefined,
  io: RunIo,
): Promise<RunSetup> {
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
  const data = await loadConfigData(config, { dataDir, log: io }, "the run's config");
  checkSameFiles(saved?.dataset_record, data.record);
  const { train, val } = splitData(data.train, config.validation_split, config.seed);
  return {
    backend,
    dataDir,
    checkpointEvery,
    train,
    val: val ?? null,
    test: data.test,
    dataset: data.record,
  };
}

/** Refuses to resume a run on a custom dataset whose training files changed since it started. */
function checkSameFiles(saved: unknown, now: DatasetRecord | null): void {
  if (now === null || !isDatasetRecord(saved) || saved.train.sha256 === now.train.sha256) return;
  const [was, is] = [saved.train.sha256.slice(0, 12), now.train.sha256.slice(0, 12)];
  throw new UsageError(
    `the training files of ${now.dataset} changed since this run started (checksum ${was}…, now ${is}…): resuming would train on other data; start a new run`,
  );
}

/** The network, optimizer and model of `config`, restored from `resumeFrom` when given. */
function buildModel(
  config: Config,
  trainSize: number,
  resumeFrom: RunCheckpoint | null,
  ckptPath: string,
  dataset: DatasetRecord | null,
): { spec: ModelSpec; model: Model } {
  // a custom set: its image shape and the normalization of its training split
  const custom = dataset === null ? {} : { image_shape: dataset.image_shape };
  const spec = buildSpec({ ...config, ...custom } as unknown as BuildSpecOptions);
  const model = modelOfRun({ ...config, train_set_size: trainSize }, spec, trainSize, {
    evaluateSteps: config.optimizer === "bayesbinn" ? config.evaluate_steps : 0,
    evaluateMean: config.optimizer === "bayesbinn" ? config.evaluate_mean : "probs",
    evalBatchSize: config.test_batch_size,
    ...(dataset === null ? {} : { normalization: dataset.normalization }),
  });
  if (resumeFrom !== null) restoreRunModel(model, resumeFrom, ckptPath);
  return { spec, model };
}

/** Prints what is about to run: data, backend, model summary, where a resumed run stands. */
function announce(
  runDir: string,
  config: Config,
  setup: RunSetup,
  spec: ModelSpec,
  model: Model,
  resumed: boolean,
  io: RunIo,
): void {
  const { train, val, test } = setup;
  io.out(
    `${config.optimizer} on ${datasetLabel(config.dataset)}: ${sizeOf(train)} train, ${
      val ? sizeOf(val) : 0
    } validation, ${test.count} test examples; backend ${describeBackend()}; seed ${config.seed}\n`,
  );
  if (setup.dataset !== null) io.out(describeDataset(setup.dataset) + "\n");
  io.out(formatSummary(summarize(spec)) + "\n");
  if (resumed) {
    const t = model.state!;
    const task = t.task === undefined ? "" : `task ${t.task + 1}, `;
    io.out(
      t.epoch >= config.epochs
        ? `resuming ${runDir} after its last epoch (${task}epoch ${t.epoch}): completing the run folder\n`
        : `resuming ${runDir} at ${task}epoch ${t.epoch + 1}, step ${t.step}\n`,
    );
    if (taskCount(config) > 1 && t.task === undefined) {
      throw new CheckpointError(
        `checkpoint ${runPaths(runDir).lastCheckpoint} holds no task index`,
      );
    }
  }
  io.out(`run folder: ${runDir}\n`);
}

/**
 * The run's callbacks, in the order that keeps the folder consistent at every kill: the
 * checkpoint before the logs, so metrics.jsonl never runs ahead of last.ckpt; a new run's first
 * checkpoint (at step 0) before its config.json, so a folder with config.json always has a
 * checkpoint to resume from (--resume rewrites config.json from the checkpoint if missing).
 */
async function runCallbacks(
  runDir: string,
  config: Config,
  setup: RunSetup,
  spec: ModelSpec,
  configName: string,
  resumed: boolean,
  cli: RunRequest,
  io: RunIo,
): Promise<Callback[]> {
  const { backend, dataDir, checkpointEvery, train, val, test } = setup;
  const numTasks = taskCount(config);
  const callbacks: Callback[] = [
    new ProgressLogger(io.tty, io.out, config.epochs),
    new ModelCheckpoint(runPaths(runDir).checkpoints, checkpointEvery, {
      config: JSON.parse(configToJson(config)),
      spec,
      seed: config.seed,
      config_name: configName,
      data_dir: dataDir === undefined ? null : path.resolve(dataDir),
      backend,
      checkpoint_every: checkpointEvery,
      ...(setup.dataset === null ? {} : { dataset_record: setup.dataset }),
    }, { atStart: !resumed }),
    ...(resumed
      ? []
      : [{ onTrainBegin: () => writeFileAtomic(runPaths(runDir).config, configToJson(config)) }]),
    new RunLogger(runDir, {
      config_name: configName,
      optimizer: config.optimizer,
      dataset: datasetLabel(config.dataset),
      ...(setup.dataset === null ? {} : { dataset_record: setup.dataset }),
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
  // last: on SIGTERM / SIGUSR1 it stops the run once the step's files are written
  const checkpoint = callbacks.find((c): c is ModelCheckpoint => c instanceof ModelCheckpoint)!;
  callbacks.push(new Preemption(checkpoint, config.epochs).listen());
  return callbacks;
}

/** Trains (plain, or continual learning over the tasks) and prints the results. */
async function fitAndReport(
  runDir: string,
  config: Config,
  setup: RunSetup,
  model: Model,
  callbacks: Callback[],
  io: RunIo,
): Promise<void> {
  const { train, val, test } = setup;
  const numTasks = taskCount(config);
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
    : await model.fit(train, { ...fitOpts, testData: test });
  const pct = (v: number | null) => (v === null ? "n/a" : `${(v * 100).toFixed(2)}%`);
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
}

/** {@linkcode train} with the run folder locked; `fresh` is the config of a new run. */
async function trainIn(
  runDir: string,
  fresh: Config | null,
  cli: RunRequest,
  io: RunIo,
  onCheckpointDir: (p: string) => void,
): Promise<number> {
  const { config, resumeFrom } = await openRun(runDir, fresh, cli, io);
  checkContinual(config);
  if (await finishedAlready(runDir, config, resumeFrom, io)) return 0;
  for (const note of configNotes(config)) io.err(`note: ${note}\n`);
  const setup = await setUp(config, cli, resumeFrom?.meta, io);
  const ckptPath = runPaths(runDir).lastCheckpoint;
  const { spec, model } = buildModel(
    config,
    sizeOf(setup.train),
    resumeFrom,
    ckptPath,
    setup.dataset,
  );
  onCheckpointDir(ckptPath);
  announce(runDir, config, setup, spec, model, resumeFrom !== null, io);
  const configName = resumeFrom !== null
    ? String(resumeFrom.meta.config_name ?? "resumed")
    : cli.configFile
    ? path.basename(cli.configFile, ".json")
    : "defaults";
  const callbacks = await runCallbacks(
    runDir,
    config,
    setup,
    spec,
    configName,
    resumeFrom !== null,
    cli,
    io,
  );
  try {
    await fitAndReport(runDir, config, setup, model, callbacks, io);
  } finally {
    for (const c of callbacks) if (c instanceof Preemption) c.dispose();
  }
  model.optimizer.dispose();
  model.net.dispose();
  tf.disposeVariables();
  return 0;
}

/** A custom dataset in one line: its files, shape, classes and normalization. */
function describeDataset(d: DatasetRecord): string {
  const f = (xs: readonly number[]) => xs.map((x) => x.toFixed(4)).join(", ");
  const classes = d.classes.length <= 12
    ? d.classes.join(", ")
    : `${d.classes.slice(0, 12).join(", ")}, …`;
  const shape = d.image_shape.join("×");
  const { mean, std } = d.normalization;
  return `data ${d.dataset}: ${shape} images, ${d.classes.length} classes (${classes}); ` +
    `normalization from its training split: mean [${f(mean)}], std [${f(std)}]`;
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
