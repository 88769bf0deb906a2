/**
 * Loads bnn's oneDNN shim (`.cache/native/libbnn_dnnl.so`, built from `native/bnn_dnnl.c` by
 * `build_native.ts` and linked against Debian's `libdnnl.so.2`, oneDNN 2.6) and names what it
 * runs on. Optional like the other native libraries: a missing shim or a missing libdnnl yields
 * `null` plus a reason, and the `blas` backend keeps its OpenBLAS convolutions.
 *
 * Override: `BNN_DNNL_LIB` (path of the shim; `off` turns the oneDNN path off), or the `dnnl`
 * option of `initBackend`.
 * @module
 */
import type { Loaded } from "./_libs.ts";

/** Where `build_native.ts` writes the oneDNN shim by default. */
export const DEFAULT_DNNL_LIB: string =
  new URL("../../.cache/native/libbnn_dnnl.so", import.meta.url).pathname;

/** Must equal BNN_DNNL_VERSION in native/bnn_dnnl.c. */
export const DNNL_SHIM_VERSION = 5;

const DNNL_SYMBOLS = {
  bnn_dnnl_version: { parameters: [], result: "i32" },
  bnn_dnnl_library_version: { parameters: [], result: "i32" },
  bnn_dnnl_isa: { parameters: [], result: "i32" },
  bnn_dnnl_conv_create: {
    parameters: [
      "i32", // kind
      "i32", // algo
      ...["i32", "i32", "i32", "i32"], // N, H, W, C
      ...["i32", "i32", "i32", "i32", "i32"], // KH, KW, CO, OH, OW
      ...["i32", "i32", "i32", "i32"], // sh, sw, dh, dw
      ...["i32", "i32", "i32", "i32"], // pt, pl, pb, pr
    ],
    result: "pointer",
  },
  bnn_dnnl_conv_run: {
    parameters: ["pointer", "buffer", "buffer", "buffer", "i32"], // plan, a, b, out, accumulate
    result: "i32",
  },
  bnn_dnnl_conv_impl: { parameters: ["pointer"], result: "pointer" },
  bnn_dnnl_conv_bytes: { parameters: ["pointer"], result: "f64" },
  bnn_dnnl_conv_accumulates: { parameters: ["pointer"], result: "i32" },
  bnn_dnnl_conv_destroy: { parameters: ["pointer"], result: "void" },
} as const;

/** The oneDNN shim's symbols as Deno FFI functions. */
export type DnnlLib = Deno.DynamicLibrary<typeof DNNL_SYMBOLS>["symbols"];

const ISA_NAMES: Record<number, string> = {
  0x1: "sse41",
  0x3: "avx",
  0x7: "avx2",
  0x27: "avx512_core",
  0x67: "avx512_core_vnni",
  0xe7: "avx512_core_bf16",
  0x3e7: "avx512_core_amx",
  0x407: "avx2_vnni",
};

const cache = new Map<string, Loaded<DnnlLib>>();

/** Loads the oneDNN shim (once per path) and checks its version. */
export function loadDnnl(path: string = DEFAULT_DNNL_LIB): Loaded<DnnlLib> {
  if (!cache.has(path)) {
    let loaded: Loaded<DnnlLib>;
    try {
      const lib = Deno.dlopen(path, DNNL_SYMBOLS).symbols;
      const v = lib.bnn_dnnl_version();
      loaded = v === DNNL_SHIM_VERSION
        ? { lib, path }
        : { lib: null, path, reason: `version ${v} is stale (expected ${DNNL_SHIM_VERSION})` };
    } catch (e) {
      loaded = { lib: null, path, reason: (e as Error).message.split("\n")[0] };
    }
    cache.set(path, loaded);
  }
  return cache.get(path)!;
}

/** "oneDNN 2.6.3 (avx512_core_bf16)": the library version and the ISA its kernels dispatch to. */
export function dnnlDescription(lib: DnnlLib): string {
  const v = lib.bnn_dnnl_library_version();
  const isa = lib.bnn_dnnl_isa();
  const version = `${Math.floor(v / 10000)}.${Math.floor(v / 100) % 100}.${v % 100}`;
  return `oneDNN ${version} (${ISA_NAMES[isa] ?? `isa 0x${isa.toString(16)}`})`;
}
