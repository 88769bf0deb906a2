/**
 * Downloads into the dataset cache that are killed midway, or run by two processes at once
 * (train/data/download.ts), against a slow server on 127.0.0.1: 1 MiB in 32 KiB pieces every
 * 10 ms, about 0.3 s per download.
 *
 * @module
 */
import assert from "node:assert/strict";
import path from "node:path";
import { createHash } from "node:crypto";
import { downloadFile } from "../../../train/data/download.ts";
import { loadDataset } from "../../../train/data/load_dataset.ts";
import { parseTempName } from "../../../train/temp_files.ts";
import { denoCommand, listFiles, runDeno } from "../_run_folder.ts";

const SCRIPT = "tests/train/data/_download_main.ts";
const BYTES = new Uint8Array(1 << 20).map((_, i) => (i * 2654435761) >>> 24);
const MD5 = createHash("md5").update(BYTES).digest("hex");

/** Serves BYTES slowly at any path; counts the requests and the most served at once. */
async function withSlowServer(
  fn: (url: string, stats: () => { hits: number; most: number }) => Promise<void>,
) {
  let hits = 0, serving = 0, most = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    hits++;
    most = Math.max(most, ++serving);
    let at = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        return new Promise((resolve) => {
          timer = setTimeout(() => {
            controller.enqueue(BYTES.slice(at, at + 32768));
            at += 32768;
            if (at >= BYTES.length) controller.close(), serving--;
            resolve();
          }, 10);
        });
      },
      cancel() {
        clearTimeout(timer);
        serving--;
      },
    });
    return new Response(body, { headers: { "content-length": String(BYTES.length) } });
  });
  try {
    await fn(
      `http://127.0.0.1:${server.addr.port}/t10k-images-idx3-ubyte.gz`,
      () => ({ hits, most }),
    );
  } finally {
    await server.shutdown();
  }
}

Deno.test("a download SIGKILLed midway leaves no file a later run trusts, and the next one cleans up", async () => {
  await withSlowServer(async (url) => {
    const dir = await Deno.makeTempDir();
    try {
      const cache = `${dir}/cache`;
      const dest = `${cache}/mnist/t10k-images-idx3-ubyte.gz`;
      const child = denoCommand(SCRIPT, [url, dest, MD5]).spawn();
      // kill once a third of the file is on disk
      let temp: string | undefined;
      for (let i = 0; i < 3000 && temp === undefined; i++) {
        await new Promise((r) => setTimeout(r, 5));
        for (const f of await listFiles(path.dirname(dest))) {
          const size = await Deno.stat(path.join(path.dirname(dest), f)).then(
            (s) => s.size,
            () => 0,
          );
          if (parseTempName(f)?.pid === child.pid && size > BYTES.length / 3) temp = f;
        }
      }
      child.kill("SIGKILL");
      const status = await child.status;
      await child.stdout.cancel();
      await child.stderr.cancel();
      assert.equal(status.signal, "SIGKILL");
      assert.ok(temp !== undefined, "the download was under way");
      // only the killed process's temp file, partial; the file itself is absent
      const left = await listFiles(cache);
      assert.deepEqual(left, [`mnist/${temp}`]);
      assert.ok((await Deno.stat(`${cache}/mnist/${temp}`)).size < BYTES.length);
      // a later run does not take the temp file for the dataset
      await assert.rejects(
        () =>
          loadDataset("mnist", "test", {
            dataDir: `${dir}/none`,
            cacheDir: cache,
            download: false,
          }),
        /t10k-images-idx3-ubyte\.gz: not found in .*downloading is off/,
      );
      // the next download of the file removes it and ends with the whole file
      await downloadFile([url], dest, { md5: MD5 });
      assert.deepEqual(await listFiles(cache), ["mnist/t10k-images-idx3-ubyte.gz"]);
      assert.deepEqual(await Deno.readFile(dest), BYTES);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});

Deno.test("two processes downloading the same file into one cache both end with the one correct file", async () => {
  await withSlowServer(async (url, stats) => {
    const dir = await Deno.makeTempDir();
    try {
      const dest = `${dir}/cache/mnist/t10k-images-idx3-ubyte.gz`;
      const [a, b] = await Promise.all([
        runDeno(SCRIPT, [url, dest, MD5]),
        runDeno(SCRIPT, [url, dest, MD5]),
      ]);
      assert.equal(a.code, 0, a.stderr);
      assert.equal(b.code, 0, b.stderr);
      assert.deepEqual(stats(), { hits: 2, most: 2 }, "both downloaded it, at the same time");
      assert.deepEqual(await listFiles(`${dir}/cache`), ["mnist/t10k-images-idx3-ubyte.gz"]);
      assert.deepEqual(await Deno.readFile(dest), BYTES);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});
