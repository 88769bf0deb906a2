/**
 * Which bnn a sweep ran: the version in `deno.jsonc` and the git commit of the checkout (null
 * outside a git checkout), recorded in the sweep's manifest.
 * @module
 */
import path from "node:path";
import { REPO_ROOT } from "./job_command.ts";

/** bnn's version and commit. */
export interface BnnVersion {
  version: string;
  commit: string | null;
  /** Whether the checkout had uncommitted changes to tracked files (null: unknown). */
  dirty: boolean | null;
}

/** The output of `git ARGS` in the repository, or null when git fails or is missing. */
function git(args: string[]): string | null {
  try {
    const r = new Deno.Command("git", { args, cwd: REPO_ROOT, stdout: "piped", stderr: "null" })
      .outputSync();
    return r.success ? new TextDecoder().decode(r.stdout).trim() : null;
  } catch {
    return null;
  }
}

/**
 * This checkout's version and commit.
 *
 * @example Usage
 * ```ts
 * import { bnnVersion } from "./version.ts";
 * const v = bnnVersion();
 * if (!/^\d+\.\d+\.\d+/.test(v.version)) throw new Error(v.version);
 * ```
 */
export function bnnVersion(): BnnVersion {
  const text = Deno.readTextFileSync(path.join(REPO_ROOT, "deno.jsonc"));
  const version = /"version"\s*:\s*"([^"]+)"/.exec(text)?.[1] ?? "unknown";
  const commit = git(["rev-parse", "HEAD"]);
  const status = commit === null ? null : git(["status", "--porcelain", "--untracked-files=no"]);
  return { version, commit, dirty: status === null ? null : status !== "" };
}
