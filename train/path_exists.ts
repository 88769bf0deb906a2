/**
 * Whether a path exists, as a question rather than an exception.
 * @module
 */

/**
 * Whether `path` exists (a file, folder or anything else; a dangling link counts as absent).
 *
 * @throws Any error of `Deno.stat` other than `NotFound` (no permission, a file where a folder
 * should be on the way), since "cannot tell" is not "absent".
 * @example Usage
 * ```ts
 * import { pathExists } from "./path_exists.ts";
 * const dir = await Deno.makeTempDir();
 * if (!(await pathExists(dir)) || await pathExists(`${dir}/none`)) throw new Error();
 * await Deno.remove(dir);
 * ```
 */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}
