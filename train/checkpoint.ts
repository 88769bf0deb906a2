/**
 * Training checkpoints: one self-describing binary file per snapshot.
 *
 * Layout (all integers little-endian):
 *
 * | bytes | field |
 * |---|---|
 * | 8 | magic `"BNNCKPT\0"` |
 * | 4 | format version (uint32, {@linkcode CHECKPOINT_VERSION}) |
 * | 4 | header length H in bytes (uint32) |
 * | 8 | payload length P in bytes (float64, header + padding + blobs) |
 * | 32 | SHA-256 of the payload |
 * | H | JSON header (UTF-8): free-form `meta` plus a `blobs` table `{name, offset, length}` |
 * | … | zero padding to a multiple of 8, then the float32 blobs back to back |
 *
 * The header carries everything that is not a big array (config, model spec, epoch, step, Rng
 * states, metrics so far); the blobs carry the float32 state (BayesBiNN λ and the lagged μ, plus
 * the momentum only when β > 0 and the prior λ₀ only once set (continual learning); STE latent
 * weights and Adam moments; BatchNorm running statistics). Writing is atomic: a temp file in the same folder,
 * fsync, rename. Reading checks magic, version, length and checksum and fails with one clear line.
 * @module
 */
import { createHash } from "node:crypto";
import { oneLine, UserError } from "../cli/errors.ts";
import { tempPathFor } from "./temp_files.ts";
import { writeError } from "./write_error.ts";

/** The checkpoint format version this code writes and reads. */
export const CHECKPOINT_VERSION = 1;

const MAGIC = new TextEncoder().encode("BNNCKPT\0");
const PREFIX_BYTES = 8 + 4 + 4 + 8 + 32;

/** A checkpoint's content: JSON-able metadata and named float32 arrays. */
export interface Checkpoint<M = Record<string, unknown>> {
  /** Everything that is not a big array; must survive `JSON.stringify`. */
  meta: M;
  /** Named float32 arrays (optimizer and BatchNorm state). */
  blobs: Record<string, Float32Array>;
}

/**
 * A checkpoint file that cannot be read: wrong magic, unknown version, truncated, corrupt.
 *
 * @example Usage
 * ```ts
 * import { CheckpointError } from "./checkpoint.ts";
 * const e = new CheckpointError("checkpoint x.ckpt is truncated (10 of 20 bytes)");
 * if (e.name !== "CheckpointError") throw new Error("wrong name");
 * ```
 */
export class CheckpointError extends UserError {
  /** @param message One line naming the file and the problem. */
  constructor(message: string) {
    super(message);
    this.name = "CheckpointError";
  }
}

/**
 * Serializes a checkpoint to bytes (see the module doc for the layout).
 *
 * @param ckpt The metadata and blobs.
 * @returns The file's bytes.
 *
 * @example Usage
 * ```ts
 * import { decodeCheckpoint, encodeCheckpoint } from "./checkpoint.ts";
 * const bytes = encodeCheckpoint({ meta: { epoch: 3 }, blobs: { w: new Float32Array([1, -1]) } });
 * const back = decodeCheckpoint(bytes, "mem");
 * if (back.blobs.w[1] !== -1) throw new Error("round trip failed");
 * ```
 */
export function encodeCheckpoint(ckpt: Checkpoint<unknown>): Uint8Array {
  const table: { name: string; offset: number; length: number }[] = [];
  let offset = 0;
  for (const [name, arr] of Object.entries(ckpt.blobs)) {
    if (!(arr instanceof Float32Array)) {
      throw new TypeError(`Cannot encode checkpoint blob '${name}' as it is not a Float32Array`);
    }
    table.push({ name, offset, length: arr.length });
    offset += arr.length * 4;
  }
  const header = new TextEncoder().encode(JSON.stringify({ meta: ckpt.meta, blobs: table }));
  const blobStart = Math.ceil(header.length / 8) * 8;
  const payloadBytes = blobStart + offset;
  const out = new Uint8Array(PREFIX_BYTES + payloadBytes);
  const payload = out.subarray(PREFIX_BYTES);
  payload.set(header, 0);
  for (const { name, offset } of table) {
    const arr = ckpt.blobs[name]!;
    payload.set(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength), blobStart + offset);
  }
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(8, CHECKPOINT_VERSION, true);
  view.setUint32(12, header.length, true);
  view.setFloat64(16, payloadBytes, true);
  out.set(createHash("sha256").update(payload).digest(), 24);
  return out;
}

/**
 * Parses checkpoint bytes, validating magic, version, length and checksum.
 *
 * @param bytes The file's bytes.
 * @param name The file name, for error messages.
 * @returns The metadata and blobs (fresh, aligned Float32Arrays).
 * @throws {CheckpointError} If the bytes are not a valid checkpoint.
 *
 * @example Usage
 * ```ts
 * import { CheckpointError, decodeCheckpoint } from "./checkpoint.ts";
 * try {
 *   decodeCheckpoint(new Uint8Array(4), "bad.ckpt");
 *   throw new Error("should fail");
 * } catch (e) {
 *   if (!(e instanceof CheckpointError)) throw e;
 * }
 * ```
 */
export function decodeCheckpoint<M = Record<string, unknown>>(
  bytes: Uint8Array,
  name: string,
): Checkpoint<M> {
  const { headerBytes } = checkPrefix(bytes, bytes.length, name);
  const payload = bytes.subarray(PREFIX_BYTES);
  const digest = createHash("sha256").update(payload).digest();
  if (digest.some((b, i) => bytes[24 + i] !== b)) {
    throw new CheckpointError(`checkpoint ${name} is corrupt (SHA-256 checksum mismatch)`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(payload.subarray(0, headerBytes)));
  } catch (e) {
    throw new CheckpointError(
      `checkpoint ${name} has an unreadable header: ${oneLine((e as Error).message, 200)}`,
    );
  }
  const bad = (what: string) => new CheckpointError(`checkpoint ${name} has a bad header: ${what}`);
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    throw bad("not a JSON object");
  }
  const { meta, blobs: table } = header as { meta?: unknown; blobs?: unknown };
  if (!("meta" in header)) throw bad("no meta");
  if (!Array.isArray(table)) throw bad("no blobs table");
  const blobStart = Math.ceil(headerBytes / 8) * 8;
  const blobs: Record<string, Float32Array> = {};
  for (const [i, b] of table.entries()) {
    const { name: blob, offset, length } = (b ?? {}) as Record<string, unknown>;
    if (typeof blob !== "string" || blob === "__proto__" || Object.hasOwn(blobs, blob)) {
      throw bad(`blob ${i} has a missing, reserved or repeated name`);
    }
    if (
      !Number.isSafeInteger(offset) || (offset as number) < 0 || (offset as number) % 4 !== 0 ||
      !Number.isSafeInteger(length) || (length as number) < 0
    ) {
      throw bad(`blob '${oneLine(blob, 80)}' has a bad offset or length`);
    }
    const start = blobStart + (offset as number);
    const end = start + (length as number) * 4;
    if (end > payload.length) {
      throw new CheckpointError(
        `checkpoint ${name} blob '${oneLine(blob, 80)}' runs past the end of the file`,
      );
    }
    blobs[blob] = new Float32Array(payload.slice(start, end).buffer);
  }
  return { meta: meta as M, blobs };
}

/**
 * Checks a checkpoint's fixed prefix (magic, version, header and payload lengths) against the
 * file's size, before anything is allocated from it; returns the two lengths.
 */
function checkPrefix(
  prefix: Uint8Array,
  size: number,
  name: string,
): { headerBytes: number; payloadBytes: number } {
  if (prefix.length < MAGIC.length || MAGIC.some((b, i) => prefix[i] !== b)) {
    throw new CheckpointError(`${name} is not a bnn checkpoint (bad magic bytes)`);
  }
  if (size < PREFIX_BYTES || prefix.length < PREFIX_BYTES) {
    throw new CheckpointError(
      `checkpoint ${name} is truncated (${size} of at least ${PREFIX_BYTES} bytes)`,
    );
  }
  const view = new DataView(prefix.buffer, prefix.byteOffset, PREFIX_BYTES);
  const version = view.getUint32(8, true);
  if (version !== CHECKPOINT_VERSION) {
    throw new CheckpointError(
      `unknown checkpoint version ${version} in ${name} (this bnn reads version ${CHECKPOINT_VERSION})`,
    );
  }
  const headerBytes = view.getUint32(12, true);
  const payloadBytes = view.getFloat64(16, true);
  if (!Number.isSafeInteger(payloadBytes) || payloadBytes < 0) {
    throw new CheckpointError(
      `checkpoint ${name} is corrupt: its payload length field reads ${
        Number.isFinite(payloadBytes) ? payloadBytes : "no number"
      }, not a byte count`,
    );
  }
  if (payloadBytes < headerBytes) {
    throw new CheckpointError(
      `checkpoint ${name} is corrupt: its ${payloadBytes}-byte payload cannot hold its ${headerBytes}-byte header`,
    );
  }
  const total = PREFIX_BYTES + payloadBytes;
  if (size < total) {
    throw new CheckpointError(`checkpoint ${name} is truncated (${size} of ${total} bytes)`);
  }
  if (size > total) {
    throw new CheckpointError(
      `checkpoint ${name} has ${size - total} trailing bytes (expected ${total} bytes)`,
    );
  }
  return { headerBytes, payloadBytes };
}

/**
 * Writes a checkpoint atomically: a temp file beside `file`, fsync, then rename over `file`, so
 * a crash leaves either the old or the new checkpoint, never a partial one.
 *
 * @param file The destination path.
 * @param ckpt The metadata and blobs.
 * @throws {WriteError} When the folder cannot be written (see {@linkcode writeFileAtomic}); the
 *   previous checkpoint at `file` is then kept.
 *
 * @example Usage
 * ```ts
 * import { loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
 * const dir = await Deno.makeTempDir();
 * await saveCheckpoint(`${dir}/a.ckpt`, { meta: { step: 1 }, blobs: {} });
 * const back = await loadCheckpoint(`${dir}/a.ckpt`);
 * if (back.meta.step !== 1) throw new Error("round trip failed");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function saveCheckpoint(file: string, ckpt: Checkpoint<unknown>): Promise<void> {
  await writeFileAtomic(file, encodeCheckpoint(ckpt));
}

/**
 * Reads and validates a checkpoint file.
 *
 * @param file The path.
 * @returns The metadata and blobs.
 * @throws {CheckpointError} If the file is missing or not a valid checkpoint.
 *
 * @example Usage
 * ```ts
 * import { CheckpointError, loadCheckpoint } from "./checkpoint.ts";
 * try {
 *   await loadCheckpoint("/nonexistent/last.ckpt");
 * } catch (e) {
 *   if (!(e instanceof CheckpointError)) throw e;
 * }
 * ```
 */
export async function loadCheckpoint<M = Record<string, unknown>>(
  file: string,
): Promise<Checkpoint<M>> {
  let bytes: Uint8Array;
  try {
    const stat = await Deno.stat(file);
    if (!stat.isFile) {
      throw new CheckpointError(
        `checkpoint ${file} is ${stat.isDirectory ? "a folder" : "not a regular file"}`,
      );
    }
    // the prefix first: a lying length, or a huge file that is no checkpoint, is refused unread
    using f = await Deno.open(file);
    const prefix = new Uint8Array(PREFIX_BYTES);
    let got = 0;
    for (let n: number | null = 0; n !== null && got < PREFIX_BYTES; got += n ?? 0) {
      n = await f.read(prefix.subarray(got));
    }
    checkPrefix(prefix.subarray(0, got), stat.size, file);
    bytes = await Deno.readFile(file);
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    if (e instanceof Deno.errors.NotFound) {
      throw new CheckpointError(`checkpoint ${file} does not exist`);
    }
    throw new CheckpointError(
      `cannot read checkpoint ${file}: ${oneLine((e as Error).message, 200)}`,
    );
  }
  return decodeCheckpoint<M>(bytes, file);
}

/**
 * Writes bytes or text atomically: a temp file beside `file` (`.NAME.<pid>.<hex>.tmp`, see
 * ./temp_files.ts), fsync, then a rename over `file`. A process killed at any moment leaves the
 * old `file` or the new one, never a torn one; a failed write (disk full, no permission) removes
 * its temp file, keeps the old `file` and throws one line naming `file` and the cause.
 *
 * @param file The destination path.
 * @param data The content.
 * @throws {WriteError} When the folder cannot be written: no space left on device, permission
 *   denied, read-only file system, missing folder, ...
 *
 * @example Usage
 * ```ts
 * import { writeFileAtomic } from "./checkpoint.ts";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/x.json`, "{}");
 * if (await Deno.readTextFile(`${dir}/x.json`) !== "{}") throw new Error("not written");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const tmp = await writeTempFile(file, data);
  try {
    await Deno.rename(tmp, file);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw writeError(file, e) ?? e;
  }
}

/**
 * The first half of {@linkcode writeFileAtomic}: writes `data` to a fresh temp file beside
 * `file` and fsyncs it; renaming it over `file` is the caller's (to replace several files
 * together). A failed write removes the temp file.
 *
 * @param file The destination path.
 * @param data The content.
 * @returns The temp file's path.
 * @throws {WriteError} When the folder cannot be written (no space, no permission, ...).
 *
 * @example Usage
 * ```ts
 * import { writeTempFile } from "./checkpoint.ts";
 * const dir = await Deno.makeTempDir();
 * const tmp = await writeTempFile(`${dir}/x.json`, "{}");
 * await Deno.rename(tmp, `${dir}/x.json`);
 * if (await Deno.readTextFile(`${dir}/x.json`) !== "{}") throw new Error("not written");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeTempFile(file: string, data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const tmp = tempPathFor(file);
  let f: Deno.FsFile | null = null;
  try {
    f = await Deno.open(tmp, { write: true, createNew: true });
    let written = 0;
    while (written < bytes.length) written += await f.write(bytes.subarray(written));
    await f.sync();
    f.close();
    f = null;
    return tmp;
  } catch (e) {
    try {
      f?.close();
    } catch { /* already closed */ }
    // a failed write (disk full) leaves no temp file behind
    await Deno.remove(tmp).catch(() => {});
    throw writeError(file, e) ?? e;
  }
}
