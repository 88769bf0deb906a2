/**
 * gzip decompression with the web-standard `DecompressionStream`, for the MNIST `.gz`
 * files and the CIFAR `.tar.gz` archives. A damaged or truncated stream becomes a
 * {@linkcode DataError} that names the file.
 *
 * @module
 */

import { DataError } from "./data_error.ts";

/**
 * Whether `bytes` starts with the gzip magic number `1f 8b`.
 *
 * @example Usage
 * ```ts
 * import { isGzip } from "./gunzip.ts";
 * if (!isGzip(new Uint8Array([0x1f, 0x8b, 8]))) throw new Error("not detected");
 * if (isGzip(new Uint8Array([0, 0, 8, 3]))) throw new Error("false positive");
 * ```
 */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses a whole gzip file held in memory.
 *
 * @param bytes The gzip bytes.
 * @param file The file name, for error messages.
 * @returns The decompressed bytes.
 * @throws {DataError} If the stream is corrupt or truncated.
 *
 * @example Usage
 * ```ts
 * import { gunzip } from "./gunzip.ts";
 * const gz = await new Response(
 *   new Blob([new Uint8Array([1, 2, 3])]).stream().pipeThrough(new CompressionStream("gzip")),
 * ).bytes();
 * const out = await gunzip(gz, "x.gz");
 * if (out.join() !== "1,2,3") throw new Error("round trip failed");
 * ```
 */
export async function gunzip(bytes: Uint8Array, file: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream();
  try {
    for await (const chunk of stream.pipeThrough(new DecompressionStream("gzip"))) {
      chunks.push(chunk);
      total += chunk.length;
    }
  } catch (cause) {
    throw new DataError(file, `corrupt or truncated gzip data (${errorText(cause)})`, { cause });
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/**
 * Decompresses a gzip stream chunk by chunk; errors (corrupt or truncated data) surface as a
 * {@linkcode DataError} naming `file` when the returned stream is read.
 *
 * @param input The gzip byte stream.
 * @param file The file name, for error messages.
 * @returns The decompressed byte stream.
 *
 * @example Usage
 * ```ts
 * import { gunzipStream } from "./gunzip.ts";
 * const gz = new Blob([new Uint8Array([7, 8])]).stream().pipeThrough(new CompressionStream("gzip"));
 * const out = await new Response(gunzipStream(gz, "x.gz")).bytes();
 * if (out.join() !== "7,8") throw new Error("round trip failed");
 * ```
 */
export function gunzipStream(
  input: ReadableStream<Uint8Array>,
  file: string,
): ReadableStream<Uint8Array> {
  const gzip = new DecompressionStream("gzip") as unknown as TransformStream<
    Uint8Array,
    Uint8Array
  >;
  const inner = input.pipeThrough(gzip).getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await inner.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (cause) {
        controller.error(
          new DataError(file, `corrupt or truncated gzip data (${errorText(cause)})`, { cause }),
        );
      }
    },
    cancel(reason) {
      return inner.cancel(reason);
    },
  });
}

function errorText(e: unknown): string {
  const text = (e instanceof Error ? e.message : String(e)).split("\n")[0];
  // what Deno's DecompressionStream says when bytes follow the end of the gzip stream
  if (text === "failed to write whole buffer") {
    return "bytes after the end of the gzip stream: trailing garbage or a second gzip member";
  }
  return text;
}
