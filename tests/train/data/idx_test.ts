import assert from "node:assert/strict";
import { loadIdxDataset, parseIdx, readIdxFile } from "../../../train/data/idx.ts";
import { DataError } from "../../../train/data/data_error.ts";
import { gzip, withTempDir } from "./_fixtures.ts";

/** An IDX file: magic `0x0000 08 <ndims>`, big-endian uint32 dims, then `data`. */
function idx(dims: number[], data: number[] | Uint8Array, magicType = 0x08): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(head.buffer);
  head[2] = magicType;
  head[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  out.set(data, head.length);
  return out;
}

Deno.test("parseIdx() reads the dims and data of a handmade file", () => {
  const { dims, data } = parseIdx(idx([2, 1, 3], [1, 2, 3, 4, 5, 6]), "f", 3);
  assert.deepEqual(dims, [2, 1, 3]);
  assert.deepEqual([...data], [1, 2, 3, 4, 5, 6]);
});

Deno.test("parseIdx() rejects bad files with one DataError naming the file", () => {
  const cases = [
    // [bytes, expectedDims, message part]
    [idx([2], [1, 2]), 3, /wrong magic number 0x00000801 \(expected 0x00000803\)/],
    [idx([1, 1, 1], [1]), 1, /wrong magic number 0x00000803 \(expected 0x00000801\)/],
    [idx([2], [1, 2], 0x0d), 1, /wrong magic number 0x00000d01/],
    [new Uint8Array([1, 2, 3]), 1, /truncated IDX file: 3 bytes/],
    [idx([2, 2, 2], []).subarray(0, 10), 3, /truncated IDX header: 10 bytes, expected 16/],
    [
      idx([2, 2, 2], [1, 2, 3, 4, 5, 6, 7]),
      3,
      /truncated IDX data: header says 2×2×2 = 8 bytes, file has 7/,
    ],
    [idx([2], [1, 2, 3]), 1, /size mismatch: header says 2 = 2 bytes, file has 3 \(1 extra\)/],
  ] as const;
  for (const [bytes, dims, message] of cases) {
    assert.throws(() => parseIdx(bytes, "/d/file.idx", dims), (e: Error) => {
      assert.ok(e instanceof DataError, String(e));
      assert.match(e.message, /^\/d\/file\.idx: /);
      assert.match(e.message, message);
      assert.ok(!e.message.includes("\n"));
      return true;
    });
  }
});

Deno.test("readIdxFile() reads raw and gzipped files alike and rejects truncated gzip", async () => {
  await withTempDir(async (dir) => {
    const raw = idx([3], [7, 8, 9]);
    await Deno.writeFile(`${dir}/l`, raw);
    await Deno.writeFile(`${dir}/l.gz`, await gzip(raw));
    assert.deepEqual([...(await readIdxFile(`${dir}/l`, 1)).data], [7, 8, 9]);
    assert.deepEqual([...(await readIdxFile(`${dir}/l.gz`, 1)).data], [7, 8, 9]);
    const gz = await gzip(idx([1000], new Uint8Array(1000).map((_, i) => i * 13)));
    await Deno.writeFile(`${dir}/cut.gz`, gz.subarray(0, gz.length - 6));
    await assert.rejects(() => readIdxFile(`${dir}/cut.gz`, 1), (e: Error) => {
      assert.ok(e instanceof DataError);
      assert.match(e.message, /cut\.gz: corrupt or truncated gzip data/);
      return true;
    });
    await assert.rejects(() => readIdxFile(`${dir}/none.gz`), /none\.gz: file not found/);
  });
});

Deno.test("loadIdxDataset() loads a custom dataset in MNIST layout from explicit paths", async () => {
  await withTempDir(async (dir) => {
    // Two 2×3 images (Fashion-MNIST layout, just smaller) with labels 3 and 1.
    await Deno.writeFile(
      `${dir}/imgs.gz`,
      await gzip(idx([2, 2, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])),
    );
    await Deno.writeFile(`${dir}/labs`, idx([2], [3, 1]));
    const ds = await loadIdxDataset({ images: `${dir}/imgs.gz`, labels: `${dir}/labs` });
    assert.equal(ds.name, "imgs");
    assert.deepEqual(
      [ds.count, ds.height, ds.width, ds.channels, ds.numClasses],
      [2, 2, 3, 1, 4], // numClasses = max label + 1
    );
    assert.deepEqual([...ds.images], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    assert.deepEqual([...ds.labels], [3, 1]);
    const named = await loadIdxDataset({
      images: `${dir}/imgs.gz`,
      labels: `${dir}/labs`,
      name: "fashion",
      numClasses: 10,
    });
    assert.equal(named.name, "fashion");
    assert.equal(named.numClasses, 10);
  });
});

Deno.test("loadIdxDataset() rejects count mismatch and out-of-range labels", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/i`, idx([2, 1, 1], [0, 0]));
    await Deno.writeFile(`${dir}/l3`, idx([3], [0, 1, 2]));
    await Deno.writeFile(`${dir}/l2`, idx([2], [0, 10]));
    await assert.rejects(
      () => loadIdxDataset({ images: `${dir}/i`, labels: `${dir}/l3` }),
      (e: Error) => {
        assert.ok(e instanceof DataError);
        assert.match(e.message, /l3: count mismatch: 3 labels but 2 images in .*\/i$/);
        return true;
      },
    );
    await assert.rejects(
      () => loadIdxDataset({ images: `${dir}/i`, labels: `${dir}/l2`, numClasses: 10 }),
      /l2: label 10 of example 1 is out of range for 10 classes/,
    );
    await assert.rejects(
      () => loadIdxDataset({ images: `${dir}/l2`, labels: `${dir}/l2` }),
      /l2: wrong magic number 0x00000801 \(expected 0x00000803\)/,
    );
  });
});
