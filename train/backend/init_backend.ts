/**
 * Chooses the tfjs backend bnn trains on and registers bnn's fast kernels on it.
 *
 * | name   | tfjs backend | matmuls                 | convolutions                         |
 * |--------|--------------|-------------------------|--------------------------------------|
 * | `blas` | wasm         | OpenBLAS `cblas_sgemm`  | oneDNN; without it im2col/col2im + sgemm |
 * | `wasm` | wasm         | XNNPACK, transposes fixed | XNNPACK Conv2D; both gradients via Conv2D |
 * | `cpu`  | cpu          | plain JS                | plain JS; filter gradient via Conv2D |
 * | `webgpu` | webgpu     | WGSL, deterministic (./kernels/webgpu_mat_mul.ts) | WGSL (./webgpu.ts) |
 *
 * Both also make `Identity` and same-dtype `Cast` zero-copy (shared, reference-counted data).
 * `blas` also computes BN's column sums (`Sum`/`Mean` over all axes but the last) and
 * `Tanh`/`Log`/`Exp`/`Sqrt`/`Sigmoid`/`Rsqrt` natively (wasm's are scalar loops), and
 * both wasm-based backends replace wasm's `MaxPoolGrad`, which drops the gradient of windows
 * whose values are all negative (tfjs 4.22).
 *
 * `initBackend()` picks the fastest available CPU one (`webgpu` only when named). When a
 * library is missing it prints ONE warning line naming what is missing and how to install it,
 * then falls back: no OpenBLAS → `wasm`; OpenBLAS but no native kernels → `blas` for matmuls
 * with the `wasm` convolutions;
 * no oneDNN (`libdnnl2`, or the shim built against `libdnnl-dev`) → `blas` with OpenBLAS
 * im2col + sgemm convolutions. It never falls back silently, and never to `cpu`.
 * `activeBackend().convolutions` (and {@linkcode describeBackend}) say which convolution path
 * runs.
 *
 * Permissions: `--allow-read` (wasm binary, native library), `--allow-ffi` (OpenBLAS and the
 * native kernels, oneDNN); `--allow-env` is optional (for `BNN_OPENBLAS` / `BNN_NATIVE_LIB` /
 * `BNN_DNNL_LIB`).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { DEFAULT_DNNL_LIB, dnnlDescription, type DnnlLib, loadDnnl } from "./_dnnl.ts";
import { blasCoreName, DEFAULT_OPENBLAS, loadBlas, loadNative } from "./_libs.ts";
import type { BlasLib, NativeLib } from "./_libs.ts";
import { setKernel } from "./_registry.ts";
import { ensureDnnlBuilt, ensureNativeBuilt } from "./build_native.ts";
import { blasBatchMatMul, wasmTransposedBatchMatMul } from "./kernels/batch_mat_mul.ts";
import { blasConv2D } from "./kernels/conv2d.ts";
import { blasConv2DBackpropFilter } from "./kernels/conv2d_backprop_filter.ts";
import { blasConv2DBackpropInput } from "./kernels/conv2d_backprop_input.ts";
import { dnnlConv2D } from "./kernels/dnnl_conv2d.ts";
import { dnnlConv2DBackpropFilter } from "./kernels/dnnl_conv2d_backprop_filter.ts";
import { dnnlConv2DBackpropInput } from "./kernels/dnnl_conv2d_backprop_input.ts";
import { blasFusedMatMul } from "./kernels/fused_mat_mul.ts";
import { sharedCast, sharedIdentity } from "./kernels/identity_cast.ts";
import { nativeMaxPoolGrad } from "./kernels/max_pool_grad.ts";
import { nativeColumnReduce } from "./kernels/sum_mean.ts";
import { NATIVE_UNARY, nativeUnary } from "./kernels/unary.ts";
import { setUpWebGpu } from "./webgpu.ts";
import {
  rotatedConv2DBackpropInput,
  transposedConv2DBackpropFilter,
} from "./kernels/wasm_conv_patches.ts";

/** The backends bnn can train on: the CPU ones fastest first, then `webgpu` (./webgpu.ts). */
export const BACKEND_NAMES = ["blas", "wasm", "cpu", "webgpu"] as const;

/** A backend bnn can train on. */
export type BackendName = typeof BACKEND_NAMES[number];

/** Options of {@linkcode initBackend}. */
export interface BackendOptions {
  /** OpenBLAS library name or path (default `$BNN_OPENBLAS` or `libopenblas.so.0`). */
  openblas?: string;
  /**
   * Opt-in: OpenBLAS kernel set for this process (default `$BNN_OPENBLAS_CORETYPE`, else the
   * environment's OPENBLAS_CORETYPE). `"auto"` lets OpenBLAS pick the CPU's best (AVX-512 on
   * Zen 4/5: ~1.8x faster convolutions here than the `Haswell` set CI pins); results then differ
   * in the last bits from other kernel sets. Needs --allow-env; only before OpenBLAS is loaded.
   */
  openblasCoreType?: string;
  /** bnn native kernels path (default `$BNN_NATIVE_LIB` or `.cache/native/libbnn_kernels.so`). */
  nativeLib?: string;
  /**
   * bnn's oneDNN shim path (default `$BNN_DNNL_LIB` or `.cache/native/libbnn_dnnl.so`), or
   * `false` (`BNN_DNNL_LIB=off`) for the OpenBLAS convolutions without a warning.
   */
  dnnl?: string | false;
  /** Where the fallback warning goes (default `console.warn`). */
  warn?: (line: string) => void;
}

/** What {@linkcode initBackend} set up. */
export interface BackendInfo {
  name: BackendName;
  /** The tfjs backend underneath. */
  tfBackend: "wasm" | "cpu" | "webgpu";
  /** The OpenBLAS library in use, or null. */
  openblas: string | null;
  /** The kernel set OpenBLAS uses ("Haswell", "Cooperlake", ...), or null. */
  openblasCore: string | null;
  /** The native kernels in use, or null. */
  native: string | null;
  /** `blas`: the oneDNN shim in use, or null. */
  dnnl?: string | null;
  /**
   * Where convolutions run: "oneDNN 2.6.3 (avx512_core_bf16)", "OpenBLAS im2col + sgemm",
   * "XNNPACK" or "tfjs cpu"; absent: the tfjs backend's own kernels.
   */
  convolutions?: string;
  /** `webgpu`: the adapter's description (see ./webgpu.ts). */
  gpu?: string;
}

let active: BackendInfo | null = null;

function fromEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    return undefined; // no --allow-env: the default place
  }
}
const warned = new Set<string>();

/**
 * The backend set by the last {@linkcode initBackend}, or null before the first call.
 *
 * @example Usage
 * ```ts
 * import { activeBackend, initBackend } from "./init_backend.ts";
 * await initBackend("cpu");
 * if (activeBackend()?.name !== "cpu") throw new Error("not cpu");
 * ```
 */
export function activeBackend(): BackendInfo | null {
  return active;
}

/**
 * One line naming a backend and the libraries it runs on, as the CLI and the bench print it.
 *
 * @param info What {@linkcode initBackend} set up (default: the active backend).
 * @returns E.g. `blas (OpenBLAS Haswell; convolutions: oneDNN 2.6.3 (avx512_core_bf16))`.
 * @example Usage
 * ```ts
 * import { describeBackend, initBackend } from "./init_backend.ts";
 * await initBackend("cpu");
 * if (describeBackend() !== "cpu (convolutions: tfjs cpu)") throw new Error(describeBackend());
 * ```
 */
export function describeBackend(info: BackendInfo | null = active): string {
  if (!info) return "none";
  const blas = info.openblas ? `OpenBLAS ${info.openblasCore ?? info.openblas}; ` : "";
  return `${info.name} (${blas}convolutions: ${info.convolutions ?? info.tfBackend})`;
}

function installWasmPatches(matmuls: boolean): void {
  if (matmuls) {
    setKernel("BatchMatMul", "wasm", wasmTransposedBatchMatMul("BatchMatMul"));
    setKernel("_FusedMatMul", "wasm", wasmTransposedBatchMatMul("_FusedMatMul"));
  }
  setKernel("Conv2D", "wasm", null);
  setKernel("Conv2DBackpropInput", "wasm", rotatedConv2DBackpropInput("wasm"));
  setKernel("Conv2DBackpropFilter", "wasm", transposedConv2DBackpropFilter("wasm"));
  setKernel("Sum", "wasm", null);
  setKernel("Mean", "wasm", null);
  setKernel("MaxPoolGrad", "wasm", nativeMaxPoolGrad(null));
  for (const k of Object.keys(NATIVE_UNARY)) setKernel(k, "wasm", null);
}

/**
 * The oneDNN shim (built first when missing), or null: then ONE warning line unless oneDNN was
 * turned off on purpose.
 */
async function loadConvolutionLib(
  opts: BackendOptions,
  warn: (line: string) => void,
  log: (line: string) => void,
): Promise<{ lib: DnnlLib; path: string } | null> {
  const wanted = opts.dnnl ?? fromEnv("BNN_DNNL_LIB") ?? DEFAULT_DNNL_LIB;
  if (wanted === false || wanted === "off") return null;
  await ensureDnnlBuilt(wanted, log);
  const dnnl = loadDnnl(wanted);
  if (dnnl.lib) return { lib: dnnl.lib, path: dnnl.path };
  warn(
    `bnn: oneDNN (${dnnl.path}) cannot be loaded: ${dnnl.reason}; install it with ` +
      "`apt-get install libdnnl2 libdnnl-dev` (needs gcc). Convolutions use the slower OpenBLAS im2col + sgemm.",
  );
  return null;
}

/** Registers the `blas` convolutions: oneDNN when loaded, over the OpenBLAS ones. */
function installConvolutions(blas: BlasLib, native: NativeLib, dnnl: DnnlLib | null): void {
  const conv = blasConv2D(blas, native);
  const input = blasConv2DBackpropInput(blas, native);
  const filter = blasConv2DBackpropFilter(blas, native);
  setKernel("Conv2D", "wasm", dnnl ? dnnlConv2D(dnnl, conv) : conv);
  setKernel("Conv2DBackpropInput", "wasm", dnnl ? dnnlConv2DBackpropInput(dnnl, input) : input);
  setKernel("Conv2DBackpropFilter", "wasm", dnnl ? dnnlConv2DBackpropFilter(dnnl, filter) : filter);
}

const NO_LIBS = { openblas: null, openblasCore: null, native: null, dnnl: null } as const;

function installSharedCopies(): void {
  setKernel("Identity", "wasm", sharedIdentity);
  setKernel("Cast", "wasm", sharedCast);
}

/**
 * Sets the tfjs backend and registers bnn's kernels on it.
 *
 * @param name `blas`, `wasm` or `cpu`; omitted: the fastest available (see the module doc).
 * @param opts Library overrides and the warning sink.
 * @returns The name of the backend now active.
 * @throws {RangeError} If `name` is not one of {@linkcode BACKEND_NAMES}.
 * @throws {Error} If `blas` is asked for and OpenBLAS cannot be loaded, or tfjs cannot start
 *   the backend (e.g. without `--allow-read`).
 * @example Usage
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { initBackend } from "./init_backend.ts";
 * const name = await initBackend("wasm");
 * const y = tf.matMul(tf.ones([2, 3]), tf.ones([2, 3]), false, true);
 * if (name !== "wasm" || y.dataSync()[0] !== 3) throw new Error("unexpected");
 * ```
 */
export async function initBackend(
  name?: BackendName,
  opts: BackendOptions = {},
): Promise<BackendName> {
  if (name !== undefined && !BACKEND_NAMES.includes(name)) {
    throw new RangeError(
      `Cannot init backend '${name}': allowed values are ${
        BACKEND_NAMES.map((n) => `'${n}'`).join(", ")
      }`,
    );
  }
  const sink = opts.warn ?? ((line: string) => console.warn(line));
  const warn = (line: string) => {
    if (!warned.has(line)) sink(line); // once per process, however often initBackend runs
    warned.add(line);
  };
  tf.enableProdMode();
  let info: BackendInfo;
  if (name === "webgpu") {
    const { adapter } = await setUpWebGpu();
    info = { ...NO_LIBS, name: "webgpu", tfBackend: "webgpu", convolutions: "WGSL", gpu: adapter };
  } else if (name === "cpu") {
    setKernel("Conv2DBackpropFilter", "cpu", transposedConv2DBackpropFilter("cpu"));
    info = { ...NO_LIBS, name: "cpu", tfBackend: "cpu", convolutions: "tfjs cpu" };
  } else if (name === "wasm") {
    installWasmPatches(true);
    installSharedCopies();
    info = { ...NO_LIBS, name: "wasm", tfBackend: "wasm", convolutions: "XNNPACK" };
  } else {
    const blas = loadBlas(opts.openblas, opts.openblasCoreType);
    if (!blas.lib) {
      const what = `OpenBLAS (${blas.path}) cannot be loaded: ${blas.reason}`;
      const fix = blas.path === DEFAULT_OPENBLAS
        ? "install it with `apt-get install libopenblas0-pthread` and run with --allow-ffi"
        : "check BNN_OPENBLAS / the openblas option and run with --allow-ffi";
      if (name === "blas") throw new Error(`Cannot init backend 'blas': ${what}; ${fix}`);
      warn(`bnn: ${what}; ${fix}. Falling back to the slower 'wasm' backend.`);
      return initBackend("wasm", opts);
    }
    setKernel("BatchMatMul", "wasm", blasBatchMatMul(blas.lib));
    setKernel("_FusedMatMul", "wasm", blasFusedMatMul(blas.lib));
    installSharedCopies();
    await ensureNativeBuilt(opts.nativeLib ?? fromEnv("BNN_NATIVE_LIB"), sink);
    const native = loadNative(opts.nativeLib);
    let dnnl: { lib: DnnlLib; path: string } | null = null;
    if (native.lib) {
      dnnl = await loadConvolutionLib(opts, warn, sink);
      installConvolutions(blas.lib, native.lib, dnnl?.lib ?? null);
      setKernel("Sum", "wasm", nativeColumnReduce(native.lib, false));
      setKernel("Mean", "wasm", nativeColumnReduce(native.lib, true));
      setKernel("MaxPoolGrad", "wasm", nativeMaxPoolGrad(native.lib));
      for (const k of Object.keys(NATIVE_UNARY)) setKernel(k, "wasm", nativeUnary(native.lib, k));
    } else {
      warn(
        `bnn: native kernels (${native.path}) cannot be loaded: ${native.reason}; build them with ` +
          "`deno run -A train/backend/build_native.ts` (needs gcc). Convolutions use the slower 'wasm' kernels.",
      );
      installWasmPatches(false);
    }
    info = {
      name: "blas",
      tfBackend: "wasm",
      openblas: blas.path,
      openblasCore: blasCoreName(blas.lib),
      native: native.lib ? native.path : null,
      dnnl: dnnl?.path ?? null,
      convolutions: dnnl
        ? dnnlDescription(dnnl.lib)
        : native.lib
        ? "OpenBLAS im2col + sgemm"
        : "XNNPACK",
    };
  }
  if (!(await tf.setBackend(info.tfBackend))) {
    throw new Error(
      `Cannot start the tfjs '${info.tfBackend}' backend (does the process have --allow-read?)`,
    );
  }
  await tf.ready();
  active = info;
  return info.name;
}
