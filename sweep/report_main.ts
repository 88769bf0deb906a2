/**
 * `deno task report NAME [--root DIR]`: reads every job's `summary.json` of sweep NAME and prints
 * the paper's Table 2 layout (./report.ts) as Markdown, and writes it beside the manifest as
 * `report.md`, `report.json` and `report.svg` (./report_svg.ts). Jobs that did not finish are
 * listed in their row, never averaged in. Exit code 2 when there is no such sweep.
 * @module
 */
import { parseArgs } from "node:util";
import { reportError, UsageError } from "../cli/errors.ts";
import { parseArgsErrorLine } from "../cli/parse_args_error.ts";
import { writeFileAtomic } from "../train/checkpoint.ts";
import { checkName } from "./cli_args.ts";
import { readJobProgress } from "./job_progress.ts";
import { ManifestError, readManifest } from "./manifest.ts";
import { buildReport, type Report, reportMarkdown, table2Markdown } from "./report.ts";
import { reportSvg } from "./report_svg.ts";
import { queueOf } from "./slurm_engine.ts";
import { sweepStatus } from "./status.ts";
import { DEFAULT_SWEEPS_ROOT, sweepPaths } from "./sweep_folder.ts";

const USAGE = `Usage: deno task report NAME [--root DIR]

Prints sweep NAME's table (test accuracy at the best-validation epoch, mean ± std over the
seeds that finished, beside the paper's Table 2) and writes ROOT/NAME/report.{md,json,svg}.
ROOT is runs/sweeps unless --root says otherwise.
`;

/** The per-config table, then the same rows in Table 2's layout (when they have Table 2 values). */
function reportText(report: Report): string {
  const table2 = table2Markdown(report);
  return reportMarkdown(report) +
    (table2 === "" ? "" : `\nIn the layout of the paper's Table 2:\n\n${table2}`);
}

/**
 * The report of sweep `name` under `root`, and its files written.
 *
 * @throws {ManifestError} When there is no such sweep.
 */
export async function reportSweep(name: string, root: string): Promise<Report> {
  const paths = sweepPaths(root, name);
  const manifest = await readManifest(paths.manifest);
  if (manifest === null) {
    throw new ManifestError(`no sweep ${name}: ${paths.manifest} does not exist`);
  }
  const statuses = await sweepStatus(manifest, paths, await queueOf(paths));
  const summaries = new Map<number, Record<string, unknown> | null>();
  for (const s of statuses) {
    summaries.set(s.job.index, (await readJobProgress(s.job.runDir)).summary);
  }
  const report = buildReport(manifest, statuses, summaries);
  await writeFileAtomic(paths.reportMarkdown, reportText(report));
  await writeFileAtomic(paths.reportJson, JSON.stringify(report, null, 2) + "\n");
  await writeFileAtomic(paths.reportSvg, reportSvg(report));
  return report;
}

/**
 * Runs `deno task report`; returns the exit code.
 *
 * @example Usage
 * ```ts
 * import { main } from "./report_main.ts";
 * const errors: string[] = [];
 * const code = await main(["nope", "--root", await Deno.makeTempDir()], () => {}, (l) => errors.push(l));
 * if (code !== 2 || !errors[0]!.includes("no sweep nope")) throw new Error(errors.join());
 * ```
 */
export async function main(
  argv: string[],
  print: (line: string) => void = (l) => console.log(l),
  printError: (line: string) => void = (l) => console.error(l),
): Promise<number> {
  try {
    const options = { help: { type: "boolean", short: "h" }, root: { type: "string" } } as const;
    let parsed;
    try {
      parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    } catch (e) {
      throw new UsageError(
        `${parseArgsErrorLine(e, Object.keys(options)) ?? (e as Error).message} (see --help)`,
      );
    }
    if (parsed.values.help) {
      print(USAGE.trimEnd());
      return 0;
    }
    if (parsed.positionals.length !== 1) {
      throw new UsageError("give one sweep: deno task report NAME");
    }
    const name = checkName(parsed.positionals[0]);
    const root = parsed.values.root ?? DEFAULT_SWEEPS_ROOT;
    const report = await reportSweep(name, root);
    const paths = sweepPaths(root, name);
    print(reportText(report).trimEnd());
    print(`\nwritten: ${paths.reportMarkdown}, ${paths.reportJson}, ${paths.reportSvg}`);
    return 0;
  } catch (e) {
    return reportError("bnn report", e, printError);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
