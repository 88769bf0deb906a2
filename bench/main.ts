/**
 * `deno task bench`: training-step throughput of the paper's models as users run them, on each
 * bnn backend, side by side with PyTorch running the same model and steps, plus eval images/s
 * (tfjs, the exported ONNX model through ONNX Runtime, PyTorch) and peak memory.
 *
 * Every configuration runs in its own process so the peak RSS (VmHWM) is per configuration:
 * bench/tfjs_bench.ts (the project's BinaryNet with its BayesBiNN and STE optimizers stepped by
 * the trainer's `Model.fit`, per backend), bench/onnx_bench.ts (a freshly initialised BinaryNet
 * exported with export/'s helpers, 1-bit packed weights, timed with `benchEval`) and
 * bench/torch_bench.py (the same model, BayesBiNN step after the original code, STE + Adam, eval).
 * Models: MNIST MLP 784-2048×3-10 at batch 100 (eval 1000), VGGBinaryConnect at batch 50 (eval
 * 200). Ratios are PyTorch ms / bnn ms and bnn img/s / PyTorch img/s (> 1: bnn is faster), and
 * bnn peak / PyTorch peak.
 *
 * OpenBLAS: by default every process runs with the environment's OPENBLAS_CORETYPE (here
 * Haswell, AVX2 kernels) and OPENBLAS_L2_SIZE. `--openblas-coretype auto` unsets both for every
 * process of the run (bnn, ONNX Runtime and PyTorch), so OpenBLAS picks the CPU's own kernels
 * (AVX-512 here); `--openblas-coretype NAME` sets OPENBLAS_CORETYPE=NAME for all. PyTorch's
 * convolutions go through oneDNN, which uses AVX-512 whatever OpenBLAS is told; so do bnn's
 * `blas` convolutions when oneDNN is installed (each row names its convolution path and counts
 * the convolutions that ran on it); without it they are OpenBLAS sgemm, which the default
 * setting handicaps. The output says which setting was used.
 *
 * Usage (from the project root):
 *   deno task bench [--models mlp,vgg] [--backends blas,wasm,cpu] [--steps N] [--vgg-steps N]
 *     [--rounds R] [--vgg-width W] [--no-torch] [--no-onnx] [--openblas-coretype auto|NAME]
 *     [--torch-device cpu|cuda] [--no-int8] [--ort-ablation] [--json FILE]
 * After the per-model tables, the int8 section (bench/_int8_section.ts): eval images/s of the
 * `--int8` export vs the float export vs PyTorch at batch 1 and a large batch (`--no-int8`
 * skips it; `--ort-ablation` adds the ONNX Runtime session-option ablation).
 * `--backends webgpu` times bnn on the GPU (train/backend/webgpu.ts; each row names the adapter
 * and adds tfjs's slowest kernels; CPU rows add them too, with the time outside tfjs kernels);
 * `--torch-device cuda` runs PyTorch on the GPU as well.
 * PyTorch: Debian `python3-torch` run as /usr/bin/python3 with 2 threads and
 * libtcmalloc_minimal.so.4 preloaded when installed (`apt-get install python3-torch
 * libtcmalloc-minimal4`); skipped with a note when torch is missing.
 * @module
 */
import { parseArgs } from "node:util";
import { parseArgsErrorLine } from "../cli/parse_args_error.ts";
import { median } from "./_proc.ts";
import { int8Section, type RunJson } from "./_int8_section.ts";
import { ensureDnnlBuilt, ensureNativeBuilt } from "../train/backend/build_native.ts";
import { ensureXdgRuntimeDir } from "../train/backend/webgpu.ts";

const USAGE = `deno task bench [--models mlp,vgg] [--backends blas,wasm,cpu,webgpu] [--steps N]
  [--vgg-steps N] [--rounds R] [--vgg-width W] [--no-torch] [--no-onnx] [--no-int8]
  [--ort-ablation] [--openblas-coretype auto|NAME] [--torch-device cpu|cuda] [--json FILE]
(see bench/main.ts and the README's Speed section)`;

// The measuring processes run without --allow-run, so they cannot build the native kernels
// themselves: build them here first (when missing or stale), or the blas rows would silently
// measure the wasm convolutions.
await ensureNativeBuilt();
await ensureDnnlBuilt(); // likewise the oneDNN shim (when libdnnl-dev is installed)
// `--backends webgpu`: the children inherit a valid XDG_RUNTIME_DIR (Deno warns without one).
ensureXdgRuntimeDir();

/** The flags; a bad one is one line `bnn bench: …` and exit 2, `--help` prints the usage. */
function parseBenchArgs() {
  let parsed;
  try {
    parsed = parseArgs({ options: BENCH_OPTIONS, strict: true });
  } catch (e) {
    const line = parseArgsErrorLine(e, Object.keys(BENCH_OPTIONS));
    console.error(`bnn bench: ${line ?? (e as Error).message} (see --help)`);
    Deno.exit(2);
  }
  if (parsed.values.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  return parsed.values;
}

const BENCH_OPTIONS = {
  models: { type: "string", default: "mlp,vgg" },
  backends: { type: "string", default: "blas,wasm" },
  steps: { type: "string", default: "10" },
  "vgg-steps": { type: "string", default: "3" },
  rounds: { type: "string", default: "1" },
  "vgg-width": { type: "string", default: "1" },
  "no-torch": { type: "boolean", default: false },
  "no-onnx": { type: "boolean", default: false },
  "no-int8": { type: "boolean", default: false },
  "ort-ablation": { type: "boolean", default: false },
  "openblas-coretype": { type: "string" },
  "torch-device": { type: "string", default: "cpu" },
  json: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const opt = parseBenchArgs();

interface Result {
  framework: string;
  backend: string;
  model: string;
  /** Absent for eval-only rows (ONNX Runtime). */
  bayes_ms?: number;
  ste_ms?: number;
  eval_img_s: number;
  peak_mib: number;
  /** tfjs rows: convolutions run on oneDNN and on the OpenBLAS fallback. */
  conv_calls?: {
    onednn: number;
    openblas: number;
    chunked: number;
    implementations: string[];
    bufferMiB: number;
  };
  /** tfjs rows: tfjs's profile of one BayesBiNN step, [kernel, ms] slowest first. */
  slowest_kernels_ms?: [string, number][];
  /** CPU rows: all tfjs kernels' ms in that step, and the step's wall ms. */
  profiled_kernel_ms?: number;
  profiled_step_ms?: number;
}

const root = new URL("..", import.meta.url).pathname;
const TCMALLOC = "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4";
const PYTHON = "/usr/bin/python3";

const coreType = opt["openblas-coretype"];
/** The environment of every child process: the OpenBLAS setting of this run applied. */
function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env = Deno.env.toObject();
  if (coreType === "auto") {
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
  } else if (coreType) env.OPENBLAS_CORETYPE = coreType;
  return { ...env, ...extra };
}

async function runJson(cmd: string, args: string[], extraEnv?: Record<string, string>) {
  const out = await new Deno.Command(cmd, {
    args,
    cwd: root,
    env: childEnv(extraEnv),
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim().split("\n").pop() ?? "";
  if (!out.success || !text.startsWith("{")) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed:\n${new TextDecoder().decode(out.stderr).slice(-2000)}`,
    );
  }
  return JSON.parse(text) as Result;
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
  const med = (k: "bayes_ms" | "ste_ms") =>
    rs[0][k] === undefined ? undefined : median(rs.map((r) => r[k]!));
  return {
    ...rs[0],
    bayes_ms: med("bayes_ms"),
    ste_ms: med("ste_ms"),
    eval_img_s: median(rs.map((r) => r.eval_img_s)),
    peak_mib: Math.max(...rs.map((r) => r.peak_mib)),
  };
}

const models = opt.models.split(",");
const backends = opt.backends.split(",");
const rounds = Number(opt.rounds);
const torchMissing = opt["no-torch"] ? "skipped (--no-torch)" : await torchAvailable();
if (torchMissing) console.log(`note: PyTorch baseline ${torchMissing}`);
const tcmalloc = exists(TCMALLOC);
if (!torchMissing && !tcmalloc) {
  console.log("note: libtcmalloc-minimal4 not installed; PyTorch runs with glibc malloc (slower)");
}

const env = Deno.env.toObject();
console.log(
  coreType === "auto"
    ? "OpenBLAS: --openblas-coretype auto: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset for bnn, " +
      "ONNX Runtime and PyTorch (OpenBLAS picks the CPU's own kernels)"
    : coreType
    ? `OpenBLAS: --openblas-coretype ${coreType}: OPENBLAS_CORETYPE=${coreType} for every process`
    : `OpenBLAS: the environment's setting for every process (OPENBLAS_CORETYPE=${
      env.OPENBLAS_CORETYPE ?? "unset"
    }, OPENBLAS_L2_SIZE=${env.OPENBLAS_L2_SIZE ?? "unset"}); --openblas-coretype auto lets ` +
      "OpenBLAS choose (PyTorch's convolutions use oneDNN's AVX-512 kernels either way)",
);
const all: Result[] = [];
const denoRun = ["run", "--allow-read", "--allow-ffi", "--allow-env"];
for (const model of models) {
  const steps = model === "vgg" ? opt["vgg-steps"] : opt.steps;
  const warmup = model === "vgg" ? "1" : "2";
  const width = opt["vgg-width"];
  const per = new Map<string, Result[]>();
  const add = (r: Result) => per.set(r.backend, [...(per.get(r.backend) ?? []), r]);
  for (let r = 0; r < rounds; r++) {
    // Alternate the configurations each round so load changes hit them alike.
    for (const backend of backends) {
      add(
        await runJson(Deno.execPath(), [
          ...denoRun,
          "bench/tfjs_bench.ts",
          ...["--backend", backend, "--model", model],
          ...["--steps", steps, "--warmup", warmup, "--width", width],
        ]),
      );
    }
    if (!opt["no-onnx"]) {
      add(
        await runJson(Deno.execPath(), [
          ...denoRun,
          "--allow-write",
          "--allow-sys",
          "bench/onnx_bench.ts",
          ...["--model", model, "--width", width, "--threads", "2"],
        ]),
      );
    }
    if (!torchMissing) {
      add(
        await runJson(
          PYTHON,
          [
            "bench/torch_bench.py",
            ...["--model", model, "--steps", steps, "--warmup", warmup, "--width", width],
            ...["--device", opt["torch-device"]],
          ],
          tcmalloc ? { LD_PRELOAD: TCMALLOC } : {},
        ),
      );
    }
  }
  const results = [...per.values()].map(combine);
  all.push(...results);
  const torch = results.find((r) => r.framework === "torch");
  console.log(
    `\n${
      model === "mlp"
        ? "MLP 784-2048x3-10, train batch 100, eval batch 1000"
        : `VGGBinaryConnect (width ${width}), train batch 50, eval batch 200`
    }`,
  );
  console.log(
    "| backend | BayesBiNN ms/step | STE ms/step | eval img/s | peak MiB | BayesBiNN ×torch | STE ×torch | eval ×torch | mem ×torch |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|");
  const ms = (x: number | undefined) => (x === undefined ? "–" : x.toFixed(0));
  const ratio = (a: number | undefined, b: number | undefined) =>
    torch && a !== undefined && b !== undefined ? (a / b).toFixed(2) : "–";
  for (const r of results) {
    console.log(
      `| ${r.backend} | ${ms(r.bayes_ms)} | ${ms(r.ste_ms)} | ${r.eval_img_s.toFixed(0)} | ${
        r.peak_mib.toFixed(0)
      } | ${ratio(torch?.bayes_ms, r.bayes_ms)} | ${ratio(torch?.ste_ms, r.ste_ms)} | ${
        ratio(r.eval_img_s, torch?.eval_img_s)
      } | ${ratio(r.peak_mib, torch?.peak_mib)} |`,
    );
  }
  for (const r of results.filter((r) => r.conv_calls?.onednn)) {
    const { onednn, openblas, chunked, implementations, bufferMiB } = r.conv_calls!;
    console.log(
      `${r.backend}: convolutions run: ${onednn} on oneDNN (${
        implementations.join(", ")
      }; ${chunked} in chunks of images; buffer ${
        bufferMiB.toFixed(0)
      } MiB), ${openblas} on OpenBLAS`,
    );
  }
  for (const r of results.filter((r) => r.slowest_kernels_ms)) {
    const top = r.slowest_kernels_ms!.map(([name, ms]) => `${name} ${ms}`).join(", ");
    const { profiled_kernel_ms: kernels, profiled_step_ms: step } = r;
    const total = kernels !== undefined && step !== undefined
      ? `; all kernels ${kernels} ms of a ${step} ms step, ${(step - kernels).toFixed(1)} ms ` +
        "outside them (fused optimizer kernels, JS)"
      : "";
    console.log(
      `${r.backend}: slowest kernels of one BayesBiNN step (tfjs profiler, ms): ${top}${total}`,
    );
  }
  const ort = results.find((r) => r.framework === "onnxruntime");
  if (ort && torch) {
    const x = ort.eval_img_s / torch.eval_img_s;
    console.log(
      `eval of the exported model through ONNX Runtime: ${ort.eval_img_s.toFixed(0)} img/s vs ` +
        `PyTorch ${torch.eval_img_s.toFixed(0)} img/s = ${x.toFixed(2)}× (target ≥ 1.0×: ${
          x >= 1 ? "met" : "not met"
        })`,
    );
  }
  if (model === "vgg") {
    for (const r of results.filter((r) => r.bayes_ms !== undefined)) {
      console.log(
        `${r.backend}: CIFAR-10 epoch (900 steps of 50) ≈ ${
          (900 * r.bayes_ms! / 60000).toFixed(1)
        } min BayesBiNN, ${(900 * r.ste_ms! / 60000).toFixed(1)} min STE (training steps only)`,
      );
    }
  }
  if (model === "mlp") {
    for (const r of results.filter((r) => r.bayes_ms !== undefined)) {
      console.log(
        `${r.backend}: MNIST epoch (540 steps) ≈ ${
          (540 * r.bayes_ms! / 1000).toFixed(0)
        } s BayesBiNN, ${(540 * r.ste_ms! / 1000).toFixed(0)} s STE (training steps only)`,
      );
    }
  }
}
if (!opt["no-int8"]) {
  for (const model of models) {
    await int8Section(model, {
      runJson: runJson as unknown as RunJson,
      denoRun,
      width: opt["vgg-width"],
      torch: torchMissing
        ? null
        : { python: PYTHON, env: tcmalloc ? { LD_PRELOAD: TCMALLOC } : {} },
      ablation: opt["ort-ablation"],
    });
  }
}
if (opt.json) {
  const tmp = `${opt.json}.tmp`;
  await Deno.writeTextFile(tmp, JSON.stringify(all, null, 2));
  await Deno.rename(tmp, opt.json);
}
