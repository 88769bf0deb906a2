import assert from "node:assert/strict";
import { gunzip, gunzipStream, isGzip } from "../../../train/data/gunzip.ts";
import { DataError } from "../../../train/data/data_error.ts";
import { withTempDir } from "./_fixtures.ts";

Deno.test("gunzip() and gunzipStream() undo GNU gzip", async () => {
  await withTempDir(async (dir) => {
    const data = new Uint8Array(100000).map((_, i) => (i * 7919) % 251);
    await Deno.writeFile(`${dir}/d`, data);
    assert.ok((await new Deno.Command("gzip", { args: ["-9", `${dir}/d`] }).output()).success);
    const gz = await Deno.readFile(`${dir}/d.gz`);
    assert.ok(isGzip(gz));
    assert.ok(!isGzip(data));
    assert.deepEqual(await gunzip(gz, "d.gz"), data);
    assert.deepEqual(
      await new Response(gunzipStream(new Blob([gz]).stream(), "d.gz")).bytes(),
      data,
    );
  });
});

Deno.test("gunzip() and gunzipStream() report damaged data as a DataError naming the file", async () => {
  const gz = await new Response(
    new Blob([new Uint8Array(5000).fill(3)]).stream().pipeThrough(new CompressionStream("gzip")),
  ).bytes();
  const damaged = gz.slice();
  damaged[gz.length - 6] ^= 0xff; // CRC32 trailer
  for (const bad of [gz.subarray(0, gz.length - 3), damaged, new Uint8Array([0x1f, 0x8b, 0, 0])]) {
    await assert.rejects(() => gunzip(bad, "/d/x.gz"), (e: Error) => {
      assert.ok(e instanceof DataError);
      assert.match(e.message, /^\/d\/x\.gz: corrupt or truncated gzip data \(/);
      return true;
    });
    await assert.rejects(
      () => new Response(gunzipStream(new Blob([bad]).stream(), "/d/x.gz")).bytes(),
      DataError,
    );
  }
});
