/**
 * Where dataset files are looked for and where downloads go.
 *
 * - Looked for in: the explicit `dataDir` option, else `$BNN_DATA_DIR` (if set), and then
 *   always in the cache folder.
 * - Downloaded to, extracted to and decompressed into: the cache folder, which is the
 *   `cacheDir` option, else `$XDG_CACHE_HOME/bnn`, else `~/.cache/bnn`. A user's data folder
 *   is only ever read.
 * - Downloaded from: the `mirror` option, else `$BNN_DATA_MIRROR` (base URLs separated by
 *   commas), else the official URLs.
 *
 * @module
 */

import path from "node:path";

/** The options shared by everything that locates dataset files. */
export interface DataDirOptions {
  /** A folder to look in first (default: `$BNN_DATA_DIR`); never written to. */
  dataDir?: string;
  /** The cache folder (default: `$XDG_CACHE_HOME/bnn` or `~/.cache/bnn`). */
  cacheDir?: string;
}

/**
 * The cache folder: `options.cacheDir`, else `$XDG_CACHE_HOME/bnn`, else `$HOME/.cache/bnn`.
 *
 * @param options The `cacheDir` option.
 * @returns An absolute path.
 * @throws {TypeError} If no option is given and neither `XDG_CACHE_HOME` nor `HOME` is set.
 *
 * @example Usage
 * ```ts
 * import { cacheDir } from "./data_dir.ts";
 * if (cacheDir({ cacheDir: "/tmp/c" }) !== "/tmp/c") throw new Error("option ignored");
 * ```
 */
export function cacheDir(options: DataDirOptions = {}): string {
  if (options.cacheDir !== undefined) return path.resolve(options.cacheDir);
  const xdg = Deno.env.get("XDG_CACHE_HOME");
  if (xdg) return path.resolve(xdg, "bnn");
  const home = Deno.env.get("HOME");
  if (home) return path.resolve(home, ".cache", "bnn");
  throw new TypeError(
    "Cannot find the cache folder as neither the cacheDir option, XDG_CACHE_HOME nor HOME is set",
  );
}

/**
 * The folders to look for dataset files in, in order: `options.dataDir` (else
 * `$BNN_DATA_DIR` if set), then the cache folder.
 *
 * @param options The `dataDir` and `cacheDir` options.
 * @returns Absolute paths, without duplicates.
 *
 * @example Usage
 * ```ts
 * import { searchDirs } from "./data_dir.ts";
 * const dirs = searchDirs({ dataDir: "/data", cacheDir: "/cache" });
 * if (dirs.join() !== "/data,/cache") throw new Error(dirs.join());
 * ```
 */
export function searchDirs(options: DataDirOptions = {}): string[] {
  const first = options.dataDir ?? (Deno.env.get("BNN_DATA_DIR") || undefined);
  const dirs = first === undefined ? [] : [path.resolve(first)];
  const cache = cacheDir(options);
  if (!dirs.includes(cache)) dirs.push(cache);
  return dirs;
}

/**
 * The base URLs to download from: `mirror` (one URL or a list), else `$BNN_DATA_MIRROR`
 * (comma-separated), else `official`. Each ends with `/`.
 *
 * @param official The dataset's official base URLs.
 * @param mirror The `mirror` option.
 * @returns The base URLs, in the order to try them.
 * @throws {TypeError} If a base URL is not an http(s) or file URL.
 *
 * @example Usage
 * ```ts
 * import { mirrorUrls } from "./data_dir.ts";
 * const urls = mirrorUrls(["https://a.org/x/"], "http://127.0.0.1:8000");
 * if (urls.join() !== "http://127.0.0.1:8000/") throw new Error(urls.join());
 * ```
 */
export function mirrorUrls(
  official: readonly string[],
  mirror?: string | readonly string[],
): string[] {
  const given = mirror ?? (Deno.env.get("BNN_DATA_MIRROR") || undefined);
  const list = given === undefined
    ? [...official]
    : typeof given === "string"
    ? given.split(",").map((s) => s.trim()).filter((s) => s !== "")
    : [...given];
  return list.map((base) => {
    let url: URL;
    try {
      url = new URL(base);
    } catch {
      throw new TypeError(`Cannot use data mirror as it is not a URL: current value is "${base}"`);
    }
    if (!["http:", "https:", "file:"].includes(url.protocol)) {
      throw new TypeError(
        `Cannot use data mirror as its scheme must be http, https or file: current value is "${base}"`,
      );
    }
    return url.href.endsWith("/") ? url.href : `${url.href}/`;
  });
}
