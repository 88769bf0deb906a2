/**
 * Builds bnn's native kernels (`train/backend/native/bnn_kernels.c`) into
 * `.cache/native/libbnn_kernels.so`, which {@linkcode initBackend} loads for the `blas` backend.
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
export async function buildNative(out = DEFAULT_NATIVE_LIB, cc = "gcc"): Promise<string> {
  const source = new URL("./native/bnn_kernels.c", import.meta.url).pathname;
  const dir = out.slice(0, out.lastIndexOf("/"));
  await Deno.mkdir(dir, { recursive: true });
  const tmp = `${out}.${Deno.pid}.tmp`;
  let result: Deno.CommandOutput;
  try {
    result = await new Deno.Command(cc, { args: [...NATIVE_CFLAGS, "-o", tmp, source, "-lm"] })
      .output();
  } catch (e) {
    throw new Error(
      `Cannot build the native kernels as '${cc}' did not run: ${(e as Error).message}`,
    );
  }
  if (!result.success) {
    await Deno.remove(tmp).catch(() => {});
    throw new Error(
      `Cannot build the native kernels: ${cc} failed:\n${new TextDecoder().decode(result.stderr)}`,
    );
  }
  await Deno.rename(tmp, out);
  return out;
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
  if (path !== DEFAULT_NATIVE_LIB) return false;
  const source = new URL("./native/bnn_kernels.c", import.meta.url).pathname;
  try {
    const built = Deno.statSync(path).mtime?.getTime() ?? 0;
    if (built >= (Deno.statSync(source).mtime?.getTime() ?? Infinity)) return false;
  } catch {
    // missing library (or unreadable source): try to build
  }
  try {
    log(`bnn: building the native kernels into ${path} (gcc, once)`);
    await buildNative(path);
    return true;
  } catch {
    return false;
  }
}

if (import.meta.main) {
  console.log(`built ${await buildNative()}`);
}
