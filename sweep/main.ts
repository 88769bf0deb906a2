/**
 * `deno task sweep`: seed × config grids of `train:*` runs, run here one after another
 * (`--engine local`, the default) or handed to Slurm as a job array (`--engine slurm`), and
 * `deno task sweep status NAME`. See ./cli_args.ts for the command line, ./prepare.ts for the
 * sweep folder, ./local_engine.ts and ./slurm_engine.ts for the engines, ./status.ts for the
 * status; `deno task report NAME` (./report_main.ts) turns the finished runs into Table 2.
 *
 * Bad input — an unknown config or flag, a seed range like `5-1`, a name that exists with another
 * grid, `sbatch` missing — ends with one line and exit code 2, before anything is written or
 * submitted. A local sweep exits 0 when every job finished, 1 when one failed, 130 when
 * interrupted.
 * @module
 */
import { reportError } from "../cli/errors.ts";
import { DEFAULT_PARALLEL, parseSweepArgs, type StartArgs } from "./cli_args.ts";
import { jobLabel, runLocal } from "./local_engine.ts";
import { jobsOf, ManifestError, readManifest } from "./manifest.ts";
import { prepareSweep } from "./prepare.ts";
import { assertSbatch, queueOf, submitSlurm } from "./slurm_engine.ts";
import { formatStatus, sweepStatus } from "./status.ts";
import { sweepPaths } from "./sweep_folder.ts";

const USAGE = `Usage:
  deno task sweep NAME CONFIG... --seeds RANGE [--<config key> VALUE ...] [options]
  deno task sweep NAME --resume [options]
  deno task sweep status NAME [--root DIR]

Runs every CONFIG (a name in configs/, e.g. mnist_bayesbinn, or a JSON file) with every seed of
RANGE (1-5, 1,3,7) as a train:* run in ROOT/NAME/<config>/seed-<s>, writing the sweep's manifest
ROOT/NAME/sweep.json. Running the same sweep again continues its unfinished jobs.

Options:
  --seeds RANGE          the seeds, e.g. 1-5
  --<config key> VALUE   override a config key for every job, e.g. --epochs 10
  --engine local|slurm   local (default): one job after another here; slurm: an sbatch job array
  --slurm-args "ARGS"    extra sbatch arguments, e.g. "--partition=gpu --time=48:00:00 --cpus-per-task=8"
  --parallel N           Slurm tasks running at once (the array's %N; default ${DEFAULT_PARALLEL})
  --data-dir DIR         where the datasets are (passed to train)
  --checkpoint-every N   steps between a job's mid-epoch checkpoints (default 200)
  --backend NAME         passed to train
  --root DIR             where sweeps live (default runs/sweeps)
  --resume               continue sweep NAME as its manifest says
  -h, --help             this help
`;

/** `deno task sweep NAME ...`: prepares the sweep and runs it on its engine. */
async function start(args: StartArgs, print: (s: string) => void): Promise<number> {
  if (args.engine === "slurm") await assertSbatch(); // nothing written when Slurm is missing
  const { manifest, paths, continued } = await prepareSweep(args);
  if (manifest.engine === "slurm" && args.engine === undefined) await assertSbatch();
  const provenance = `bnn ${manifest.bnn.version}, commit ${manifest.bnn.commit ?? "unknown"}`;
  print(
    `sweep ${manifest.name}: ${manifest.jobs.length} jobs (${manifest.grid.configs.length} configs × ${manifest.grid.seeds.length} seeds)${
      continued ? ", continuing" : ""
    }; manifest ${paths.manifest}`,
  );
  if (manifest.engine === "slurm") {
    const parallel = args.parallel ?? DEFAULT_PARALLEL;
    const record = await submitSlurm(manifest, paths, {
      parallel,
      slurmArgs: args.slurmArgs,
      provenance,
    });
    if (record === null) {
      print(`every job is done: nothing to submit (deno task report ${manifest.name})`);
    } else {
      print(
        `submitted Slurm job ${record.job_id}: ${record.tasks.length} array tasks, ${parallel} at once; script ${paths.script}, logs in ${paths.logs}`,
      );
      print(`follow it with: deno task sweep status ${manifest.name}`);
    }
    return 0;
  }
  const outcome = await runLocal(jobsOf(manifest), manifest.settings, paths, print);
  const n = manifest.jobs.length;
  if (outcome.interrupted) return 130;
  if (outcome.failed.length > 0) {
    print(
      `sweep ${manifest.name}: ${outcome.done} of ${n} jobs done, ${outcome.failed.length} failed (${
        outcome.failed.map(jobLabel).join(", ")
      }); run the same command again to retry them`,
    );
    return 1;
  }
  print(`sweep ${manifest.name}: all ${n} jobs done; deno task report ${manifest.name}`);
  return 0;
}

/** `deno task sweep status NAME`. */
async function status(name: string, root: string, print: (s: string) => void): Promise<number> {
  const paths = sweepPaths(root, name);
  const manifest = await readManifest(paths.manifest);
  if (manifest === null) {
    throw new ManifestError(`no sweep ${name}: ${paths.manifest} does not exist`);
  }
  const statuses = await sweepStatus(manifest, paths, await queueOf(paths));
  print(formatStatus(name, statuses).trimEnd());
  return 0;
}

/**
 * Runs `deno task sweep`; returns the exit code (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { main } from "./main.ts";
 * const errors: string[] = [];
 * const code = await main(["t", "mnist_ste", "--seeds", "5-1"], () => {}, (l) => errors.push(l));
 * if (code !== 2 || !errors[0]!.includes("5-1")) throw new Error(errors.join("\n"));
 * ```
 */
export async function main(
  argv: string[],
  print: (line: string) => void = (l) => console.log(l),
  printError: (line: string) => void = (l) => console.error(l),
): Promise<number> {
  try {
    const args = parseSweepArgs(argv);
    if (args.kind === "help") {
      print(USAGE.trimEnd());
      return 0;
    }
    if (args.kind === "status") return await status(args.name, args.root, print);
    return await start(args, print);
  } catch (e) {
    return reportError("bnn sweep", e, printError);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
