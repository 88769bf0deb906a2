/**
 * Test helpers for train/data: temporary folders, gzip, a hand-built ustar writer and
 * CIFAR-binary records. (The real datasets: tests/_fixtures/real_data.ts.)
 *
 * @module
 */

import path from "node:path";

/** Runs `fn` with a fresh temporary folder, removed afterwards. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "bnn-data-test-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** gzip-compresses bytes with the web CompressionStream. */
export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return await new Response(stream).bytes();
}

/** A tar member for {@linkcode makeTar}: a regular file unless `type` says otherwise. */
export interface FakeMember {
  name: string;
  data?: Uint8Array;
  type?: string;
  prefix?: string;
}

/** Builds a ustar archive by hand (header fields at their POSIX offsets). */
export function makeTar(members: FakeMember[]): Uint8Array {
  const enc = new TextEncoder();
  const blocks: Uint8Array[] = [];
  for (const m of members) {
    const data = m.data ?? new Uint8Array(0);
    const h = new Uint8Array(512);
    h.set(enc.encode(m.name).subarray(0, 100), 0);
    h.set(enc.encode("0000644\0"), 100);
    h.set(enc.encode("0000000\0"), 108);
    h.set(enc.encode("0000000\0"), 116);
    h.set(enc.encode(data.length.toString(8).padStart(11, "0") + "\0"), 124);
    h.set(enc.encode("00000000000\0"), 136);
    h[156] = (m.type ?? "0").charCodeAt(0);
    h.set(enc.encode("ustar\0" + "00"), 257);
    if (m.prefix) h.set(enc.encode(m.prefix), 345);
    h.fill(0x20, 148, 156);
    const sum = h.reduce((a, b) => a + b, 0);
    h.set(enc.encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
    blocks.push(h);
    const padded = new Uint8Array(Math.ceil(data.length / 512) * 512);
    padded.set(data);
    blocks.push(padded);
  }
  blocks.push(new Uint8Array(1024));
  const out = new Uint8Array(blocks.reduce((a, b) => a + b.length, 0));
  let o = 0;
  for (const b of blocks) {
    out.set(b, o);
    o += b.length;
  }
  return out;
}

/** The test pattern pixel of record `r`, channel `c`, plane position `p` (CHW). */
export function pattern(r: number, c: number, p: number): number {
  return (r * 31 + c * 101 + p * 7) & 255;
}

/**
 * CIFAR-binary records (3072 pixels each) with the given label bytes per record and
 * {@linkcode pattern} pixels, records numbered from `first`.
 */
export function cifarRecords(labels: number[][], first = 0): Uint8Array {
  const labelBytes = labels[0].length;
  const size = labelBytes + 3072;
  const out = new Uint8Array(labels.length * size);
  labels.forEach((ls, i) => {
    const o = i * size;
    out.set(ls, o);
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < 1024; p++) out[o + labelBytes + c * 1024 + p] = pattern(first + i, c, p);
    }
  });
  return out;
}

/** Paths of leftover temporary files (`*.tmp`) under a folder. */
export async function tmpFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  async function walk(d: string) {
    for await (const e of Deno.readDir(d)) {
      const p = path.join(d, e.name);
      if (e.isDirectory) await walk(p);
      else if (e.name.endsWith(".tmp")) found.push(p);
    }
  }
  await walk(dir).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
  return found;
}
