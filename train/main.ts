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
import { parseArgs } from "node:util";
import { reportError, UsageError } from "../cli/errors.ts";
import { BACKEND_NAMES } from "./backend/mod.ts";
import { parseBackendFlag } from "./backend/backend_flag.ts";
import { configHelp, configOptions, pickConfigOverrides } from "./config/mod.ts";
import { parseArgsErrorLine } from "../cli/parse_args_error.ts";
import { NonFiniteError } from "./trainer.ts";
import { PREEMPTED_EXIT_CODE, PreemptedError } from "./preemption.ts";
import { type RunRequest, train } from "./run.ts";

export { UsageError };

const USAGE = `Usage: deno run -A train/main.ts <bayesbinn|ste> [CONFIG.json] [options]

Trains a binary network with BayesBiNN or STE and writes a run folder.

Options:
  --<config key> VALUE   override a config key (see below); kebab-case also accepted
  --dataset D            mnist, cifar10, cifar100 (downloaded if missing) or your own data, never
                         downloaded: idx:DIR, cifar:DIR, folder:PATH with PATH/train/<class>/*.png
                         (.jpg .jpeg .webp) and PATH/test/<class>/...; a missing test split is
                         refused (never carved from train); --image-size N sets the side
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

/** Parsed command line: a run request, or `--help`. */
export interface CliArgs extends RunRequest {
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
  const backend = parseBackendFlag(v.backend as string | undefined);
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
    backend,
    checkpointEvery: everyText === undefined ? undefined : checkpointEvery,
    wandb: v.wandb === true,
    help,
  };
}

/**
 * Runs the training command. Returns the exit code; every failure is one line on `err`.
 *
 * @param args The command line (without the program).
 * @param io Where output and errors go (default stdout / stderr).
 * @returns 0 on success, 2 on bad usage or input, 3 when training stopped on NaN/Inf, 75 when
 *   preempted (SIGTERM / SIGUSR1: checkpoint written, see ./preemption.ts), 1 else.
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
      const kept = lastCkpt !== "" && (await Deno.stat(lastCkpt).then(() => true, () => false))
        ? `the last good checkpoint is ${lastCkpt}`
        : "no checkpoint was written before it";
      io.err(`error: training stopped: ${line}; ${kept}\n`);
      return 3;
    }
    if (e instanceof PreemptedError) {
      io.err(`${line}\n`);
      return PREEMPTED_EXIT_CODE;
    }
    return reportError("error", e, (l) => io.err(`${l}\n`));
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

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
