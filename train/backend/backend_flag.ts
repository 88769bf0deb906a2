/**
 * The `--backend` flag of the CLIs that train (`train`, `sweep`), checked against the backend
 * names in one place.
 * @module
 */
import { UsageError } from "../../cli/errors.ts";
import { BACKEND_NAMES, type BackendName } from "./init_backend.ts";

/**
 * `--backend`'s value as a backend name (undefined when the flag was not given).
 *
 * @param value The flag's value.
 * @returns The backend name.
 * @throws {UsageError} Naming the backends, when `value` is none of them.
 *
 * @example Usage
 * ```ts
 * import { parseBackendFlag } from "./backend_flag.ts";
 * if (parseBackendFlag("blas") !== "blas" || parseBackendFlag(undefined) !== undefined) {
 *   throw new Error("wrong");
 * }
 * try {
 *   parseBackendFlag("tpu");
 *   throw new Error("accepted");
 * } catch (e) {
 *   if (!(e as Error).message.startsWith("--backend must be one of blas, ")) throw e;
 * }
 * ```
 */
export function parseBackendFlag(value: string | undefined): BackendName | undefined {
  if (value === undefined || (BACKEND_NAMES as readonly string[]).includes(value)) {
    return value as BackendName | undefined;
  }
  throw new UsageError(
    `--backend must be one of ${BACKEND_NAMES.join(", ")}: current value is ${
      JSON.stringify(value)
    }`,
  );
}
