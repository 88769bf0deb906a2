import assert from "node:assert/strict";
import { buildReport, meanStd, reportMarkdown } from "../../sweep/report.ts";
import { reportSvg } from "../../sweep/report_svg.ts";
import { PAPER_TABLE2 } from "../../sweep/paper_table2.ts";
import type { JobState, JobStatus } from "../../sweep/status.ts";

Deno.test("meanStd() is the mean and the sample std (n − 1), by hand", () => {
  // 98.1, 98.4, 98.7: mean 98.4; deviations ±0.3, 0 → ss 0.18, /2 = 0.09, sqrt 0.3
  const { mean, std } = meanStd([98.1, 98.4, 98.7]);
  assert.ok(Math.abs(mean! - 98.4) < 1e-12 && Math.abs(std! - 0.3) < 1e-12, `${mean} ${std}`);
  // 1, 2, 3, 4: mean 2.5; ss 2.25+0.25+0.25+2.25 = 5, /3 → sqrt(5/3)
  assert.ok(Math.abs(meanStd([1, 2, 3, 4]).std! - Math.sqrt(5 / 3)) < 1e-12);
  assert.deepEqual(meanStd([7]), { mean: 7, std: null });
  assert.deepEqual(meanStd([]), { mean: null, std: null });
});

/** Statuses of one config's seeds; `accs` null: not finished. */
function config(
  name: string,
  optimizer: "ste" | "bayesbinn",
  rows: [number, JobState, number | null][],
) {
  const statuses: JobStatus[] = rows.map(([seed, state], i) => ({
    job: {
      index: i,
      configName: name,
      optimizer,
      seed,
      runDir: "",
      config: { dataset: "mnist", model_architecture: "BinaryConnect", epochs: 10 } as never,
    },
    state,
    epochsDone: state === "done" ? 10 : 4,
    exitCode: state === "failed" ? 1 : null,
  }));
  const summaries = new Map(
    rows.map((
      [, , acc],
      i,
    ) => [i, acc === null ? null : { test_acc_at_best_val: acc, mean_epoch_seconds: 30 + i }]),
  );
  return { statuses, summaries };
}

Deno.test("buildReport() averages finished seeds only and lists the others by state", () => {
  const { statuses, summaries } = config("mnist_ste", "ste", [
    [1, "done", 0.981],
    [2, "done", 0.987],
    [3, "running", null],
    [4, "failed", null],
    [5, "done", 0.984],
  ]);
  const report = buildReport(
    { name: "t", bnn: { version: "0", commit: null, dirty: null } },
    statuses,
    summaries,
  );
  const row = report.rows[0]!;
  assert.deepEqual(row.counted, [1, 2, 5]);
  assert.ok(
    Math.abs(row.mean! - 98.4) < 1e-9 && Math.abs(row.std! - 0.3) < 1e-9,
    `${row.mean} ${row.std}`,
  );
  assert.equal(row.epochSeconds, (30 + 31 + 34) / 3);
  assert.deepEqual(row.notCounted, ["seed 3 running (epoch 4/10)", "seed 4 failed (epoch 4/10)"]);
  assert.deepEqual(row.paper, PAPER_TABLE2.mnist!.ste);
  const md = reportMarkdown(report);
  assert.ok(
    md.includes(
      "| mnist_ste | STE-Adam | mnist | 10 | 3 of 5 | 98.40 ± 0.30 | 98.85 ± 0.09 | 32 | seed 3 running (epoch 4/10), seed 4 failed (epoch 4/10) |",
    ),
    md,
  );
});

Deno.test("reportSvg() draws every config, with the paper's bar, and renders", async () => {
  const a = config("mnist_ste", "ste", [[1, "done", 0.981], [2, "done", 0.987]]);
  const b = config("mnist_bayesbinn", "bayesbinn", [[1, "running", null]]);
  const bnn = { version: "0", commit: null, dirty: null };
  const report = buildReport({ name: "t", bnn }, [
    ...a.statuses,
    ...b.statuses.map((s) => ({ ...s, job: { ...s.job, index: 9 } })),
  ], new Map([...a.summaries]));
  const svg = reportSvg(report);
  assert.ok(
    svg.includes("98.40±0.42") && svg.includes("98.85±0.09") && svg.includes("98.86±0.05"),
    svg,
  );
  assert.ok(svg.includes("no finished seed") && svg.includes("1 not finished"));
  // rsvg-convert (librsvg2-bin, installed by scripts/setup.sh) must render it
  const file = await Deno.makeTempFile({ suffix: ".svg" });
  await Deno.writeTextFile(file, svg);
  const r = await new Deno.Command("rsvg-convert", {
    args: ["-o", `${file}.png`, file],
    stderr: "piped",
  })
    .output().catch(() => null);
  await Deno.remove(file);
  await Deno.remove(`${file}.png`).catch(() => {});
  if (r === null) return console.warn("rsvg-convert is not installed: the SVG was not rendered");
  const code = r.code;
  assert.equal(code, 0, "rsvg-convert rejected the SVG");
});
