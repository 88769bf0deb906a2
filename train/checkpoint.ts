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
import path from "node:path";

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
export class CheckpointError extends Error {
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
  if (bytes.length < MAGIC.length || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new CheckpointError(`${name} is not a bnn checkpoint (bad magic bytes)`);
  }
  if (bytes.length < PREFIX_BYTES) {
    throw new CheckpointError(
      `checkpoint ${name} is truncated (${bytes.length} of at least ${PREFIX_BYTES} bytes)`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== CHECKPOINT_VERSION) {
    throw new CheckpointError(
      `unknown checkpoint version ${version} in ${name} (this bnn reads version ${CHECKPOINT_VERSION})`,
    );
  }
  const headerBytes = view.getUint32(12, true);
  const payloadBytes = view.getFloat64(16, true);
  const total = PREFIX_BYTES + payloadBytes;
  if (bytes.length < total) {
    throw new CheckpointError(
      `checkpoint ${name} is truncated (${bytes.length} of ${total} bytes)`,
    );
  }
  if (bytes.length > total) {
    throw new CheckpointError(
      `checkpoint ${name} has ${bytes.length - total} trailing bytes (expected ${total} bytes)`,
    );
  }
  const payload = bytes.subarray(PREFIX_BYTES);
  const digest = createHash("sha256").update(payload).digest();
  if (digest.some((b, i) => bytes[24 + i] !== b)) {
    throw new CheckpointError(`checkpoint ${name} is corrupt (SHA-256 checksum mismatch)`);
  }
  let header: { meta: M; blobs: { name: string; offset: number; length: number }[] };
  try {
    header = JSON.parse(new TextDecoder().decode(payload.subarray(0, headerBytes)));
  } catch (e) {
    throw new CheckpointError(
      `checkpoint ${name} has an unreadable header: ${(e as Error).message}`,
    );
  }
  const blobStart = Math.ceil(headerBytes / 8) * 8;
  const blobs: Record<string, Float32Array> = {};
  for (const b of header.blobs) {
    const start = blobStart + b.offset;
    const end = start + b.length * 4;
    if (end > payload.length) {
      throw new CheckpointError(
        `checkpoint ${name} blob '${b.name}' runs past the end of the file`,
      );
    }
    blobs[b.name] = new Float32Array(payload.slice(start, end).buffer);
  }
  return { meta: header.meta, blobs };
}

/**
 * Writes a checkpoint atomically: a temp file beside `file`, fsync, then rename over `file`, so
 * a crash leaves either the old or the new checkpoint, never a partial one.
 *
 * @param file The destination path.
 * @param ckpt The metadata and blobs.
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
    bytes = await Deno.readFile(file);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new CheckpointError(`checkpoint ${file} does not exist`);
    }
    throw new CheckpointError(`cannot read checkpoint ${file}: ${(e as Error).message}`);
  }
  return decodeCheckpoint<M>(bytes, file);
}

/**
 * Writes bytes or text atomically (temp file in the same folder + fsync + rename).
 *
 * @param file The destination path.
 * @param data The content.
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
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const dir = path.dirname(file);
  const tmp = path.join(
    dir,
    `.${path.basename(file)}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`,
  );
  const f = await Deno.open(tmp, { write: true, create: true, truncate: true });
  try {
    try {
      let written = 0;
      while (written < bytes.length) written += await f.write(bytes.subarray(written));
      await f.sync();
    } finally {
      f.close();
    }
    await Deno.rename(tmp, file);
  } catch (e) {
    // a failed write (disk full) or rename leaves no temp file behind
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}
