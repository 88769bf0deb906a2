/**
 * Builds bnn's native kernels (`train/backend/native/bnn_kernels.c`) into
 * `.cache/native/libbnn_kernels.so`, which {@linkcode initBackend} loads for the `blas` backend,
 * and, where oneDNN's headers are installed (`libdnnl-dev`), the oneDNN shim
 * (`native/bnn_dnnl.c`, linked with `-ldnnl`) into `.cache/native/libbnn_dnnl.so`. The kernels
 * never depend on oneDNN: without it only the shim is missing.
 *
 * Run from the project root: `deno run --allow-read --allow-write --allow-run train/backend/build_native.ts`
 * (needs gcc). The flags keep the library portable (x86-64-v3: AVX2 + FMA) and deterministic
 * (`-ffp-contract=off`: no fused multiply-adds, so results do not depend on the compiler's
 * choices). The output is written to a temp file and renamed, so a half-built library is never
 * loaded.
 *
 * @example Usage
 * ```ts ignore
 * import { buildNative } from "./build_native.ts";
 * const path = await buildNative();
 * console.log(`built ${path}`);
 * ```
 * @module
 */
import { DEFAULT_DNNL_LIB } from "./_dnnl.ts";
import { DEFAULT_NATIVE_LIB } from "./_libs.ts";

/** The gcc flags used for the native library. */
export const NATIVE_CFLAGS: readonly string[] = [
  "-O3",
  "-march=x86-64-v3",
  "-ffp-contract=off",
  "-fno-math-errno",
  "-fno-trapping-math",
  "-shared",
  "-fPIC",
  "-pthread",
  "-Wall",
];

/** The gcc flags used for the oneDNN shim (linked with `-ldnnl`). */
export const DNNL_CFLAGS: readonly string[] = ["-O2", "-shared", "-fPIC", "-Wall"];

/** Where oneDNN's C API header is (Debian `libdnnl-dev`). */
export const DNNL_HEADER = "/usr/include/oneapi/dnnl/dnnl.h";

async function compile(
  what: string,
  flags: readonly string[],
  source: string,
  lib: string,
  out: string,
  cc: string,
): Promise<string> {
  const dir = out.slice(0, out.lastIndexOf("/"));
  await Deno.mkdir(dir, { recursive: true });
  const tmp = `${out}.${Deno.pid}.tmp`;
  let result: Deno.CommandOutput;
  try {
    result = await new Deno.Command(cc, { args: [...flags, "-o", tmp, source, lib] }).output();
  } catch (e) {
    throw new Error(`Cannot build ${what} as '${cc}' did not run: ${(e as Error).message}`);
  }
  if (!result.success) {
    await Deno.remove(tmp).catch(() => {});
    throw new Error(
      `Cannot build ${what}: ${cc} failed:\n${new TextDecoder().decode(result.stderr)}`,
    );
  }
  await Deno.rename(tmp, out);
  return out;
}

/**
 * Compiles the native kernels with gcc and returns the library's path.
 *
 * @param out Where to write the library (default `.cache/native/libbnn_kernels.so`).
 * @param cc The C compiler to run (default `gcc`).
 * @returns The absolute path of the built library.
 * @throws {Error} If the compiler is missing or fails (its stderr is included).
 * @example Usage
 * ```ts ignore
 * import { buildNative } from "./build_native.ts";
 * await buildNative();
 * ```
 */
export function buildNative(out = DEFAULT_NATIVE_LIB, cc = "gcc"): Promise<string> {
  const source = new URL("./native/bnn_kernels.c", import.meta.url).pathname;
  return compile("the native kernels", NATIVE_CFLAGS, source, "-lm", out, cc);
}

/**
 * Compiles the oneDNN shim with gcc against `libdnnl` and returns the library's path.
 *
 * @param out Where to write the library (default `.cache/native/libbnn_dnnl.so`).
 * @param cc The C compiler to run (default `gcc`).
 * @returns The absolute path of the built library.
 * @throws {Error} If the compiler is missing or fails (e.g. no `libdnnl-dev`).
 * @example Usage
 * ```ts ignore
 * import { buildDnnlShim } from "./build_native.ts";
 * await buildDnnlShim();
 * ```
 */
export function buildDnnlShim(out = DEFAULT_DNNL_LIB, cc = "gcc"): Promise<string> {
  const source = new URL("./native/bnn_dnnl.c", import.meta.url).pathname;
  return compile("the oneDNN shim", DNNL_CFLAGS, source, "-ldnnl", out, cc);
}

/** Whether the library at `path` is missing or older than `source`. */
function stale(path: string, source: string): boolean {
  try {
    const built = Deno.statSync(path).mtime?.getTime() ?? 0;
    return built < (Deno.statSync(source).mtime?.getTime() ?? Infinity);
  } catch {
    return true; // missing library (or unreadable source): try to build
  }
}

/**
 * Builds the native kernels at their default place when the library is missing or older than
 * its C source, so a fresh checkout (or a changed kernel) needs no separate build step. Does
 * nothing for a library given explicitly (`nativeLib` / `BNN_NATIVE_LIB`), and nothing when
 * gcc or the permissions (--allow-run, --allow-write) are missing: the caller then reports the
 * library as missing and falls back.
 *
 * @param path The library the backend is about to load.
 * @param log Told, in one line, that a build happens.
 * @returns Whether a library was built.
 * @example Usage
 * ```ts ignore
 * import { ensureNativeBuilt } from "./build_native.ts";
 * await ensureNativeBuilt();
 * ```
 */
export async function ensureNativeBuilt(
  path: string = DEFAULT_NATIVE_LIB,
  log: (line: string) => void = (line) => console.warn(line),
): Promise<boolean> {
  const source = new URL("./native/bnn_kernels.c", import.meta.url).pathname;
  if (path !== DEFAULT_NATIVE_LIB || !stale(path, source)) return false;
  try {
    log(`bnn: building the native kernels into ${path} (gcc, once)`);
    await buildNative(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds the oneDNN shim at its default place when it is missing or older than its C source and
 * oneDNN's header is installed; like {@linkcode ensureNativeBuilt}, it does nothing for a shim
 * given explicitly and fails quietly (the caller reports the shim as missing).
 *
 * @param path The shim the backend is about to load.
 * @param log Told, in one line, that a build happens.
 * @returns Whether the shim was built.
 * @example Usage
 * ```ts ignore
 * import { ensureDnnlBuilt } from "./build_native.ts";
 * await ensureDnnlBuilt();
 * ```
 */
export async function ensureDnnlBuilt(
  path: string = DEFAULT_DNNL_LIB,
  log: (line: string) => void = (line) => console.warn(line),
): Promise<boolean> {
  const source = new URL("./native/bnn_dnnl.c", import.meta.url).pathname;
  if (path !== DEFAULT_DNNL_LIB || !stale(path, source)) return false;
  try {
    Deno.statSync(DNNL_HEADER);
    log(`bnn: building the oneDNN shim into ${path} (gcc, once)`);
    await buildDnnlShim(path);
    return true;
  } catch {
    return false;
  }
}

if (import.meta.main) {
  console.log(`built ${await buildNative()}`);
  try {
    console.log(`built ${await buildDnnlShim()}`);
  } catch (e) {
    console.log(
      `oneDNN shim not built (${(e as Error).message.split("\n")[0]}); ` +
        "install libdnnl2 libdnnl-dev for oneDNN convolutions",
    );
  }
}
