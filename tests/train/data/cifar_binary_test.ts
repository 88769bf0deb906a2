import assert from "node:assert/strict";
import { loadCifarBinary } from "../../../train/data/cifar_binary.ts";
import { DataError } from "../../../train/data/data_error.ts";
import { cifarRecords, pattern, withTempDir } from "./_fixtures.ts";

Deno.test("loadCifarBinary() converts CHW records to NHWC across files", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/a.bin`, cifarRecords([[3], [0]], 0));
    await Deno.writeFile(`${dir}/b.bin`, cifarRecords([[9]], 2));
    const ds = await loadCifarBinary([`${dir}/a.bin`, `${dir}/b.bin`], {
      name: "c",
      numClasses: 10,
    });
    assert.deepEqual([ds.count, ds.height, ds.width, ds.channels], [3, 32, 32, 3]);
    assert.deepEqual([...ds.labels], [3, 0, 9]);
    assert.equal(ds.images.length, 3 * 3072);
    // NHWC pixel (n, y, x, c) comes from plane c, position y*32+x of record n.
    for (const [n, y, x] of [[0, 0, 0], [1, 5, 31], [2, 31, 31], [2, 17, 4]]) {
      for (let c = 0; c < 3; c++) {
        assert.equal(ds.images[((n * 32 + y) * 32 + x) * 3 + c], pattern(n, c, y * 32 + x));
      }
    }
  });
});

Deno.test("loadCifarBinary() reads a tiny custom layout by hand", async () => {
  await withTempDir(async (dir) => {
    // Two 2×1 RGB images with 2 label bytes: (coarse, fine) = (1, 4) and (0, 2).
    // Record: c, f, R0 R1, G0 G1, B0 B1.
    await Deno.writeFile(
      `${dir}/t.bin`,
      new Uint8Array([1, 4, 10, 11, 20, 21, 30, 31, 0, 2, 40, 41, 50, 51, 60, 61]),
    );
    const layout = { name: "t", labelBytes: 2, height: 2, width: 1 };
    const fine = await loadCifarBinary([`${dir}/t.bin`], { ...layout, numClasses: 5 });
    assert.deepEqual([...fine.labels], [4, 2]);
    assert.deepEqual([...fine.images], [10, 20, 30, 11, 21, 31, 40, 50, 60, 41, 51, 61]);
    const coarse = await loadCifarBinary([`${dir}/t.bin`], {
      ...layout,
      labelIndex: 0,
      numClasses: 2,
    });
    assert.deepEqual([...coarse.labels], [1, 0]);
    await assert.rejects(
      () => loadCifarBinary([`${dir}/t.bin`], { ...layout, numClasses: 4 }),
      /t\.bin: label 4 of example 0 is out of range for 4 classes/,
    );
  });
});

Deno.test("loadCifarBinary() rejects a size that is not a multiple of the record size", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/cut.bin`, cifarRecords([[1], [2]]).subarray(0, 3073 + 100));
    await Deno.writeFile(`${dir}/empty.bin`, new Uint8Array(0));
    await Deno.writeFile(`${dir}/c100.bin`, cifarRecords([[1, 2], [3, 4]]));
    const cases = [
      [
        `${dir}/cut.bin`,
        1,
        /cut\.bin: bad record size: file size 3173 is not a multiple of the record size 3073 \(100 bytes left over/,
      ],
      [
        `${dir}/empty.bin`,
        1,
        /empty\.bin: bad record size: file size 0 is not a positive multiple/,
      ],
      // A CIFAR-100 file (3074-byte records) read as CIFAR-10.
      [
        `${dir}/c100.bin`,
        1,
        /c100\.bin: bad record size: file size 6148 is not a multiple of the record size 3073/,
      ],
      [`${dir}/none.bin`, 1, /none\.bin: file not found/],
    ] as const;
    for (const [file, labelBytes, message] of cases) {
      await assert.rejects(
        () => loadCifarBinary([file], { name: "x", numClasses: 10, labelBytes }),
        (e: Error) => {
          assert.ok(e instanceof DataError, String(e));
          assert.match(e.message, message);
          return true;
        },
      );
    }
  });
});

Deno.test("loadCifarBinary() rejects bad layout options with a RangeError", async () => {
  const cases = [
    [{ labelBytes: 0 }, /labelBytes must be a positive integer: current value is 0/],
    [{ height: 1.5 }, /height must be a positive integer: current value is 1.5/],
    [
      { labelBytes: 2, labelIndex: 2 },
      /labelIndex must be an integer in \[0, 2\): current value is 2/,
    ],
  ] as const;
  for (const [opts, message] of cases) {
    await assert.rejects(
      () => loadCifarBinary(["x"], { name: "x", numClasses: 10, ...opts }),
      (e: Error) => {
        assert.ok(e instanceof RangeError);
        assert.match(e.message, message);
        return true;
      },
    );
  }
});

Deno.test("loadCifarBinary() decompresses .xz inputs into the cache", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/a.bin`, cifarRecords([[5]], 7));
    const xz = await new Deno.Command("xz", { args: ["-k", `${dir}/a.bin`] }).output();
    assert.ok(xz.success);
    const ds = await loadCifarBinary([`${dir}/a.bin.xz`], {
      name: "x",
      numClasses: 10,
      cacheDir: `${dir}/cache`,
    });
    assert.deepEqual([...ds.labels], [5]);
    assert.equal(ds.images[3 * 40 + 2], pattern(7, 2, 40));
  });
});
