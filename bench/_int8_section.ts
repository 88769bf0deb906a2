/**
 * The `int8` section of `deno task bench`: eval images/s of the `--int8` export vs the float
 * export (bench/int8_bench.ts, both through ONNX Runtime with bnn's session options, timed in
 * alternation in one process) vs PyTorch (bench/torch_bench.py `--eval-batch`), at batch 1 and
 * a large batch (MLP 1000, VGG 200), with the targets: VGG int8 ≥ 2.5× the float
 * export and ≥ 3× PyTorch, MLP int8 ≥ 2× the float export (at the large batch).
 *
 * `--ort-ablation` adds, per model and batch, the int8 and float rates with one session option
 * changed at a time (worker threads spinning; graph optimization `basic` instead of `all`), so
 * the README can say which options matter.
 * @module
 */

/** One JSON line of bench/int8_bench.ts. */
export interface Int8Row {
  model: string;
  batch: number;
  float_img_s: number;
  int8_img_s: number;
  float_bytes: number;
  int8_bytes: number;
  /** With `--ablation`: img/s by `<variant>_<float|int8>`, variants bnn, spinning, basic. */
  ablation?: Record<string, number>;
}

/** How the section runs a child process and reads its last JSON line. */
export type RunJson = (
  cmd: string,
  args: string[],
  env?: Record<string, string>,
) => Promise<Record<string, unknown>>;

/** What the section needs from bench/main.ts. */
export interface Int8SectionOptions {
  runJson: RunJson;
  denoRun: string[];
  width: string;
  /** The PyTorch command (python, its env), or null when PyTorch is skipped. */
  torch: { python: string; env: Record<string, string> } | null;
  ablation: boolean;
}

const x = (a: number, b: number | undefined) => (b ? (a / b).toFixed(2) : "–");

async function ortRow(o: Int8SectionOptions, model: string, batch: number, extra: string[] = []) {
  return await o.runJson(Deno.execPath(), [
    ...o.denoRun,
    "--allow-write",
    "--allow-sys",
    "bench/int8_bench.ts",
    ...["--model", model, "--width", o.width, "--batch", String(batch), "--threads", "2"],
    ...extra,
  ]) as unknown as Int8Row;
}

/**
 * Runs and prints the section for one model (see the module doc); returns its rows.
 *
 * @example Usage
 * ```ts ignore
 * import { int8Section } from "./_int8_section.ts";
 * await int8Section("vgg", { runJson, denoRun, width: "1", torch: null, ablation: false });
 * ```
 */
export async function int8Section(model: string, o: Int8SectionOptions): Promise<Int8Row[]> {
  const large = model === "mlp" ? 1000 : 200;
  console.log(
    `\n${model === "mlp" ? "MLP" : "VGG"} eval: int8 export vs float export (ONNX Runtime ` +
      "1.30, 2 threads, bnn's session options) vs PyTorch, images/s",
  );
  console.log(
    "| batch | float export | int8 export | PyTorch | int8 ×float | int8 ×PyTorch | float ×PyTorch | bytes float / int8 |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  const rows: Int8Row[] = [];
  for (const batch of [1, large]) {
    const r = await ortRow(o, model, batch, o.ablation ? ["--ablation"] : []);
    const t = o.torch
      ? (await o.runJson(o.torch.python, [
        "bench/torch_bench.py",
        ...["--model", model, "--width", o.width, "--eval-batch", String(batch)],
      ], o.torch.env)).eval_img_s as number
      : undefined;
    rows.push(r);
    console.log(
      `| ${batch} | ${r.float_img_s.toFixed(0)} | ${r.int8_img_s.toFixed(0)} | ${
        t?.toFixed(0) ?? "–"
      } | ${x(r.int8_img_s, r.float_img_s)} | ${x(r.int8_img_s, t)} | ${
        x(r.float_img_s, t)
      } | ${r.float_bytes} / ${r.int8_bytes} |`,
    );
    if (batch === large) {
      const vsFloat = r.int8_img_s / r.float_img_s, vsTorch = t ? r.int8_img_s / t : NaN;
      const verdict = (ok: boolean) => (ok ? "met" : "not met");
      console.log(
        model === "vgg"
          ? `targets at batch ${batch}: int8 ≥ 2.5× float export: ${verdict(vsFloat >= 2.5)}; ` +
            `int8 ≥ 3× PyTorch: ${t ? verdict(vsTorch >= 3) : "PyTorch skipped"}`
          : `target at batch ${batch}: int8 ≥ 2× float export: ${verdict(vsFloat >= 2)}`,
      );
    }
    if (r.ablation) {
      const a = r.ablation;
      const variants = [["worker threads spinning", "spinning"], [
        "graph optimization basic",
        "basic",
      ]];
      for (const [label, k] of variants) {
        const f = a[`${k}_float`], q = a[`${k}_int8`];
        console.log(
          `  batch ${batch}, ${label}: float ${f.toFixed(0)} (${x(f, r.float_img_s)}× bnn's ` +
            `options), int8 ${q.toFixed(0)} (${x(q, r.int8_img_s)}×)`,
        );
      }
    }
  }
  return rows;
}
