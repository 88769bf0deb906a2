/**
 * One writer per run folder: `train` holds `RUN_DIR/run.lock` while it writes the folder, so a
 * second `train` given the same `--out` (or `--resume` of the same run) stops at once with one line
 * naming the holder instead of interleaving checkpoints with it.
 *
 * The lock file holds JSON: the holder's `pid`, `hostname`, process `start` time (Linux, to tell
 * a reused pid), `since` (ISO time), `command` and a random `nonce`. It is created atomically and
 * complete: the content goes to a temp file, which is then hard-linked to `run.lock` (a link fails
 * when the name exists, like `open` with `createNew`, and never shows a half-written lock); where
 * the file system has no hard links, `Deno.open(…, { createNew: true })` creates it. A lock left by
 * a process of this machine that is gone (killed, crashed; see ./process_alive.ts) is taken over;
 * one of another machine is never taken over, as its process cannot be asked. The lock is removed
 * at release (the trainer releases it when it ends, however it ends, short of being killed).
 * @module
 */
import path from "node:path";
import { UserError } from "../cli/errors.ts";
import { processAlive, processStartTime } from "./process_alive.ts";
import { tempPathFor } from "./temp_files.ts";
import { writeError } from "./write_error.ts";

/** The lock's file name inside the run folder. */
export const LOCK_NAME = "run.lock";

/** What `run.lock` holds. */
export interface LockHolder {
  pid: number;
  hostname: string;
  /** Process start time in clock ticks since boot (Linux), null elsewhere. */
  start: number | null;
  /** When the lock was taken (ISO 8601). */
  since: string;
  /** What holds it, e.g. `train`. */
  command: string;
  /** Random, to tell this lock from any other with the same pid. */
  nonce: string;
}

/**
 * The run folder is locked by another process (or its lock cannot be read); the message is one
 * line naming the holder and the lock file. A {@linkcode UserError}: the CLI exits with code 2.
 *
 * @example Usage
 * ```ts
 * import { RunLockError } from "./run_lock.ts";
 * const e = new RunLockError("run folder r is in use", "r/run.lock", null);
 * if (e.name !== "RunLockError" || e.lockPath !== "r/run.lock") throw e;
 * ```
 */
export class RunLockError extends UserError {
  /**
   * @param message One line naming the folder, the holder and the lock file.
   * @param lockPath The lock file.
   * @param holder The holder, when the lock could be read.
   */
  constructor(message: string, readonly lockPath: string, readonly holder: LockHolder | null) {
    super(message);
    this.name = "RunLockError";
  }
}

/** A lock this process holds. */
export interface RunLock {
  /** The lock file. */
  path: string;
  /** What the lock file says (this process). */
  holder: LockHolder;
  /**
   * Removes the lock if it is still this process's, and the run folder if the lock created it and
   * it is empty.
   */
  release(): Promise<void>;
}

/** This machine's name, `unknown` without permission to ask. */
function hostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "unknown";
  }
}

/** The lock's content, or null when it is gone; a RunLockError when it cannot be understood. */
async function readHolder(lockPath: string): Promise<LockHolder | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(lockPath);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw new RunLockError(
      `cannot read the lock ${lockPath}: ${(e as Error).message.split("\n")[0]}`,
      lockPath,
      null,
    );
  }
  try {
    const h = JSON.parse(text);
    if (Number.isSafeInteger(h?.pid) && typeof h.hostname === "string") return h as LockHolder;
  } catch { /* below */ }
  throw new RunLockError(
    `the lock ${lockPath} is not a bnn lock (${
      text.length === 0 ? "empty" : "unreadable"
    }): remove it if no process writes ${path.dirname(lockPath)}`,
    lockPath,
    null,
  );
}

/** One line naming who holds the lock. */
function heldMessage(dir: string, lockPath: string, h: LockHolder, here: string): string {
  const elsewhere = h.hostname !== here
    ? ` (another machine: if that process is gone, remove ${lockPath})`
    : "";
  return `run folder ${dir} is in use by ${
    h.command || "a process"
  } pid ${h.pid} on ${h.hostname} since ${h.since} (lock ${lockPath})${elsewhere}`;
}

/** Creates `lockPath` with `content` unless it exists; false when it exists. */
async function createLock(lockPath: string, content: string): Promise<boolean> {
  const tmp = tempPathFor(lockPath);
  try {
    await Deno.writeTextFile(tmp, content, { createNew: true });
    try {
      await Deno.link(tmp, lockPath);
      return true;
    } catch (e) {
      if (e instanceof Deno.errors.AlreadyExists) return false;
      // no hard links here: create the lock in place (one small write)
      try {
        await Deno.writeTextFile(lockPath, content, { createNew: true });
        return true;
      } catch (e2) {
        if (e2 instanceof Deno.errors.AlreadyExists) return false;
        throw e2;
      }
    }
  } catch (e) {
    throw writeError(lockPath, e) ?? e;
  } finally {
    await Deno.remove(tmp).catch(() => {});
  }
}

/**
 * Removes a stale lock whose content is `stale`, unless another process replaced it meanwhile
 * (then it is put back). The lock is first moved to a name of its own, so two processes taking
 * over the same stale lock cannot remove each other's new one.
 */
async function takeOver(lockPath: string, stale: LockHolder): Promise<void> {
  const aside = tempPathFor(lockPath);
  try {
    await Deno.rename(lockPath, aside);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return; // someone else took it over first
    throw writeError(lockPath, e) ?? e;
  }
  let moved: LockHolder | null = null;
  try {
    moved = JSON.parse(await Deno.readTextFile(aside));
  } catch { /* unreadable: not the stale lock we judged */ }
  if (moved?.nonce !== stale.nonce || moved?.pid !== stale.pid) {
    // a live lock taken meanwhile: put it back (unless yet another one appeared)
    await Deno.link(aside, lockPath).catch(() => {});
  }
  await Deno.remove(aside).catch(() => {});
}

/**
 * Takes the lock of run folder `dir` (created if missing): see the module doc.
 *
 * @param dir The run folder.
 * @param command What takes it, named in the message a second process gets (default `train`).
 * @returns The held lock; call `release()` when done.
 * @throws {RunLockError} When a live process holds it, or its lock file cannot be understood.
 * @throws {WriteError} When the folder or the lock cannot be written (no space, no permission).
 *
 * @example Usage
 * ```ts
 * import { lockRunFolder, RunLockError } from "./run_lock.ts";
 * const dir = await Deno.makeTempDir();
 * const lock = await lockRunFolder(dir);
 * try {
 *   await lockRunFolder(dir);
 *   throw new Error("locked twice");
 * } catch (e) {
 *   if (!(e instanceof RunLockError) || e.holder?.pid !== Deno.pid) throw e;
 * }
 * await lock.release();
 * await (await lockRunFolder(dir)).release();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function lockRunFolder(dir: string, command = "train"): Promise<RunLock> {
  const lockPath = path.join(dir, LOCK_NAME);
  let created = false;
  try {
    await Deno.stat(dir);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw writeError(dir, e) ?? e;
    created = true;
  }
  try {
    await Deno.mkdir(dir, { recursive: true });
  } catch (e) {
    throw writeError(dir, e) ?? e;
  }
  const here = hostname();
  const holder: LockHolder = {
    pid: Deno.pid,
    hostname: here,
    start: processStartTime(),
    since: new Date().toISOString(),
    command,
    nonce: crypto.randomUUID(),
  };
  const content = JSON.stringify(holder) + "\n";
  for (let attempt = 0; attempt < 10; attempt++) {
    if (await createLock(lockPath, content)) {
      return {
        path: lockPath,
        holder,
        release: () => release(lockPath, holder, created ? dir : null),
      };
    }
    const other = await readHolder(lockPath);
    if (other === null) continue; // released meanwhile: try again
    if (other.hostname !== here || processAlive(other.pid, other.start)) {
      throw new RunLockError(heldMessage(dir, lockPath, other, here), lockPath, other);
    }
    await takeOver(lockPath, other);
  }
  throw new RunLockError(
    `cannot take the lock ${lockPath}: other processes keep taking it`,
    lockPath,
    null,
  );
}

/**
 * Refuses a run folder that another process holds, without taking it: for a caller that checks
 * other things first (e.g. whether the folder already holds a run) and wants the holder named
 * before those.
 *
 * @param dir The run folder.
 * @throws {RunLockError} When a live process (or one of another machine) holds it, or its lock
 *   cannot be understood.
 *
 * @example Usage
 * ```ts
 * import { assertRunFolderFree, lockRunFolder, RunLockError } from "./run_lock.ts";
 * const dir = await Deno.makeTempDir();
 * await assertRunFolderFree(dir);
 * const lock = await lockRunFolder(dir);
 * try {
 *   await assertRunFolderFree(dir);
 *   throw new Error("not refused");
 * } catch (e) {
 *   if (!(e instanceof RunLockError)) throw e;
 * }
 * await lock.release();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function assertRunFolderFree(dir: string): Promise<void> {
  const lockPath = path.join(dir, LOCK_NAME);
  const other = await readHolder(lockPath);
  if (other === null) return;
  const here = hostname();
  if (other.hostname !== here || processAlive(other.pid, other.start)) {
    throw new RunLockError(heldMessage(dir, lockPath, other, here), lockPath, other);
  }
}

/** Removes the lock if it is still `holder`'s; then `createdDir`, if given and empty. */
async function release(lockPath: string, holder: LockHolder, createdDir: string | null) {
  try {
    const now = JSON.parse(await Deno.readTextFile(lockPath));
    if (now?.nonce === holder.nonce) await Deno.remove(lockPath);
  } catch { /* gone, or not ours */ }
  if (createdDir !== null) await Deno.remove(createdDir).catch(() => {});
}
