/**
 * MD5 digests of files, read in chunks, to check downloads and decompressed files against
 * the official sums (see `DATASETS`). MD5 is used only because the dataset publishers list
 * MD5 sums; it detects damage, not tampering.
 *
 * @module
 */

import { createHash } from "node:crypto";

/**
 * The hex MD5 digest of a file.
 *
 * @param file The file path.
 * @returns 32 lowercase hex digits.
 *
 * @example Usage
 * ```ts
 * import { md5File } from "./md5.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/abc`, "abc");
 * const sum = await md5File(`${dir}/abc`);
 * await Deno.remove(dir, { recursive: true });
 * if (sum !== "900150983cd24fb0d6963f7d28e17f72") throw new Error(sum);
 * ```
 */
export async function md5File(file: string): Promise<string> {
  const hash = createHash("md5");
  const f = await Deno.open(file);
  for await (const chunk of f.readable) hash.update(chunk);
  return hash.digest("hex");
}
