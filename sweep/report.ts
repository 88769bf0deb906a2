/**
 * The report of a sweep in the layout of the paper's Table 2: per config, the test accuracy at the
 * best-validation epoch (the paper's protocol, `test_acc_at_best_val` of each job's
 * `summary.json`) as mean ± std over the seeds that finished, how many seeds that is of how many,
 * the epochs, the measured seconds per epoch, and the paper's 500-epoch value beside it
 * (./paper_table2.ts). Jobs that did not finish are listed by state in their row and never
 * averaged in.
 *
 * The std is the sample standard deviation (n − 1 in the denominator); with one seed there is
 * none.
 * @module
 */
import type { OptimizerKind } from "../train/optimizers/optimizer_kind.ts";
import type { Manifest } from "./manifest.ts";
import { METHOD_NAMES, PAPER_TABLE2, type PaperValue, paperValue } from "./paper_table2.ts";
import type { JobStatus } from "./status.ts";

/** One config's row. */
export interface ReportRow {
  config: string;
  dataset: string;
  optimizer: OptimizerKind;
  method: string;
  architecture: string;
  epochs: number;
  seeds: number;
  /** Seeds whose run finished and counts. */
  counted: number[];
  /** Test accuracy % at the best-validation epoch of each counted seed. */
  accuracies: number[];
  mean: number | null;
  std: number | null;
  /** Mean seconds per epoch over the counted runs. */
  epochSeconds: number | null;
  /** The jobs left out, e.g. `seed 3 running (epoch 4/10)`. */
  notCounted: string[];
  paper: PaperValue | null;
}

/** The whole report. */
export interface Report {
  sweep: string;
  created: string;
  bnn: Manifest["bnn"];
  rows: ReportRow[];
}

/**
 * Mean and sample std (n − 1) of `xs`; null where undefined.
 *
 * @example Usage
 * ```ts
 * import { meanStd } from "./report.ts";
 * const { mean, std } = meanStd([1, 2, 3]);
 * if (mean !== 2 || std !== 1) throw new Error();
 * if (meanStd([5]).std !== null || meanStd([]).mean !== null) throw new Error();
 * ```
 */
export function meanStd(xs: readonly number[]): { mean: number | null; std: number | null } {
  if (xs.length === 0) return { mean: null, std: null };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (xs.length === 1) return { mean, std: null };
  const ss = xs.reduce((a, x) => a + (x - mean) ** 2, 0);
  return { mean, std: Math.sqrt(ss / (xs.length - 1)) };
}

/** Why a job is not in its row's mean. */
function notCountedLine(s: JobStatus, why?: string): string {
  return `seed ${s.job.seed} ${why ?? s.state} (epoch ${s.epochsDone}/${s.job.config.epochs})`;
}

/** One config's row from its jobs' statuses and summaries. */
function rowOf(
  name: string,
  statuses: readonly JobStatus[],
  summaries: ReadonlyMap<number, Record<string, unknown> | null>,
): ReportRow {
  const first = statuses[0]!.job;
  const config = first.config as unknown as Record<string, unknown>;
  const accuracies: number[] = [], counted: number[] = [], seconds: number[] = [];
  const notCounted: string[] = [];
  for (const s of statuses) {
    const summary = summaries.get(s.job.index);
    const acc = summary?.test_acc_at_best_val;
    if (s.state !== "done") notCounted.push(notCountedLine(s));
    else if (typeof acc !== "number") {
      notCounted.push(notCountedLine(s, "finished without validation"));
    } else {
      accuracies.push(acc * 100);
      counted.push(s.job.seed);
      const secs = summary?.mean_epoch_seconds;
      if (typeof secs === "number") seconds.push(secs);
    }
  }
  const dataset = String(config.dataset), architecture = String(config.model_architecture);
  return {
    config: name,
    dataset,
    optimizer: first.optimizer,
    method: METHOD_NAMES[first.optimizer],
    architecture,
    epochs: Number(config.epochs),
    seeds: statuses.length,
    counted,
    accuracies,
    ...meanStd(accuracies),
    epochSeconds: meanStd(seconds).mean,
    notCounted,
    paper: paperValue(dataset, first.optimizer, architecture),
  };
}

/**
 * The report of a sweep from its manifest, its jobs' statuses (./status.ts) and their summaries
 * (index → parsed `summary.json`).
 *
 * @example Usage
 * ```ts
 * import { buildReport } from "./report.ts";
 * const job = (index: number, seed: number) => ({ index, configName: "mnist_ste", optimizer: "ste" as const,
 *   seed, runDir: "", config: { dataset: "mnist", model_architecture: "BinaryConnect", epochs: 10 } as never });
 * const statuses = [
 *   { job: job(0, 1), state: "done" as const, epochsDone: 10, exitCode: 0 },
 *   { job: job(1, 2), state: "done" as const, epochsDone: 10, exitCode: 0 },
 *   { job: job(2, 3), state: "running" as const, epochsDone: 4, exitCode: null },
 * ];
 * const summaries = new Map([[0, { test_acc_at_best_val: 0.98 }], [1, { test_acc_at_best_val: 0.99 }]]);
 * const [row] = buildReport({ name: "t", bnn: {} } as never, statuses, summaries).rows;
 * if (row!.counted.join() !== "1,2" || Math.abs(row!.mean! - 98.5) > 1e-9) throw new Error();
 * if (row!.notCounted[0] !== "seed 3 running (epoch 4/10)" || row!.paper?.mean !== 98.85) throw new Error();
 * ```
 */
export function buildReport(
  manifest: Pick<Manifest, "name" | "bnn">,
  statuses: readonly JobStatus[],
  summaries: ReadonlyMap<number, Record<string, unknown> | null>,
): Report {
  const byConfig = new Map<string, JobStatus[]>();
  for (const s of statuses) {
    const list = byConfig.get(s.job.configName) ?? [];
    list.push(s);
    byConfig.set(s.job.configName, list);
  }
  return {
    sweep: manifest.name,
    created: new Date().toISOString(),
    bnn: manifest.bnn,
    rows: [...byConfig].map(([name, list]) => rowOf(name, list, summaries)),
  };
}

/**
 * `mean ± std` with two decimals; `—` for none.
 *
 * @example Usage
 * ```ts
 * import { formatMeanStd } from "./report.ts";
 * if (formatMeanStd(98.456, 0.1) !== "98.46 ± 0.10" || formatMeanStd(null, null) !== "—") throw new Error();
 * ```
 */
export function formatMeanStd(mean: number | null, std: number | null): string {
  if (mean === null) return "—";
  return std === null ? mean.toFixed(2) : `${mean.toFixed(2)} ± ${std.toFixed(2)}`;
}

/**
 * The report as a Markdown table.
 *
 * @example Usage
 * ```ts
 * import { reportMarkdown } from "./report.ts";
 * const md = reportMarkdown({ sweep: "t", created: "", bnn: {} as never, rows: [{ config: "mnist_ste",
 *   dataset: "mnist", optimizer: "ste", method: "STE-Adam", architecture: "BinaryConnect", epochs: 10,
 *   seeds: 3, counted: [1, 2, 3], accuracies: [], mean: 98.5, std: 0.1, epochSeconds: 30,
 *   notCounted: [], paper: { mean: 98.85, std: 0.09 } }] });
 * if (!md.includes("| mnist_ste | STE-Adam | mnist | 10 | 3 of 3 | 98.50 ± 0.10 | 98.85 ± 0.09 | 30 | |")) throw new Error(md);
 * ```
 */
export function reportMarkdown(report: Report): string {
  const head = [
    "| config | method | dataset | epochs | seeds | test acc. at best val. (%) | paper, 5 × 500 epochs (%) | s/epoch | not counted |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  const lines = report.rows.map((r) =>
    `| ${r.config} | ${r.method} | ${r.dataset} | ${r.epochs} | ${r.counted.length} of ${r.seeds} | ${
      formatMeanStd(r.mean, r.std)
    } | ${r.paper ? formatMeanStd(r.paper.mean, r.paper.std) : "—"} | ${
      r.epochSeconds === null ? "—" : r.epochSeconds.toFixed(r.epochSeconds < 10 ? 1 : 0)
    } | ${r.notCounted.join(", ")} |`.replace(/ {2}\|$/, " |")
  );
  return [...head, ...lines].join("\n") + "\n";
}

/** Table 2's column headings. */
const DATASET_NAMES: Readonly<Record<string, string>> = {
  mnist: "MNIST",
  cifar10: "CIFAR-10",
  cifar100: "CIFAR-100",
};

/**
 * The rows that have a Table 2 value, laid out as the paper's Table 2: a row per method, a column
 * per dataset, each cell this sweep's mean ± std (seeds, epochs) and the paper's value after it.
 * Empty (`""`) when no row has a Table 2 value.
 *
 * @example Usage
 * ```ts
 * import { table2Markdown } from "./report.ts";
 * const md = table2Markdown({ sweep: "t", created: "", bnn: {} as never, rows: [{ config: "mnist_ste",
 *   dataset: "mnist", optimizer: "ste", method: "STE-Adam", architecture: "BinaryConnect", epochs: 10,
 *   seeds: 3, counted: [1, 2], accuracies: [], mean: 98.5, std: 0.1, epochSeconds: 30,
 *   notCounted: [], paper: { mean: 98.85, std: 0.09 } }] });
 * if (!md.includes("| STE-Adam | 98.50 ± 0.10 (2 seeds, 10 epochs; paper 98.85 ± 0.09) | — | — |")) throw new Error(md);
 * ```
 */
export function table2Markdown(report: Report): string {
  const rows = report.rows.filter((r) => r.paper !== null);
  if (rows.length === 0) return "";
  const datasets = Object.keys(PAPER_TABLE2);
  const cell = (r: ReportRow) =>
    `${formatMeanStd(r.mean, r.std)} (${r.counted.length} seed${
      r.counted.length === 1 ? "" : "s"
    }, ${r.epochs} epochs; paper ${formatMeanStd(r.paper!.mean, r.paper!.std)})`;
  const lines = (["ste", "bayesbinn"] as const).map((optimizer) => {
    const cells = datasets.map((d) => {
      const here = rows.filter((r) => r.optimizer === optimizer && r.dataset === d);
      return here.length === 0 ? "—" : here.map(cell).join("; ");
    });
    return `| ${METHOD_NAMES[optimizer]} | ${cells.join(" | ")} |`;
  });
  return [
    `| Method | ${datasets.map((d) => DATASET_NAMES[d] ?? d).join(" | ")} |`,
    `| --- | ${datasets.map(() => "---").join(" | ")} |`,
    ...lines,
  ].join("\n") + "\n";
}
