import assert from "node:assert/strict";
import { decompressXzCached } from "../../../train/data/xz.ts";
import { DataError } from "../../../train/data/data_error.ts";
import { tmpFiles, withTempDir } from "./_fixtures.ts";

async function xzFile(file: string, text: string): Promise<void> {
  await Deno.writeTextFile(file, text);
  const r = await new Deno.Command("xz", { args: ["-f", file] }).output(); // file → file.xz
  assert.ok(r.success);
}

Deno.test("decompressXzCached() decompresses once and reuses the cached file", async () => {
  await withTempDir(async (dir) => {
    await xzFile(`${dir}/a.bin`, "payload");
    const out = await decompressXzCached(`${dir}/a.bin.xz`, {
      cacheDir: `${dir}/cache`,
      md5: "321c3cf486ed509164edec1e1981fec8", // md5("payload"), from md5sum
    });
    assert.match(out, /\/cache\/xz\/[0-9a-f]{16}\/a\.bin$/);
    assert.equal(await Deno.readTextFile(out), "payload");
    // The second call must not run xz at all: a missing program would fail.
    assert.equal(
      await decompressXzCached(`${dir}/a.bin.xz`, {
        cacheDir: `${dir}/cache`,
        xz: "/nonexistent/xz",
      }),
      out,
    );
    // A changed source gets a new cache entry.
    await xzFile(`${dir}/a.bin`, "payload, longer now");
    const out2 = await decompressXzCached(`${dir}/a.bin.xz`, { cacheDir: `${dir}/cache` });
    assert.notEqual(out2, out);
    assert.equal(await Deno.readTextFile(out2), "payload, longer now");
  });
});

Deno.test("decompressXzCached() fails with one DataError for missing xz, bad data, wrong md5", async () => {
  await withTempDir(async (dir) => {
    await xzFile(`${dir}/a.bin`, "payload");
    await Deno.writeTextFile(`${dir}/junk.bin.xz`, "this is not xz data");
    const cases = [
      [
        `${dir}/a.bin.xz`,
        { xz: "/nonexistent/xz" },
        /a\.bin\.xz: cannot decompress: the "\/nonexistent\/xz" program was not found \(install xz-utils/,
      ],
      [
        `${dir}/junk.bin.xz`,
        {},
        /junk\.bin\.xz: xz -d failed with exit code 1: .*File format not recognized/,
      ],
      [
        `${dir}/a.bin.xz`,
        { md5: "0".repeat(32) },
        /a\.bin\.xz: md5 mismatch after xz -d: got 321c3cf486ed509164edec1e1981fec8, expected 0{32}/,
      ],
      [`${dir}/none.xz`, {}, /none\.xz: file not found/],
    ] as const;
    for (const [file, opts, message] of cases) {
      await assert.rejects(
        () => decompressXzCached(file, { cacheDir: `${dir}/cache`, ...opts }),
        (e: Error) => {
          assert.ok(e instanceof DataError, String(e));
          assert.match(e.message, message);
          assert.ok(!e.message.includes("\n"));
          return true;
        },
      );
    }
    // Nothing half-written was left in the cache.
    assert.deepEqual(await tmpFiles(`${dir}/cache`), []);
    for await (const d of Deno.readDir(`${dir}/cache/xz`)) {
      assert.deepEqual(await Array.fromAsync(Deno.readDir(`${dir}/cache/xz/${d.name}`)), []);
    }
  });
});
