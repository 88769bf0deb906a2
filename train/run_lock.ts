/**
 * One writer per run folder: `train` holds `RUN_DIR/run.lock` while it writes the folder, so a
 * second `train` given the same `--out` (or `--resume` of the same run) stops at once with one line
 * naming the holder instead of interleaving checkpoints with it.
 *
 * The lock is the kernel's: the holder keeps `run.lock` open with an exclusive `flock` for as long
 * as it runs, and the kernel drops it when the process ends, however it ends — so a lock can never
 * be held by a dead process, and of many processes racing for one folder exactly one gets it. The
 * file's content says who holds it, for the message: JSON with the holder's `pid`, `hostname`,
 * process `start` time (Linux, to tell a reused pid), `since` (ISO time), `command` and a random
 * `nonce`. A taker that gets the kernel lock checks that the file is still the one at `run.lock`
 * (a holder removes it at release) and that its content names no live process of this machine
 * (a holder that did not use the kernel lock), nor one of another machine (`flock` does not reach
 * across a network file system, and that process cannot be asked); a left-over content of a dead
 * process, empty or half-written, is simply replaced.
 *
 * A new lock appears whole: the holder is written to a temp file (./temp_files.ts), which is
 * locked and then hard-linked as `run.lock`, so a process killed while taking a free folder leaves
 * no `run.lock` without its holder (at most a temp file, removed with the other dead ones). Only
 * taking over a dead process's lock rewrites the file in place.
 * @module
 */
import path from "node:path";
import { UserError } from "../cli/errors.ts";
import { processAlive, processStartTime } from "./process_alive.ts";
import { writeError } from "./write_error.ts";
import { RUN_FILES } from "./run_folder.ts";
import { tempPathFor } from "./temp_files.ts";

/** The lock's file name inside the run folder. */
export const LOCK_NAME: string = RUN_FILES.lock;

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

/** The holder a lock's text names, or null when the text is not a bnn lock. */
function parseHolder(text: string): LockHolder | null {
  try {
    const h = JSON.parse(text);
    if (Number.isSafeInteger(h?.pid) && typeof h.hostname === "string") return h as LockHolder;
  } catch { /* not a lock */ }
  return null;
}

/**
 * The content of a lock a live process holds, or null when the lock is gone. Read again for a
 * moment while it is empty or partial: its holder may be writing it right now.
 */
async function readHeldLock(lockPath: string): Promise<LockHolder | null> {
  for (let i = 0; i < 20; i++) {
    const text = await Deno.readTextFile(lockPath).catch((e) => {
      if (e instanceof Deno.errors.NotFound) return null;
      throw new RunLockError(
        `cannot read the lock ${lockPath}: ${(e as Error).message.split("\n")[0]}`,
        lockPath,
        null,
      );
    });
    if (text === null) return null;
    const holder = parseHolder(text);
    if (holder !== null) return holder;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new RunLockError(
    `run folder ${
      path.dirname(lockPath)
    } is in use by a process whose lock ${lockPath} does not say who it is`,
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

/** Opens an existing lock file, or null when there is none (any more); a disk error is one line. */
async function openLockFile(lockPath: string): Promise<Deno.FsFile | null> {
  try {
    return await Deno.open(lockPath, { read: true, write: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw writeError(lockPath, e) ?? e;
  }
}

/** Whether `file` is still the file at `lockPath` (a releasing holder removes it). */
async function isFileAt(file: Deno.FsFile, lockPath: string): Promise<boolean> {
  const [open, named] = [await file.stat(), await Deno.stat(lockPath).catch(() => null)];
  return named !== null && open.ino === named.ino && open.dev === named.dev;
}

/** The whole content of an open file (a lock is a few hundred bytes). */
async function readAll(file: Deno.FsFile): Promise<string> {
  await file.seek(0, Deno.SeekMode.Start);
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(4096);
  for (let n = await file.read(buf); n !== null && n > 0; n = await file.read(buf)) {
    chunks.push(buf.slice(0, n));
    if (chunks.length > 16) break; // not a lock: no need to read it all
  }
  return new TextDecoder().decode(await new Blob(chunks as Uint8Array<ArrayBuffer>[]).bytes());
}

/** Replaces the content of the locked file with `content`, flushed to disk. */
async function writeHolder(file: Deno.FsFile, lockPath: string, content: string): Promise<void> {
  try {
    await file.truncate(0);
    await file.seek(0, Deno.SeekMode.Start);
    const bytes = new TextEncoder().encode(content);
    for (let done = 0; done < bytes.length;) done += await file.write(bytes.subarray(done));
    await file.syncData();
  } catch (e) {
    throw writeError(lockPath, e) ?? e;
  }
}

/**
 * Creates `lockPath` whole and locked: `content` in a locked temp file, hard-linked as
 * `lockPath`. Returns the open, locked file, or null when a lock file exists already.
 */
async function createLockFile(lockPath: string, content: string): Promise<Deno.FsFile | null> {
  const tmp = tempPathFor(lockPath);
  let file: Deno.FsFile | null = null;
  try {
    file = await Deno.open(tmp, { read: true, write: true, createNew: true });
    const bytes = new TextEncoder().encode(content);
    for (let done = 0; done < bytes.length;) done += await file.write(bytes.subarray(done));
    await file.syncData();
    if (!(await file.tryLock(true))) throw new Error(`cannot lock the new file ${tmp}`);
    await Deno.link(tmp, lockPath);
    return file;
  } catch (e) {
    file?.close();
    if (e instanceof Deno.errors.AlreadyExists) return null;
    throw writeError(lockPath, e) ?? e;
  } finally {
    await Deno.remove(tmp).catch(() => {});
  }
}

/** Creates `dir` (and its parents) when missing; whether it had to. A disk error is one line. */
async function makeFolder(dir: string): Promise<boolean> {
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
  return created;
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
  const created = await makeFolder(dir);
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
  const lockOf = (file: Deno.FsFile): RunLock => ({
    path: lockPath,
    holder,
    release: () => release(file, lockPath, created ? dir : null),
  });
  for (let attempt = 0; attempt < 10; attempt++) {
    const fresh = await createLockFile(lockPath, content);
    if (fresh !== null) return lockOf(fresh);
    const file = await openLockFile(lockPath);
    if (file === null) continue; // released meanwhile: create it
    if (!(await file.tryLock(true))) {
      file.close();
      const other = await readHeldLock(lockPath);
      if (other === null) continue; // released meanwhile: try again
      throw new RunLockError(heldMessage(dir, lockPath, other, here), lockPath, other);
    }
    try {
      if (!(await isFileAt(file, lockPath))) { // its holder removed it: try again
        file.close();
        continue;
      }
      const previous = parseHolder(await readAll(file));
      if (
        previous !== null &&
        (previous.hostname !== here || processAlive(previous.pid, previous.start))
      ) {
        throw new RunLockError(heldMessage(dir, lockPath, previous, here), lockPath, previous);
      }
      await writeHolder(file, lockPath, content);
    } catch (e) {
      file.close();
      throw e;
    }
    return lockOf(file);
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
  const text = await Deno.readTextFile(lockPath).catch(() => null);
  // no lock, or not a complete one: lockRunFolder, which asks the kernel, decides
  const other = text === null ? null : parseHolder(text);
  if (other === null) return;
  const here = hostname();
  if (other.hostname !== here || processAlive(other.pid, other.start)) {
    throw new RunLockError(heldMessage(dir, lockPath, other, here), lockPath, other);
  }
}

/** Removes the lock file (still ours: we hold its kernel lock), then `createdDir` if empty. */
async function release(file: Deno.FsFile, lockPath: string, createdDir: string | null) {
  try {
    if (await isFileAt(file, lockPath)) await Deno.remove(lockPath);
  } catch { /* gone */ }
  file.close();
  if (createdDir !== null) await Deno.remove(createdDir).catch(() => {});
}
