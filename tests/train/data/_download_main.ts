/**
 * A process that downloads one file into a cache, for tests of killed and concurrent downloads:
 *
 *     deno run -A tests/train/data/_download_main.ts URL DEST MD5
 *
 * Exits 0 once `DEST` holds the file, 2 with the error's line otherwise.
 *
 * @module
 */
import { downloadFile } from "../../../train/data/download.ts";

const [url, dest, md5] = Deno.args;
try {
  await downloadFile([url!], dest!, { md5 });
} catch (e) {
  console.error(`error: ${(e as Error).message}`);
  Deno.exit(2);
}
