/**
 * Whether a process of this machine is still running: what the run-folder lock and the temp-file
 * cleanup ask before they take over a lock or remove a file another process left. On Linux it
 * reads `/proc/<pid>/stat` and also compares the process's start time (field 22), so a pid that
 * was reused by a newer process does not count as the old one; elsewhere it asks `kill -0 <pid>`.
 * A zombie (exited, not yet reaped by its parent) counts as gone. When neither can answer (no
 * permission), the process counts as alive: the callers then leave
 * the lock or file alone rather than take it from a live process.
 * @module
 */

/**
 * The start time of process `pid` in clock ticks since boot (`/proc/<pid>/stat` field 22), or
 * null when it is not running or `/proc` cannot be read.
 *
 * @param pid A process id (default: this process).
 * @returns The start time, or null.
 *
 * @example Usage
 * ```ts
 * import { processStartTime } from "./process_alive.ts";
 * const t = processStartTime();
 * if (t !== null && !(t >= 0)) throw new Error(String(t));
 * ```
 */
export function processStartTime(pid: number = Deno.pid): number | null {
  return procStat(pid)?.start ?? null;
}

/** State (field 3) and start time (field 22) of `/proc/<pid>/stat`, or null. */
function procStat(pid: number): { state: string; start: number } | null {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // the command name (field 2) is in parentheses and may hold spaces: count after its end
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const start = Number(fields[19]);
    return Number.isFinite(start) ? { state: fields[0]!, start } : null;
  } catch {
    return null;
  }
}

/**
 * Whether process `pid` runs on this machine.
 *
 * @param pid A process id.
 * @param startTime The start time recorded when the process was seen alive (see
 *   {@linkcode processStartTime}); when given and `/proc` differs, the pid belongs to another
 *   process now and the one asked about is gone.
 * @returns False only when the process is known to be gone.
 *
 * @example Usage
 * ```ts
 * import { processAlive } from "./process_alive.ts";
 * if (!processAlive(Deno.pid)) throw new Error("this process runs");
 * const child = new Deno.Command("true").spawn();
 * await child.status;
 * if (processAlive(child.pid)) throw new Error(`${child.pid} has exited`);
 * ```
 */
export function processAlive(pid: number, startTime?: number | null): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (hasProc()) {
    const stat = procStat(pid);
    // gone, a zombie (exited, not yet reaped) or another process under a reused pid
    if (stat === null || stat.state === "Z" || stat.state === "X") return false;
    return startTime === undefined || startTime === null || stat.start === startTime;
  }
  try {
    const r = new Deno.Command("kill", { args: ["-0", String(pid)], stderr: "piped" }).outputSync();
    // another user's process answers "operation not permitted": alive
    return r.success || !/no such process/i.test(new TextDecoder().decode(r.stderr));
  } catch {
    return true;
  }
}

let procReadable: boolean | undefined;

/** Whether `/proc/self/stat` can be read (Linux, read permission). */
function hasProc(): boolean {
  procReadable ??= processStartTime(Deno.pid) !== null;
  return procReadable;
}
