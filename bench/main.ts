/**
 * `deno task bench`: training-step throughput of the paper's models on each bnn backend, side by
 * side with PyTorch running the same model and steps, plus eval images/s and peak memory.
 *
 * Every configuration runs in its own process (bench/tfjs_bench.ts, bench/torch_bench.py) so
 * the peak RSS (VmHWM) is per configuration. Steps: a BayesBiNN-like step (sample w, gradient,
 * scale/accumulate, natural-parameter update; S = 1) and an STE + Adam step (sign, gradient,
 * clamped Adam). Models: MNIST MLP 784-2048×3-10 at batch 100, VGGBinaryConnect at batch 50.
 * Ratios are PyTorch ms / bnn ms (> 1: bnn is faster) and bnn peak / PyTorch peak.
 * Rows: each backend with the bench's own step on bnn's fused optimizer kernels
 * (bench/tfjs_bench.ts), plus "(project optimizers)": train/models' BinaryNet with
 * train/optimizers' BayesBiNN/STE on the first backend (skip with --no-project).
 *
 * Usage (from the project root):
 *   deno run --allow-read --allow-run --allow-env bench/main.ts [--models mlp,vgg]
 *     [--backends blas,wasm,cpu] [--steps N] [--vgg-steps N] [--rounds R] [--vgg-width W] [--no-torch]
 *     [--no-project] [--openblas-coretype auto|NAME] [--json FILE]
 * (--json needs --allow-write; --openblas-coretype needs --allow-env: it runs bnn and PyTorch
 * with that OpenBLAS kernel set instead of the environment's OPENBLAS_CORETYPE.)
 * PyTorch: Debian `python3-torch` run as /usr/bin/python3 with 2 threads and
 * libtcmalloc_minimal.so.4 preloaded when installed (`apt-get install python3-torch
 * libtcmalloc-minimal4`); skipped with a note when torch is missing.
 * @module
 */
import { parseArgs } from "node:util";
import { median } from "./_proc.ts";

const { values: opt } = parseArgs({
  options: {
    models: { type: "string", default: "mlp,vgg" },
    backends: { type: "string", default: "blas,wasm" },
    steps: { type: "string", default: "10" },
    "vgg-steps": { type: "string", default: "3" },
    rounds: { type: "string", default: "1" },
    "vgg-width": { type: "string", default: "1" },
    "no-torch": { type: "boolean", default: false },
    "no-project": { type: "boolean", default: false },
    "openblas-coretype": { type: "string" },
    json: { type: "string" },
  },
});

interface Result {
  framework: string;
  backend: string;
  model: string;
  bayes_ms: number;
  ste_ms: number;
  eval_img_s: number;
  peak_mib: number;
}

const root = new URL("..", import.meta.url).pathname;
const TCMALLOC = "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4";
const PYTHON = "/usr/bin/python3";

async function runJson(
  cmd: string,
  args: string[],
  env?: Record<string, string>,
  clearEnv = false,
): Promise<Result> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd: root,
    env,
    clearEnv,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim().split("\n").pop() ?? "";
  if (!out.success || !text.startsWith("{")) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed:\n${new TextDecoder().decode(out.stderr).slice(-2000)}`,
    );
  }
  return JSON.parse(text);
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

async function torchAvailable(): Promise<string | null> {
  if (!exists(PYTHON)) return `${PYTHON} not found`;
  const r = await new Deno.Command(PYTHON, {
    args: ["-c", "import torch"],
    stderr: "null",
    stdout: "null",
  }).output();
  return r.success
    ? null
    : "python3-torch is not installed (apt-get install python3-torch libtcmalloc-minimal4)";
}

function combine(rs: Result[]): Result {
  return {
    ...rs[0],
    bayes_ms: median(rs.map((r) => r.bayes_ms)),
    ste_ms: median(rs.map((r) => r.ste_ms)),
    eval_img_s: median(rs.map((r) => r.eval_img_s)),
    peak_mib: Math.max(...rs.map((r) => r.peak_mib)),
  };
}

const coreType = opt["openblas-coretype"];
const models = opt.models.split(",");
const backends = opt.backends.split(",");
const rounds = Number(opt.rounds);
const torchMissing = opt["no-torch"] ? "skipped (--no-torch)" : await torchAvailable();
if (torchMissing) console.log(`note: PyTorch baseline ${torchMissing}`);
const tcmalloc = exists(TCMALLOC);
if (!torchMissing && !tcmalloc) {
  console.log("note: libtcmalloc-minimal4 not installed; PyTorch runs with glibc malloc (slower)");
}

const projectAvailable = exists(`${root}train/optimizers/mod.ts`) &&
  exists(`${root}train/models/mod.ts`);
const all: Result[] = [];
for (const model of models) {
  const steps = model === "vgg" ? opt["vgg-steps"] : opt.steps;
  const warmup = model === "vgg" ? "1" : "2";
  const per = new Map<string, Result[]>();
  for (let r = 0; r < rounds; r++) {
    // Alternate the configurations each round so load changes hit them alike.
    const configs = backends.map((b) => [b, "fused"]);
    if (!opt["no-project"] && projectAvailable) configs.push([backends[0], "project"]);
    for (const [backend, impl] of configs) {
      const res = await runJson(Deno.execPath(), [
        ...["run", "--allow-read", "--allow-ffi", "--allow-env", "bench/tfjs_bench.ts"],
        ...["--impl", impl, "--backend", backend, "--model", model],
        ...["--steps", steps, "--warmup", warmup, "--width", opt["vgg-width"]],
      ], coreType ? { BNN_OPENBLAS_CORETYPE: coreType } : undefined);
      per.set(res.backend, [...(per.get(res.backend) ?? []), res]);
    }
    if (!torchMissing) {
      const env: Record<string, string> = tcmalloc ? { LD_PRELOAD: TCMALLOC } : {};
      let clearEnv = false;
      if (coreType === "auto") {
        // the same kernel choice for PyTorch's OpenBLAS calls: drop OPENBLAS_CORETYPE
        const { OPENBLAS_CORETYPE: _, ...rest } = Deno.env.toObject();
        Object.assign(env, rest);
        clearEnv = true;
      } else if (coreType) env.OPENBLAS_CORETYPE = coreType;
      const res = await runJson(
        PYTHON,
        [
          "bench/torch_bench.py",
          "--model",
          model,
          "--steps",
          steps,
          "--warmup",
          warmup,
          "--width",
          opt["vgg-width"],
        ],
        env,
        clearEnv,
      );
      per.set("torch", [...(per.get("torch") ?? []), res]);
    }
  }
  const results = [...per.values()].map(combine);
  all.push(...results);
  const torch = results.find((r) => r.framework === "torch");
  console.log(
    `\n${
      model === "mlp"
        ? "MLP 784-2048x3-10, batch 100"
        : `VGGBinaryConnect (width ${opt["vgg-width"]}), batch 50`
    }`,
  );
  console.log(
    "| backend | BayesBiNN ms/step | STE ms/step | eval img/s | peak MiB | BayesBiNN ×torch | STE ×torch | eval ×torch | mem ×torch |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const r of results) {
    const ratio = (a: number | undefined, b: number) => (torch && a ? (a / b).toFixed(2) : "–");
    console.log(
      `| ${r.backend} | ${r.bayes_ms.toFixed(0)} | ${r.ste_ms.toFixed(0)} | ${
        r.eval_img_s.toFixed(0)
      } | ${r.peak_mib.toFixed(0)} | ` +
        `${ratio(torch?.bayes_ms, r.bayes_ms)} | ${ratio(torch?.ste_ms, r.ste_ms)} | ` +
        `${torch ? (r.eval_img_s / torch.eval_img_s).toFixed(2) : "–"} | ${
          torch ? (r.peak_mib / torch.peak_mib).toFixed(2) : "–"
        } |`,
    );
  }
  if (model === "mlp") {
    for (const r of results) {
      console.log(
        `${r.backend}: MNIST epoch (540 steps) ≈ ${
          (540 * r.bayes_ms / 1000).toFixed(0)
        } s BayesBiNN, ${(540 * r.ste_ms / 1000).toFixed(0)} s STE`,
      );
    }
  }
}
if (opt.json) {
  const tmp = `${opt.json}.tmp`;
  await Deno.writeTextFile(tmp, JSON.stringify(all, null, 2));
  await Deno.rename(tmp, opt.json);
}
