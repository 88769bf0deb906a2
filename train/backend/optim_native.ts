/**
 * Which implementation bnn's fused optimizer kernels run. Each kernel is one set of float32
 * formulas with two implementations: a C function of bnn's native library
 * (`native/bnn_kernels.c`, vectorized, deterministic, called through `Deno.dlopen`, see
 * `_libs.ts`) and a plain JS loop with `Math.fround` after every operation. The native library
 * is optional (bnn falls back when it is not built or FFI is not allowed), so the JS loop is
 * the fallback, not a second copy of the math; tests run both and compare them.
 *
 * The kernels live beside their optimizers: `fillUniform` (`fill_uniform.ts`), BayesBiNN's
 * in `../optimizers/bayes_binn_kernels.ts`, Adam's in `../optimizers/adam_kernel.ts`, STE's
 * sign in `../optimizers/ste_kernel.ts`. This module holds what they share: the library
 * choice, the switch that tests use to force either path, and the argument-length check. The
 * C signatures stay in `_libs.ts`'s one symbol table, with the convolution and reduction
 * kernels of the same library: one `dlopen`, one version check, one place to keep in step
 * with `native/bnn_kernels.c`.
 * @module
 */
import { loadNative, type NativeLib } from "./_libs.ts";

let native: NativeLib | null | undefined;

/**
 * The native library if the kernels use it, else null (the JS loops). Loaded on first use.
 *
 * @example Usage
 * ```ts
 * import { optimNative } from "./optim_native.ts";
 * const lib = optimNative();
 * if (lib !== null && typeof lib.bnn_sign !== "function") throw new Error("bnn_sign missing");
 * ```
 */
export function optimNative(): NativeLib | null {
  if (native === undefined) native = loadNative().lib;
  return native;
}

/**
 * Chooses the native kernels (when they load) or the JS ones; returns whether native is used.
 *
 * @example Usage
 * ```ts
 * import { useNativeOptimKernels } from "./optim_native.ts";
 * useNativeOptimKernels(false); // force the JS path
 * useNativeOptimKernels(true);
 * ```
 */
export function useNativeOptimKernels(on: boolean): boolean {
  native = on ? loadNative().lib : null;
  return native !== null;
}

/**
 * Throws unless `array` has `length` elements (a kernel's arrays must match element for
 * element).
 *
 * @throws {RangeError} Naming the argument and its length.
 *
 * @example Usage
 * ```ts
 * import { checkLength } from "./optim_native.ts";
 * checkLength("out", new Float32Array(3), 3);
 * let threw = false;
 * try {
 *   checkLength("out", new Float32Array(2), 3);
 * } catch (e) {
 *   threw = e instanceof RangeError;
 * }
 * if (!threw) throw new Error("length not checked");
 * ```
 */
export function checkLength(name: string, array: ArrayLike<number>, length: number): void {
  if (array.length !== length) {
    throw new RangeError(
      `Cannot run the optimizer kernel as '${name}' must have ${length} elements: current length is ${array.length}`,
    );
  }
}
