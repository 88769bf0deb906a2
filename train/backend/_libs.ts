/**
 * Loads the native libraries behind the `blas` backend: OpenBLAS (`cblas_sgemm`) and bnn's own
 * kernels (`.cache/native/libbnn_kernels.so`, built by `build_native.ts`). Both are optional:
 * a missing library yields `null` plus a reason, and the caller falls back.
 *
 * Overrides: environment variables `BNN_OPENBLAS` (library name or path, default
 * `libopenblas.so.0`) and `BNN_NATIVE_LIB` (path), or the options of `initBackend`.
 * @module
 */

/** Where `build_native.ts` writes the native kernels by default. */
export const DEFAULT_NATIVE_LIB: string =
  new URL("../../.cache/native/libbnn_kernels.so", import.meta.url).pathname;

/** The OpenBLAS library loaded by default. */
export const DEFAULT_OPENBLAS = "libopenblas.so.0";

/** Must equal BNN_KERNELS_VERSION in native/bnn_kernels.c. */
export const NATIVE_VERSION = 9;

const BLAS_SYMBOLS = {
  cblas_sgemm: {
    parameters: [
      "i32",
      "i32",
      "i32",
      "i32",
      "i32",
      "i32",
      "f32",
      "buffer",
      "i32",
      "buffer",
      "i32",
      "f32",
      "buffer",
      "i32",
    ],
    result: "void",
  },
  openblas_get_corename: { parameters: [], result: "pointer", optional: true },
} as const;

const CONV_ARGS = [
  "i32",
  "i32",
  "i32",
  "i32",
  "i32",
  "i32",
  "i32",
  "i32",
  "i32",
  "i32",
  "i32",
  "i32",
  "i32",
  "i32",
  "i32",
] as const;

const NATIVE_SYMBOLS = {
  bnn_version: { parameters: [], result: "i32" },
  bnn_im2col: { parameters: ["buffer", "buffer", ...CONV_ARGS], result: "void" },
  bnn_col2im: { parameters: ["buffer", "buffer", ...CONV_ARGS], result: "void" },
  bnn_fill_rows: { parameters: ["buffer", "buffer", "i32", "i32"], result: "void" },
  bnn_unary: { parameters: ["i32", "buffer", "buffer", "i64"], result: "void" },
  bnn_col_sum: { parameters: ["buffer", "buffer", "i64", "i64", "f32", "buffer"], result: "void" },
  bnn_max_pool_grad: {
    parameters: ["buffer", "buffer", "buffer", ...CONV_ARGS.slice(0, 12)],
    result: "void",
  },
  bnn_sign: { parameters: ["buffer", "buffer", "i64"], result: "void" },
  bnn_fill_uniform: { parameters: ["buffer", "buffer", "i64"], result: "void" },
  bnn_bayesbinn_sample: {
    parameters: ["buffer", "buffer", "f32", "buffer", "i64"],
    result: "void",
  },
  bnn_bayesbinn_sample_rng: {
    parameters: ["buffer", "buffer", "f32", "buffer", "i64"],
    result: "void",
  },
  bnn_bayesbinn_accumulate: {
    parameters: ["buffer", "buffer", "buffer", "buffer", "f32", "i64"],
    result: "void",
  },
  bnn_bayesbinn_update: {
    parameters: [
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "f32",
      "f32",
      "f32",
      "f32",
      "f32",
      "f32",
      "i64",
    ],
    result: "void",
  },
  bnn_adam_update: {
    parameters: [
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "f32",
      "f32",
      "f32",
      "f32",
      "f32",
      "f32",
      "f32",
      "f32",
      "f32",
      "i64",
    ],
    result: "void",
  },
} as const;

/** OpenBLAS's symbols as Deno FFI functions. */
export type BlasLib = Deno.DynamicLibrary<typeof BLAS_SYMBOLS>["symbols"];
/** bnn's native kernels as Deno FFI functions. */
export type NativeLib = Deno.DynamicLibrary<typeof NATIVE_SYMBOLS>["symbols"];

/** A library, or why it could not be loaded. */
export type Loaded<T> = { lib: T; path: string } | { lib: null; path: string; reason: string };

function envOr(name: string, fallback: string): string {
  try {
    return Deno.env.get(name) || fallback;
  } catch {
    return fallback; // no --allow-env: use the default
  }
}

function open<S extends Deno.ForeignLibraryInterface>(
  path: string,
  symbols: S,
): { lib: Deno.DynamicLibrary<S>["symbols"] } | { reason: string } {
  try {
    return { lib: Deno.dlopen(path, symbols).symbols };
  } catch (e) {
    return { reason: (e as Error).message.split("\n")[0] };
  }
}

const cache = new Map<string, Loaded<unknown>>();

/**
 * Loads OpenBLAS (once per path). `coreType` (default `$BNN_OPENBLAS_CORETYPE`) replaces
 * OPENBLAS_CORETYPE for this process before the first load ("auto": remove it, so OpenBLAS
 * picks the CPU's own kernels, e.g. AVX-512 ones); it has no effect once OpenBLAS is loaded.
 */
export function loadBlas(
  path = envOr("BNN_OPENBLAS", DEFAULT_OPENBLAS),
  coreType = envOr("BNN_OPENBLAS_CORETYPE", ""),
): Loaded<BlasLib> {
  const key = `blas:${path}`;
  if (!cache.has(key)) {
    if (coreType === "auto") Deno.env.delete("OPENBLAS_CORETYPE");
    else if (coreType) Deno.env.set("OPENBLAS_CORETYPE", coreType);
    const r = open(path, BLAS_SYMBOLS);
    cache.set(key, "lib" in r ? { lib: r.lib, path } : { lib: null, path, reason: r.reason });
  }
  return cache.get(key) as Loaded<BlasLib>;
}

/** Loads bnn's native kernels (once per path) and checks their version. */
export function loadNative(path = envOr("BNN_NATIVE_LIB", DEFAULT_NATIVE_LIB)): Loaded<NativeLib> {
  const key = `native:${path}`;
  if (!cache.has(key)) {
    const r = open(path, NATIVE_SYMBOLS);
    let loaded: Loaded<NativeLib>;
    if (!("lib" in r)) loaded = { lib: null, path, reason: r.reason };
    else if (r.lib.bnn_version() !== NATIVE_VERSION) {
      loaded = {
        lib: null,
        path,
        reason: `version ${r.lib.bnn_version()} is stale (expected ${NATIVE_VERSION})`,
      };
    } else loaded = { lib: r.lib, path };
    cache.set(key, loaded);
  }
  return cache.get(key) as Loaded<NativeLib>;
}

/** The kernel set OpenBLAS chose ("Haswell", "Cooperlake", ...), or null if unknown. */
export function blasCoreName(blas: BlasLib): string | null {
  const f = blas.openblas_get_corename;
  if (!f) return null;
  const p = f();
  return p ? new Deno.UnsafePointerView(p).getCString() : null;
}
