import assert from "node:assert/strict";
import { checkMemberName, extractTar, openTar, readTar } from "../../../train/data/tar.ts";
import { DataError } from "../../../train/data/data_error.ts";
import { gzip, makeTar, tmpFiles, withTempDir } from "./_fixtures.ts";

async function members(file: string, want?: (n: string) => boolean) {
  const out: { name: string; type: string; size: number; text: string | null }[] = [];
  for await (const m of readTar(await openTar(file), { source: file, want })) {
    out.push({
      name: m.name,
      type: m.type,
      size: m.size,
      text: m.data === null ? null : new TextDecoder().decode(m.data),
    });
  }
  return out;
}

async function gnuTar(args: string[]): Promise<void> {
  const r = await new Deno.Command("tar", { args }).output();
  assert.ok(r.success, new TextDecoder().decode(r.stderr));
}

Deno.test("readTar() reads archives written by GNU tar (gnu and pax formats, gzipped)", async () => {
  await withTempDir(async (dir) => {
    const long = "d/" + "x".repeat(120) + ".bin"; // > 100 bytes: needs an 'L' or pax header
    await Deno.mkdir(`${dir}/src/d`, { recursive: true });
    await Deno.writeTextFile(`${dir}/src/d/a.txt`, "alpha");
    await Deno.writeTextFile(`${dir}/src/d/b.txt`, "b".repeat(1000));
    await Deno.writeTextFile(`${dir}/src/${long}`, "long");
    for (const format of ["gnu", "pax", "ustar"]) {
      const file = `${dir}/${format}.tar.gz`;
      const names = format === "ustar" ? ["d/a.txt", "d/b.txt"] : ["d/a.txt", "d/b.txt", long];
      await gnuTar([`--format=${format}`, "-czf", file, "-C", `${dir}/src`, ...names]);
      const got = await members(file);
      assert.deepEqual(got.map((m) => m.name), names, format);
      assert.equal(got[0].text, "alpha");
      assert.equal(got[1].text, "b".repeat(1000));
      assert.equal(got[1].size, 1000);
      if (format !== "ustar") assert.equal(got[2].text, "long");
      // Unwanted members are skipped without their data.
      const some = await members(file, (n) => n.endsWith("b.txt"));
      assert.deepEqual(some.map((m) => m.text), [
        null,
        "b".repeat(1000),
        ...(format === "ustar" ? [] : [null]),
      ]);
    }
  });
});

Deno.test("readTar() joins the ustar prefix and reads plain (ungzipped) archives", async () => {
  await withTempDir(async (dir) => {
    const tar = makeTar([
      { name: "dir/", type: "5" },
      { name: "file.bin", prefix: "dir/sub", data: new Uint8Array([1, 2, 3]) },
    ]);
    await Deno.writeFile(`${dir}/p.tar`, tar);
    const got = await members(`${dir}/p.tar`);
    assert.deepEqual(got.map((m) => [m.name, m.type, m.size]), [["dir", "directory", 0], [
      "dir/sub/file.bin",
      "file",
      3,
    ]]);
  });
});

Deno.test("readTar() and extractTar() refuse member paths that would escape", async () => {
  const evil = [
    ["../evil.txt", /"\.\.\/evil\.txt": '\.\.' in path; it would escape the folder/],
    ["a/../../evil.txt", /'\.\.' in path/],
    ["/etc/evil.txt", /absolute path/],
    ["C:/evil.txt", /drive letter/],
    ["a\\..\\evil.txt", /backslash/],
  ] as const;
  await withTempDir(async (dir) => {
    for (const [name, message] of evil) {
      const tar = makeTar([{ name: "ok.txt", data: new Uint8Array([1]) }, {
        name,
        data: new Uint8Array([66]),
      }]);
      await Deno.writeFile(`${dir}/evil.tar.gz`, await gzip(tar));
      await assert.rejects(() => extractTar(`${dir}/evil.tar.gz`, `${dir}/out/x`), (e: Error) => {
        assert.ok(e instanceof DataError, String(e));
        assert.match(e.message, /evil\.tar\.gz: refusing archive member/);
        assert.match(e.message, message);
        return true;
      });
      await assert.rejects(() => members(`${dir}/evil.tar.gz`), DataError);
    }
    // Nothing landed outside out/x.
    const outside = [];
    for await (const e of Deno.readDir(dir)) outside.push(e.name);
    assert.deepEqual(outside.sort(), ["evil.tar.gz", "out"]);
    const inOut = [];
    for await (const e of Deno.readDir(`${dir}/out`)) inOut.push(e.name);
    assert.deepEqual(inOut, ["x"]);
  });
});

Deno.test("openTar() names a missing archive", async () => {
  await assert.rejects(
    () => openTar("/nonexistent/a.tar.gz"),
    /^DataError: \/nonexistent\/a\.tar\.gz: file not found$/,
  );
});

Deno.test("checkMemberName() normalizes safe names", () => {
  assert.equal(checkMemberName("./a//b/./c.bin", "t"), "a/b/c.bin");
  assert.equal(checkMemberName("dir/", "t"), "dir");
  assert.throws(() => checkMemberName("./", "t"), /t: archive member has an empty name/);
  assert.throws(() => checkMemberName("..", "t"), /escape/);
});

Deno.test("extractTar() writes wanted regular files only, atomically, and no links", async () => {
  await withTempDir(async (dir) => {
    const tar = makeTar([
      { name: "top/a.bin", data: new Uint8Array(700).fill(7) },
      { name: "top/link", type: "2" }, // a symlink member is never created
      { name: "other/b.bin", data: new Uint8Array([9]) },
    ]);
    await Deno.writeFile(`${dir}/t.tar.gz`, await gzip(tar));
    const written = await extractTar(`${dir}/t.tar.gz`, `${dir}/out`, (n) => n.startsWith("top/"));
    assert.deepEqual(written, [`${dir}/out/top/a.bin`]);
    assert.deepEqual(await Deno.readFile(`${dir}/out/top/a.bin`), new Uint8Array(700).fill(7));
    await assert.rejects(() => Deno.lstat(`${dir}/out/top/link`), Deno.errors.NotFound);
    await assert.rejects(() => Deno.lstat(`${dir}/out/other`), Deno.errors.NotFound);
    assert.deepEqual(await tmpFiles(dir), []);
  });
});

Deno.test("readTar() rejects a bad checksum, a truncated archive and a truncated gzip", async () => {
  await withTempDir(async (dir) => {
    const tar = makeTar([{ name: "a.bin", data: new Uint8Array(2000).fill(1) }]);
    const bad = tar.slice();
    bad[0] ^= 1;
    await Deno.writeFile(`${dir}/bad.tar`, bad);
    await assert.rejects(
      () => members(`${dir}/bad.tar`),
      /bad\.tar: bad tar header checksum at byte 0/,
    );
    await Deno.writeFile(`${dir}/cut.tar`, tar.subarray(0, 1500));
    await assert.rejects(
      () => members(`${dir}/cut.tar`),
      // 2000 data bytes padded to 2048, of which 1500 − 512 = 988 are there: 1060 missing.
      /cut\.tar: truncated tar archive: 1060 more bytes expected after byte 512/,
    );
    const gz = await gzip(tar);
    await Deno.writeFile(`${dir}/cut.tar.gz`, gz.subarray(0, gz.length >> 1));
    await assert.rejects(() => members(`${dir}/cut.tar.gz`), (e: Error) => {
      assert.ok(e instanceof DataError, String(e));
      assert.match(
        e.message,
        /cut\.tar\.gz: (corrupt or truncated gzip data|truncated tar archive)/,
      );
      return true;
    });
  });
});
