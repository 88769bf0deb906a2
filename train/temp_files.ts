/**
 * Names of the temporary files that atomic writes and downloads use, and their cleanup.
 *
 * A file `DIR/NAME` is written as `DIR/.NAME.<pid>.<8 hex digits>.tmp` and renamed to `DIR/NAME`
 * when complete, so a killed process leaves at most such a temp file, never a torn `NAME`. No
 * reader ever opens a temp file (they look for `NAME` alone); {@linkcode removeDeadTemps}
 * removes those whose writer is gone (by the pid in the name, see ./process_alive.ts), which the
 * trainer does when it takes a run folder and a download does in its cache folder. A temp file
 * of a live process is left alone.
 * @module
 */
import path from "node:path";
import { processAlive } from "./process_alive.ts";

const TEMP = /^\.(.+)\.(\d+)\.([0-9a-f]{8})\.tmp$/;

/**
 * A fresh temp path beside `file`: `.NAME.<pid>.<8 hex digits>.tmp` in the same folder.
 *
 * @param file The destination.
 * @returns The temp path.
 *
 * @example Usage
 * ```ts
 * import { tempPathFor } from "./temp_files.ts";
 * const t = tempPathFor("runs/x/checkpoints/last.ckpt");
 * if (!/^runs\/x\/checkpoints\/\.last\.ckpt\.\d+\.[0-9a-f]{8}\.tmp$/.test(t)) throw new Error(t);
 * ```
 */
export function tempPathFor(file: string): string {
  const rand = crypto.randomUUID().replaceAll("-", "").slice(0, 8);
  return path.join(path.dirname(file), `.${path.basename(file)}.${Deno.pid}.${rand}.tmp`);
}

/**
 * What a temp file name says: the destination's name and the writer's pid; null for other names.
 *
 * @param name A file name (no folder).
 * @returns The destination name and pid, or null.
 *
 * @example Usage
 * ```ts
 * import { parseTempName } from "./temp_files.ts";
 * const t = parseTempName(".last.ckpt.4242.0123abcd.tmp");
 * if (t?.target !== "last.ckpt" || t.pid !== 4242) throw new Error(JSON.stringify(t));
 * if (parseTempName("last.ckpt") !== null) throw new Error("not a temp file");
 * ```
 */
export function parseTempName(name: string): { target: string; pid: number } | null {
  const m = name.match(TEMP);
  return m === null ? null : { target: m[1]!, pid: Number(m[2]) };
}

/**
 * Removes the temp files in `dir` (not below) whose writing process is gone; with `target`, only
 * those of that destination name. A missing folder or a file that cannot be removed (another
 * process removed it first, no permission) is skipped.
 *
 * @param dir The folder.
 * @param target Only temp files of this destination name (default: all).
 * @returns The paths removed.
 *
 * @example Usage
 * ```ts
 * import { removeDeadTemps } from "./temp_files.ts";
 * const dir = await Deno.makeTempDir();
 * const child = new Deno.Command("true").spawn();
 * await child.status;
 * await Deno.writeTextFile(`${dir}/.a.json.${child.pid}.0123abcd.tmp`, "{");
 * await Deno.writeTextFile(`${dir}/.a.json.${Deno.pid}.0123abcd.tmp`, "{");
 * const removed = await removeDeadTemps(dir);
 * if (removed.length !== 1 || !removed[0]!.includes(`.${child.pid}.`)) throw new Error(`${removed}`);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function removeDeadTemps(dir: string, target?: string): Promise<string[]> {
  const removed: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch {
    return removed;
  }
  for (const e of entries) {
    const t = parseTempName(e.name);
    if (t === null || !e.isFile || (target !== undefined && t.target !== target)) continue;
    if (processAlive(t.pid)) continue;
    const p = path.join(dir, e.name);
    try {
      await Deno.remove(p);
      removed.push(p);
    } catch { /* gone already, or not ours to remove */ }
  }
  return removed;
}
