import assert from "node:assert/strict";
import path from "node:path";
import { downloadFile } from "../../../train/data/download.ts";
import { loadDataset } from "../../../train/data/load_dataset.ts";
import { DataError } from "../../../train/data/data_error.ts";
import { cifarRecords, gzip, makeTar, tmpFiles, withTempDir } from "./_fixtures.ts";
import { realDataDir, realDataTest } from "../../_fixtures/real_data.ts";

/** The real MNIST files, when the machine has them (the mirror's `/good` and `/bad` routes). */
const MNIST = path.join(realDataDir("mnist") ?? "/nonexistent", "mnist");

/** RFC 1321's last test string and its md5: a file with a sum known independently of bnn. */
const RFC_BYTES = new TextEncoder().encode("1234567890".repeat(8));
const RFC_MD5 = "57edf4a22be3c955ac49da2e2107b67a";

/**
 * A local mirror on 127.0.0.1: `/good/X` serves the real MNIST file X, `/bad/X` serves it with
 * one byte changed (wrong md5), `/K` serves `extra[K]`, anything else is a 404. `cutUrl` is a raw TCP server that
 * announces 1000 bytes, sends 300 and closes the connection.
 */
async function withMirror(
  fn: (base: string, cutUrl: string, hits: string[]) => Promise<void>,
  extra: Record<string, Uint8Array> = {},
) {
  const hits: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const { pathname } = new URL(req.url);
    hits.push(pathname);
    const [, kind, name] = pathname.split("/");
    if (Object.hasOwn(extra, kind)) return new Response(extra[kind] as Uint8Array<ArrayBuffer>);
    try {
      const bytes = await Deno.readFile(path.join(MNIST, name));
      if (kind === "bad") bytes[bytes.length >> 1] ^= 0xff;
      if (kind === "good" || kind === "bad") return new Response(bytes);
    } catch { /* 404 below */ }
    return new Response("no such file", { status: 404 });
  });
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const cutDone = (async () => {
    for await (const conn of listener) {
      const buf = new Uint8Array(4096);
      await conn.read(buf);
      const head = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n";
      await conn.write(new TextEncoder().encode(head));
      await conn.write(new Uint8Array(300).fill(1));
      conn.close();
    }
  })();
  try {
    await fn(
      `http://127.0.0.1:${server.addr.port}`,
      `http://127.0.0.1:${listener.addr.port}/cut`,
      hits,
    );
  } finally {
    listener.close();
    await cutDone.catch(() => {});
    await server.shutdown();
  }
}

realDataTest(
  "loadDataset() downloads missing MNIST files from a mirror into the cache",
  ["mnist"],
  async () => {
    await withMirror(async (base, _cut, hits) => {
      await withTempDir(async (dir) => {
        const opts = { dataDir: `${dir}/empty`, cacheDir: `${dir}/cache`, mirror: `${base}/good` };
        const ds = await loadDataset("mnist", "test", opts);
        assert.equal(ds.count, 10000);
        assert.deepEqual(hits, [
          "/good/t10k-images-idx3-ubyte.gz",
          "/good/t10k-labels-idx1-ubyte.gz",
        ]);
        for (const f of ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]) {
          assert.deepEqual(
            await Deno.readFile(`${dir}/cache/mnist/${f}`),
            await Deno.readFile(path.join(MNIST, f)),
          );
        }
        assert.deepEqual(await tmpFiles(dir), []);
        // The second load finds the cached files and downloads nothing.
        const again = await loadDataset("mnist", "test", { ...opts, download: false });
        assert.deepEqual(again.labels, ds.labels);
        assert.equal(hits.length, 2);
      });
    });
  },
);

realDataTest("loadDataset() takes the mirror from BNN_DATA_MIRROR and falls back along the list", [
  "mnist",
], async () => {
  await withMirror(async (base, cut, hits) => {
    await withTempDir(async (dir) => {
      const saved = Deno.env.get("BNN_DATA_MIRROR");
      Deno.env.set("BNN_DATA_MIRROR", `${base}/missing, ${cut},${base}/good/`);
      try {
        const ds = await loadDataset("mnist", "test", { dataDir: dir, cacheDir: `${dir}/cache` });
        assert.equal(ds.count, 10000);
      } finally {
        if (saved === undefined) Deno.env.delete("BNN_DATA_MIRROR");
        else Deno.env.set("BNN_DATA_MIRROR", saved);
      }
      assert.deepEqual(hits, [
        "/missing/t10k-images-idx3-ubyte.gz",
        "/good/t10k-images-idx3-ubyte.gz",
        "/missing/t10k-labels-idx1-ubyte.gz",
        "/good/t10k-labels-idx1-ubyte.gz",
      ]);
      assert.deepEqual(await tmpFiles(dir), []);
    });
  });
});

Deno.test("downloadFile() discards a download whose md5 is wrong", async () => {
  // any bytes but the official ones: here RFC 1321's test string
  await withMirror(async (base) => {
    await withTempDir(async (dir) => {
      await assert.rejects(
        () => loadDataset("mnist", "test", { dataDir: dir, cacheDir: dir, mirror: `${base}/bad` }),
        (e: Error) => {
          assert.ok(e instanceof DataError, String(e));
          assert.match(
            e.message,
            /^t10k-images-idx3-ubyte\.gz: not found in .*\/mnist, .*, and download failed: http:\/\/127\.0\.0\.1:\d+\/bad\/t10k-images-idx3-ubyte\.gz: md5 mismatch: got [0-9a-f]{32}, expected 9fb629c4189551a2d022fa330f9573f3 \(download discarded\) \(pass --data-dir DIR or set BNN_DATA_DIR to a folder that has it\)$/,
          );
          return true;
        },
      );
      await assert.rejects(
        () => Deno.stat(`${dir}/mnist/t10k-images-idx3-ubyte.gz`),
        Deno.errors.NotFound,
      );
      assert.deepEqual(await tmpFiles(dir), []);
    });
  }, { bad: RFC_BYTES });
});

Deno.test("downloadFile() leaves nothing behind when the connection is cut mid-file", async () => {
  await withMirror(async (base, cut) => {
    await withTempDir(async (dir) => {
      const dest = `${dir}/sub/file.bin`;
      await assert.rejects(() => downloadFile([cut, `${base}/missing/x`], dest), (e: Error) => {
        assert.ok(e instanceof DataError, String(e));
        assert.match(
          e.message,
          /^file\.bin: download failed: http:\/\/127\.0\.0\.1:\d+\/cut: connection /,
        );
        assert.match(e.message, /; http:\/\/127\.0\.0\.1:\d+\/missing\/x: HTTP 404 Not Found$/);
        assert.ok(!e.message.includes("\n"));
        return true;
      });
      await assert.rejects(() => Deno.stat(dest), Deno.errors.NotFound);
      assert.deepEqual(await tmpFiles(dir), []);
    });
  });
});

Deno.test("downloadFile() gives up on a mirror that stops sending", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const served = (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      await conn.read(new Uint8Array(4096));
      await conn.write(new TextEncoder().encode("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"));
      await conn.write(new Uint8Array(10));
      // ... and then nothing: the connection stays open.
    }
  })();
  try {
    await withTempDir(async (dir) => {
      const url = `http://127.0.0.1:${listener.addr.port}/slow`;
      await assert.rejects(
        () => downloadFile([url], `${dir}/s.bin`, { stallTimeoutMs: 300 }),
        /^DataError: s\.bin: download failed: http:\/\/127\.0\.0\.1:\d+\/slow: stalled: no data for 0\.3 s after 10 bytes$/,
      );
      assert.deepEqual(await tmpFiles(dir), []);
    });
  } finally {
    listener.close();
    for (const c of conns) c.close();
    await served.catch(() => {});
  }
});

Deno.test("downloadFile() saves a good file and checks its md5", async () => {
  await withMirror(async (base) => {
    await withTempDir(async (dir) => {
      await downloadFile([`${base}/rfc/x`], `${dir}/l.bin`, { md5: RFC_MD5.toUpperCase() });
      assert.deepEqual(await Deno.readFile(`${dir}/l.bin`), RFC_BYTES);
      await assert.rejects(() => downloadFile([], `${dir}/x`), RangeError);
      // A file: URL works as a mirror too.
      await downloadFile([`file://${dir}/l.bin`], `${dir}/f.bin`, { md5: RFC_MD5 });
      assert.deepEqual(await Deno.readFile(`${dir}/f.bin`), RFC_BYTES);
    });
  }, { rfc: RFC_BYTES });
});

Deno.test("loadDataset() downloads the CIFAR archive and discards it on a wrong md5", async () => {
  // A well-formed archive with the right member names but (of course) not the official md5.
  const fake = await gzip(
    makeTar([{ name: "cifar-100-binary/train.bin", data: cifarRecords([[1, 2]]) }]),
  );
  await withMirror(async (base, _cut, hits) => {
    await withTempDir(async (dir) => {
      const opts = { dataDir: dir, cacheDir: `${dir}/c`, mirror: base };
      await assert.rejects(
        () => loadDataset("cifar100", "train", opts),
        /^DataError: train\.bin: not found in .* \(nor cifar-100-binary\.tar\.gz\), and download failed: http:\/\/127\.0\.0\.1:\d+\/cifar-100-binary\.tar\.gz: md5 mismatch: got [0-9a-f]{32}, expected 03b5dce01913d631647c71ecec9e9cb8 \(download discarded\) \(pass --data-dir DIR or set BNN_DATA_DIR to a folder that has it\)$/,
      );
      assert.deepEqual(hits, ["/cifar-100-binary.tar.gz"]);
      assert.deepEqual(await tmpFiles(dir), []);
      await assert.rejects(
        () => Deno.stat(`${dir}/c/cifar-100/cifar-100-binary.tar.gz`),
        Deno.errors.NotFound,
      );
      await assert.rejects(
        () => loadDataset("cifar10", "test", { ...opts, mirror: `${base}/nothing` }),
        /^DataError: test_batch\.bin: not found in .*, and download failed: .*\/nothing\/cifar-10-binary\.tar\.gz: HTTP 404 Not Found \(pass --data-dir DIR or set BNN_DATA_DIR to a folder that has it\)$/,
      );
    });
  }, { "cifar-100-binary.tar.gz": fake });
});

Deno.test("loadDataset() with download: false names the missing file and where it looked", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(
      () =>
        loadDataset("mnist", "train", {
          dataDir: `${dir}/d`,
          cacheDir: `${dir}/c`,
          download: false,
        }),
      (e: Error) => {
        assert.ok(e instanceof DataError);
        assert.match(
          e.message,
          /^train-images-idx3-ubyte\.gz: not found in .*\/d\/mnist, .*\/c\/mnist, .*downloading is off/,
        );
        return true;
      },
    );
    await assert.rejects(
      () =>
        loadDataset("cifar10", "test", {
          dataDir: `${dir}/d`,
          cacheDir: `${dir}/c`,
          download: false,
        }),
      /test_batch\.bin: not found in .*\(nor cifar-10-binary\.tar\.gz\) and downloading is off/,
    );
  });
});
