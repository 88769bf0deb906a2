/**
 * Reading `.xz` files (the stored CIFAR-10 copies are `data_batch_N.bin.xz`) with the system
 * `xz` program, which Deno has no built-in decoder for. The decompressed file is written once
 * into the cache folder (to a temporary name, then renamed) and reused by later loads.
 *
 * @module
 */

import path from "node:path";
import { createHash } from "node:crypto";
import { DataError } from "./data_error.ts";
import { md5File } from "./md5.ts";
import { pathExists } from "../path_exists.ts";

/** Options for {@linkcode decompressXzCached}. */
export interface XzOptions {
  /** The cache folder; the output goes to `<cacheDir>/xz/<key>/<name without .xz>`. */
  cacheDir: string;
  /** The expected MD5 of the decompressed bytes, checked once when they are written. */
  md5?: string;
  /** The xz program (default `"xz"`, found on the PATH). */
  xz?: string;
}

/**
 * Decompresses `file` (`X.xz`) with `xz -dc` into the cache, unless an earlier call already
 * did, and returns the decompressed file's path. The cache key is derived from the source's
 * absolute path, size and modification time, so a changed source is decompressed again.
 *
 * @param file The `.xz` file.
 * @param options The cache folder, the expected MD5 and the xz program.
 * @returns The path of the decompressed file in the cache.
 * @throws {DataError} If xz is not installed, fails (damaged file), or the MD5 differs.
 *
 * @example Usage
 * ```ts
 * import { decompressXzCached } from "./xz.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a.txt`, "hello");
 * await new Deno.Command("xz", { args: [`${dir}/a.txt`] }).output(); // writes a.txt.xz
 * const out = await decompressXzCached(`${dir}/a.txt.xz`, { cacheDir: `${dir}/cache` });
 * const text = await Deno.readTextFile(out);
 * await Deno.remove(dir, { recursive: true });
 * if (text !== "hello") throw new Error(text);
 * ```
 */
export async function decompressXzCached(file: string, options: XzOptions): Promise<string> {
  const source = path.resolve(file);
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(source);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new DataError(file, "file not found", { cause: e });
    }
    throw e;
  }
  const key = createHash("sha256")
    .update(`${source}\0${info.size}\0${info.mtime?.getTime() ?? 0}`)
    .digest("hex")
    .slice(0, 16);
  const target = path.join(
    path.resolve(options.cacheDir),
    "xz",
    key,
    path.basename(source).replace(/\.xz$/, ""),
  );
  if (await pathExists(target)) return target;
  await Deno.mkdir(path.dirname(target), { recursive: true });
  const tmp = `${target}.${crypto.randomUUID()}.tmp`;
  try {
    await runXz(options.xz ?? "xz", source, tmp, file);
    if (options.md5 !== undefined) {
      const md5 = await md5File(tmp);
      if (md5 !== options.md5.toLowerCase()) {
        throw new DataError(
          file,
          `md5 mismatch after xz -d: got ${md5}, expected ${options.md5}`,
        );
      }
    }
    await Deno.rename(tmp, target);
  } finally {
    await Deno.remove(tmp).catch(() => {});
  }
  return target;
}

/** The most memory `xz -d` may use, in MiB. */
const XZ_MEMLIMIT_MIB = 1024;

async function runXz(xz: string, source: string, tmp: string, file: string): Promise<void> {
  const out = await Deno.open(tmp, { write: true, createNew: true });
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(xz, {
      // a header may ask for a dictionary of up to 4 GiB: xz refuses one over the limit (the
      // presets use at most 64 MiB)
      args: ["-dc", `--memlimit-decompress=${XZ_MEMLIMIT_MIB}MiB`, "--", source],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    out.close();
    if (e instanceof Deno.errors.NotFound) {
      throw new DataError(
        file,
        `cannot decompress: the "${xz}" program was not found (install xz-utils, or decompress the file with xz -d)`,
        { cause: e },
      );
    }
    throw e;
  }
  const [, stderr, status] = await Promise.all([
    child.stdout.pipeTo(out.writable),
    new Response(child.stderr).text(),
    child.status,
  ]);
  if (!status.success) {
    // xz's first line says what is wrong, as "<xz>: <source>: <problem>"
    const first = stderr.trim().split("\n")[0] ?? "";
    const why = first.startsWith(`${source}: `, first.indexOf(": ") + 2)
      ? first.slice(first.indexOf(": ") + 2 + source.length + 2)
      : first;
    const limit = /memory usage limit/i.test(why)
      ? ` (its header asks for more than the ${XZ_MEMLIMIT_MIB} MiB bnn allows for decompression)`
      : "";
    throw new DataError(file, `xz -d failed with exit code ${status.code}: ${why}${limit}`);
  }
}
