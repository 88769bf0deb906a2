/**
 * Downloads a dataset file atomically and checks its MD5: the bytes go to a temporary file
 * next to the destination, the MD5 is computed while they arrive, and only a complete file
 * with the expected MD5 is renamed to the destination. A torn download or a wrong MD5 never
 * leaves a file under the final name. Mirrors are tried in order.
 *
 * Killed or concurrent downloads: the temp file is `.NAME.<pid>.<hex>.tmp` (see
 * ../temp_files.ts), unique to each process and attempt, and no reader ever opens one. A
 * download killed midway leaves at most its temp file, which the next download of the same
 * file removes (its process is gone). Two processes downloading the same file into the same
 * cache each write their own temp file, check its MD5 and rename it over the destination, so
 * both end with the one correct file (the second rename replaces identical bytes).
 *
 * @module
 */

import path from "node:path";
import { createHash } from "node:crypto";
import { DataError } from "./data_error.ts";
import { removeDeadTemps, tempPathFor } from "../temp_files.ts";
import { writeError } from "../write_error.ts";

/** Options for {@linkcode downloadFile}. */
export interface DownloadOptions {
  /** The expected MD5 as 32 hex digits; `undefined` skips the check. */
  md5?: string;
  /** The `fetch` to use (default: the global one). */
  fetch?: typeof fetch;
  /** Give up on a mirror after this many milliseconds without data (default 60 000). */
  stallTimeoutMs?: number;
}

/**
 * Downloads `urls[0]` (then `urls[1]`, ... if one fails) to `dest`.
 *
 * @param urls The mirrors' full URLs for the file, tried in order.
 * @param dest The destination path (its folder is created).
 * @param options The expected MD5, the stall timeout and an optional `fetch`.
 * @returns `dest`.
 * @throws {DataError} If every URL fails; the one-line message lists each URL's problem
 *   (HTTP status, network error, connection closed early, stalled, MD5 mismatch).
 *
 * @example Usage
 * ```ts
 * import { downloadFile } from "./download.ts";
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => new Response("abc"));
 * const dir = await Deno.makeTempDir();
 * const url = `http://127.0.0.1:${server.addr.port}/abc`;
 * await downloadFile([url], `${dir}/abc`, { md5: "900150983cd24fb0d6963f7d28e17f72" });
 * const text = await Deno.readTextFile(`${dir}/abc`);
 * await server.shutdown();
 * await Deno.remove(dir, { recursive: true });
 * if (text !== "abc") throw new Error(text);
 * ```
 */
export async function downloadFile(
  urls: readonly string[],
  dest: string,
  options: DownloadOptions = {},
): Promise<string> {
  if (urls.length === 0) throw new RangeError(`Cannot download ${dest} as no URL was given`);
  await Deno.mkdir(path.dirname(dest), { recursive: true });
  await removeDeadTemps(path.dirname(dest), path.basename(dest));
  const problems: string[] = [];
  for (const url of urls) {
    const problem = await tryDownload(url, dest, options);
    if (problem === null) return dest;
    problems.push(`${url}: ${problem}`);
  }
  throw new DataError(path.basename(dest), `download failed: ${problems.join("; ")}`);
}

/** Downloads one URL; returns null on success or the problem as text. */
async function tryDownload(
  url: string,
  dest: string,
  options: DownloadOptions,
): Promise<string | null> {
  const stallMs = options.stallTimeoutMs ?? 60_000;
  const abort = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const attempt: Attempt = {
    fetch: options.fetch ?? fetch,
    md5: options.md5,
    signal: abort.signal,
    progress() {
      clearTimeout(timer);
      timer = setTimeout(() => abort.abort(), stallMs);
    },
    stalled: `stalled: no data for ${stallMs / 1000} s`,
  };
  attempt.progress();
  try {
    return await fetchTo(url, dest, attempt);
  } finally {
    clearTimeout(timer);
  }
}

/** One download attempt's settings; `progress()` re-arms the stall timer. */
interface Attempt {
  fetch: typeof fetch;
  md5: string | undefined;
  signal: AbortSignal;
  progress: () => void;
  stalled: string;
}

async function fetchTo(url: string, dest: string, attempt: Attempt): Promise<string | null> {
  const { signal } = attempt;
  let response: Response;
  try {
    response = await attempt.fetch(url, { signal });
  } catch (e) {
    return signal.aborted ? attempt.stalled : `network error (${errorText(e)})`;
  }
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    return `HTTP ${response.status} ${response.statusText}`.trim();
  }
  const expected = Number(response.headers.get("content-length") ?? NaN);
  const hash = createHash("md5");
  let received = 0;
  const tmp = tempPathFor(dest);
  const file = await Deno.open(tmp, { write: true, createNew: true }).catch((e) => {
    throw cacheWriteError(dest, e);
  });
  try {
    let writeFailure: unknown = null;
    try {
      for await (const chunk of response.body) {
        attempt.progress();
        hash.update(chunk);
        received += chunk.length;
        let written = 0;
        try {
          while (written < chunk.length) written += await file.write(chunk.subarray(written));
        } catch (e) {
          writeFailure = e;
          throw e;
        }
      }
    } catch (e) {
      // the cache cannot take the file (disk full): no other mirror helps
      if (writeFailure !== null) throw cacheWriteError(dest, writeFailure);
      return signal.aborted
        ? `${attempt.stalled} after ${received} bytes`
        : `connection failed after ${received} bytes (${errorText(e)})`;
    }
    if (Number.isFinite(expected) && received !== expected) {
      return `connection closed after ${received} of ${expected} bytes`;
    }
    await file.syncData().catch((e) => {
      throw cacheWriteError(dest, e);
    });
    file.close();
    const md5 = hash.digest("hex");
    if (attempt.md5 !== undefined && md5 !== attempt.md5.toLowerCase()) {
      return `md5 mismatch: got ${md5}, expected ${attempt.md5} (download discarded)`;
    }
    await Deno.rename(tmp, dest).catch((e) => {
      throw cacheWriteError(dest, e);
    });
    return null;
  } finally {
    try {
      file.close();
    } catch { /* already closed */ }
    await Deno.remove(tmp).catch(() => {});
  }
}

/** A failed write into the cache as one line (`DEST: cannot write the download: no space ...`). */
function cacheWriteError(dest: string, e: unknown): unknown {
  const w = writeError(dest, e);
  return w === null
    ? e
    : new DataError(dest, `cannot write the download: ${w.reason}`, { cause: e });
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
