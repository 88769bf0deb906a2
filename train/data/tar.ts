/**
 * A streaming reader for ustar archives (POSIX.1-1988, with the GNU `L` long-name and
 * pax `x` path extensions), as used by the official `cifar-10-binary.tar.gz` and
 * `cifar-100-binary.tar.gz`.
 *
 * An archive is a sequence of 512-byte blocks: a header block (name at 0..100, size in
 * octal at 124..136, checksum at 148..156, type flag at 156, `ustar` magic at 257, name
 * prefix at 345..500), then the member's data padded to a multiple of 512, and so on,
 * ended by two zero blocks. The header checksum is the sum of the 512 header bytes with the
 * checksum field counted as spaces.
 *
 * Every member name is checked before anything else is done with it: an absolute path, a
 * drive letter, a backslash or a `..` segment is refused with a {@linkcode DataError}, so an
 * archive can never write outside the folder it is extracted into.
 *
 * @module
 */

import path from "node:path";
import { DataError } from "./data_error.ts";
import { gunzipStream, isGzip } from "./gunzip.ts";
import { readError } from "./_util.ts";

/** One archive member as read by {@linkcode readTar}. */
export interface TarMember {
  /** The member's path inside the archive, `/`-separated, checked to be relative and safe. */
  name: string;
  /** `"file"` for a regular file, `"directory"`, or `"other"` (links, devices, ...). */
  type: "file" | "directory" | "other";
  /** The size in bytes of the member's data. */
  size: number;
  /** The data for wanted regular files; `null` for members that were skipped. */
  data: Uint8Array | null;
}

/** Options for {@linkcode readTar}. */
export interface ReadTarOptions {
  /** The archive's name, for error messages. */
  source: string;
  /** Which regular files to read into memory (default: all); others are skipped unread. */
  want?: (name: string) => boolean;
}

const BLOCK = 512;

/**
 * Reads a tar archive member by member, without ever holding more than one member.
 *
 * @param input The (already decompressed) tar byte stream.
 * @param options The archive name for errors and which members to read.
 * @returns The members, in archive order.
 * @throws {DataError} On a bad header checksum, a truncated archive, or an unsafe member path.
 *
 * @example Usage
 * ```ts
 * import { readTar } from "./tar.ts";
 * // A one-member archive: header, 1 data block, 2 end blocks.
 * const tar = new Uint8Array(512 * 4);
 * const enc = new TextEncoder();
 * tar.set(enc.encode("a.txt"), 0);
 * tar.set(enc.encode("0000644\0"), 100);
 * tar.set(enc.encode("00000000003\0"), 124);
 * tar[156] = 0x30;
 * tar.set(enc.encode("ustar\x0000"), 257);
 * tar.set(enc.encode("hi\n"), 512);
 * tar.fill(0x20, 148, 156);
 * const sum = tar.subarray(0, 512).reduce((a, b) => a + b, 0);
 * tar.set(enc.encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
 * const names = [];
 * for await (const m of readTar(new Blob([tar]).stream(), { source: "t.tar" })) {
 *   names.push(`${m.name}:${new TextDecoder().decode(m.data!)}`);
 * }
 * if (names.join() !== "a.txt:hi\n") throw new Error(names.join());
 * ```
 */
export async function* readTar(
  input: ReadableStream<Uint8Array>,
  options: ReadTarOptions,
): AsyncGenerator<TarMember> {
  const { source } = options;
  const want = options.want ?? (() => true);
  const reader = new BlockReader(input, source);
  let longName: string | null = null;
  try {
    while (true) {
      const offset = reader.position;
      const header = await reader.read(BLOCK, true);
      if (header === null || header.every((b) => b === 0)) return;
      checkChecksum(header, source, offset);
      const size = parseOctal(header.subarray(124, 136), source, offset, "size");
      const flag = String.fromCharCode(header[156]);
      let name = longName ?? headerName(header);
      longName = null;
      const padded = Math.ceil(size / BLOCK) * BLOCK;
      const what = `the ${size}-byte member ${JSON.stringify(name)} (header at byte ${offset})`;
      if (flag === "L" || flag === "x" || flag === "g") {
        // GNU long name or pax extended header: their data describes the next member.
        const data = await reader.read(padded, false, what);
        const text = new TextDecoder().decode(data!.subarray(0, size));
        if (flag === "L") longName = text.replace(/\0.*$/s, "");
        if (flag === "x") longName = paxPath(text) ?? null;
        continue;
      }
      name = checkMemberName(name, source);
      const type = flag === "0" || flag === "\0" || flag === "7"
        ? "file"
        : flag === "5"
        ? "directory"
        : "other";
      if (type === "file" && want(name)) {
        const data = await reader.read(padded, false, what);
        yield { name, type, size, data: data!.slice(0, size) };
      } else {
        await reader.skip(padded, what);
        yield { name, type, size, data: null };
      }
    }
  } finally {
    await reader.cancel();
  }
}

/**
 * Opens a `.tar` or `.tar.gz` file (gzip is detected from the first two bytes) as a stream
 * of tar bytes for {@linkcode readTar}.
 *
 * @param file The archive path.
 * @returns The decompressed tar byte stream.
 * @throws {DataError} If the file does not exist.
 *
 * @example Usage
 * ```ts
 * import { openTar, readTar } from "./tar.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeFile(`${dir}/empty.tar`, new Uint8Array(1024));
 * let n = 0;
 * for await (const _ of readTar(await openTar(`${dir}/empty.tar`), { source: "empty.tar" })) n++;
 * await Deno.remove(dir, { recursive: true });
 * if (n !== 0) throw new Error("expected no members");
 * ```
 */
export async function openTar(file: string): Promise<ReadableStream<Uint8Array>> {
  let f: Deno.FsFile;
  try {
    const stat = await Deno.stat(file);
    if (!stat.isFile) {
      throw new DataError(
        file,
        stat.isDirectory ? "is a folder, not a file" : "is not a regular file",
      );
    }
    f = await Deno.open(file);
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw readError(file, e) ?? e;
  }
  const head = new Uint8Array(2);
  const n = await f.read(head);
  await f.seek(0, Deno.SeekMode.Start);
  const stream = f.readable;
  return n === 2 && isGzip(head) ? gunzipStream(stream, file) : stream;
}

/**
 * Extracts the wanted regular files of a `.tar` or `.tar.gz` archive under `destDir`. Each
 * file is written to a temporary name and renamed into place, so a torn extraction never
 * leaves a complete-looking file. Links and other special members are never created.
 *
 * @param file The archive path.
 * @param destDir The folder to extract into (created if missing).
 * @param want Which member names to extract (default: all regular files).
 * @returns The paths written, in archive order.
 * @throws {DataError} If the archive is damaged or a member path would escape `destDir`.
 *
 * @example Usage
 * ```ts
 * import { extractTar } from "./tar.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeFile(`${dir}/empty.tar`, new Uint8Array(1024));
 * const written = await extractTar(`${dir}/empty.tar`, `${dir}/out`);
 * await Deno.remove(dir, { recursive: true });
 * if (written.length !== 0) throw new Error("expected nothing");
 * ```
 */
export async function extractTar(
  file: string,
  destDir: string,
  want?: (name: string) => boolean,
): Promise<string[]> {
  const root = path.resolve(destDir);
  const written: string[] = [];
  for await (const member of readTar(await openTar(file), { source: file, want })) {
    if (member.type !== "file" || member.data === null) continue;
    const target = path.resolve(root, member.name);
    if (!target.startsWith(root + path.sep)) {
      throw new DataError(
        file,
        `member ${JSON.stringify(member.name)} would be written outside ${root}`,
      );
    }
    const tmp = `${target}.${crypto.randomUUID()}.tmp`;
    try {
      await Deno.mkdir(path.dirname(target), { recursive: true });
      await Deno.writeFile(tmp, member.data);
      await Deno.rename(tmp, target);
    } catch (e) {
      await Deno.remove(tmp).catch(() => {});
      // e.g. a member "a/b" after a member file "a", or the cache not writable
      if (!(e instanceof Error) || !(e.name in Deno.errors)) throw e;
      throw new DataError(
        file,
        `cannot extract member ${JSON.stringify(member.name)} to ${target}: ${
          e.message.split("\n")[0]
        }`,
        { cause: e },
      );
    }
    written.push(target);
  }
  return written;
}

/**
 * Checks that an archive member name is a safe relative path and returns it without a
 * leading `./` or trailing `/`.
 *
 * @param name The member name as stored in the archive.
 * @param source The archive name, for error messages.
 * @returns The normalized name.
 * @throws {DataError} If the name is empty, absolute, has a drive letter or backslash, or a `..` segment.
 *
 * @example Usage
 * ```ts
 * import { checkMemberName } from "./tar.ts";
 * if (checkMemberName("./a/b.bin", "x.tar") !== "a/b.bin") throw new Error("not normalized");
 * try {
 *   checkMemberName("../evil", "x.tar");
 *   throw new Error("accepted");
 * } catch (e) {
 *   if (!(e as Error).message.includes("escape")) throw e;
 * }
 * ```
 */
export function checkMemberName(name: string, source: string): string {
  const bad = (why: string) =>
    new DataError(
      source,
      `refusing archive member ${JSON.stringify(name)}: ${why}; it would escape the folder`,
    );
  if (name.startsWith("/")) throw bad("absolute path");
  if (/^[A-Za-z]:/.test(name)) throw bad("drive letter");
  if (name.includes("\\")) throw bad("backslash in path");
  if (name.includes("\0")) throw bad("NUL in path");
  const parts = name.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) throw bad("'..' in path");
  if (parts.length === 0) throw new DataError(source, `archive member has an empty name`);
  return parts.join("/");
}

function headerName(header: Uint8Array): string {
  const name = cString(header.subarray(0, 100));
  const ustar = cString(header.subarray(257, 263)) === "ustar";
  const prefix = ustar ? cString(header.subarray(345, 500)) : "";
  return prefix ? `${prefix}/${name}` : name;
}

function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
}

function parseOctal(field: Uint8Array, source: string, offset: number, what: string): number {
  const text = cString(field).trim();
  if (!/^[0-7]+$/.test(text)) {
    throw new DataError(
      source,
      `bad tar header at byte ${offset}: ${what} field ${
        JSON.stringify(text)
      } is not an octal number`,
    );
  }
  return parseInt(text, 8);
}

function checkChecksum(header: Uint8Array, source: string, offset: number): void {
  const stored = parseOctal(header.subarray(148, 156), source, offset, "checksum");
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
  if (sum !== stored) {
    throw new DataError(
      source,
      `bad tar header checksum at byte ${offset}: stored ${stored}, computed ${sum} (not a tar archive, or damaged)`,
    );
  }
}

function paxPath(text: string): string | undefined {
  // Records are "<len> <key>=<value>\n".
  for (const line of text.split("\n")) {
    const m = /^\d+ path=(.*)$/s.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

/** Reads exact byte counts from a stream, keeping at most one pending chunk. */
class BlockReader {
  position = 0;
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #pending: Uint8Array = new Uint8Array(0);
  #source: string;

  constructor(input: ReadableStream<Uint8Array>, source: string) {
    this.#reader = input.getReader();
    this.#source = source;
  }

  /**
   * `n` bytes, or null at a clean end of stream when `eofOk` and nothing was read. The bytes are
   * gathered as they arrive and joined at the end, so a header that claims a huge size costs
   * only the data that is really there.
   */
  async read(n: number, eofOk: boolean, what = ""): Promise<Uint8Array | null> {
    const parts: Uint8Array[] = [];
    let filled = 0;
    while (filled < n) {
      if (this.#pending.length === 0) {
        const { done, value } = await this.#reader.read();
        if (done) {
          if (eofOk && filled === 0) return null;
          throw this.#truncated(n - filled, what);
        }
        this.#pending = value;
      }
      const take = Math.min(n - filled, this.#pending.length);
      parts.push(this.#pending.subarray(0, take));
      this.#pending = this.#pending.subarray(take);
      filled += take;
    }
    this.position += n;
    if (parts.length === 1) return parts[0];
    const out = new Uint8Array(n);
    let offset = 0;
    for (const p of parts) out.set(p, offset), offset += p.length;
    return out;
  }

  async skip(n: number, what = ""): Promise<void> {
    let left = n;
    while (left > 0) {
      if (this.#pending.length === 0) {
        const { done, value } = await this.#reader.read();
        if (done) throw this.#truncated(left, what);
        this.#pending = value;
      }
      const take = Math.min(left, this.#pending.length);
      this.#pending = this.#pending.subarray(take);
      left -= take;
    }
    this.position += n;
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }

  #truncated(missing: number, what: string): DataError {
    return new DataError(
      this.#source,
      `truncated tar archive: ${missing} more bytes expected after byte ${this.position}${
        what ? ` for ${what}` : ""
      }`,
    );
  }
}
