/**
 * Bad image folders: each is one line naming the path (a `DataError`, exit code 2 from the CLI)
 * and leaves nothing partial in the cache; stray files such as `.DS_Store` are skipped and
 * counted. Plus the decoder's pixels against hand computation.
 */
import assert from "node:assert/strict";
import sharp from "sharp";
import { UserError } from "../../../cli/errors.ts";
import { DataError } from "../../../train/data/data_error.ts";
import { decodeImage } from "../../../train/data/decode_images.ts";
import { readImageCache } from "../../../train/data/image_cache.ts";
import { loadRunData } from "../../../train/data/run_data.ts";
import { ROOT } from "../_run_folder.ts";
import { treeOf } from "./_image_folders.ts";

/** A tiny 4×4 grey PNG of one value. */
function png(v: number): Promise<Uint8Array> {
  const raw = new Uint8Array(16).fill(v);
  return sharp(raw, { raw: { width: 4, height: 4, channels: 1 } }).png().toBuffer();
}

/** A good folder: classes a and b, two PNGs each, in train and test. */
async function goodFolder(root: string): Promise<void> {
  for (const split of ["train", "test"]) {
    for (const [c, v] of [["a", 10], ["b", 200]] as const) {
      await Deno.mkdir(`${root}/${split}/${c}`, { recursive: true });
      for (const i of [1, 2]) {
        await Deno.writeFile(`${root}/${split}/${c}/${i}.png`, await png(v + i));
      }
    }
  }
}

const load = (root: string, cacheDir: string, log?: { err: (s: string) => void; tty: boolean }) =>
  loadRunData(
    { dataset: `folder:${root}`, label_mode: "fine", limit_train: 0, limit_test: 0 },
    { cacheDir, size: 4, channels: 1, log },
  );

/** Checks the cache holds no temp file and every entry reads back whole. */
async function assertCacheWhole(cacheDir: string): Promise<string[]> {
  const files = (await treeOf(cacheDir)).filter((f) => f.includes("."));
  for (const f of files) {
    assert.ok(f.endsWith(".bin") && !f.includes("/."), `partial cache file ${f}`);
    assert.notEqual(await readImageCache(`${cacheDir}/${f}`, "x"), null, `${f} does not read back`);
  }
  return files;
}

/** [name, how to break the good folder, the path the message names, its problem, train cached]. */
const BAD: [string, (root: string) => Promise<unknown>, string, RegExp, boolean][] = [
  [
    "an empty class folder",
    (r) => Deno.mkdir(`${r}/train/c`),
    "train/c",
    /is an empty class folder/,
    false,
  ],
  [
    "a non-image file",
    (r) => Deno.writeTextFile(`${r}/train/a/notes.txt`, "hi"),
    "train/a/notes.txt",
    /is not a PNG, JPEG or WebP image/,
    false,
  ],
  [
    "a corrupt PNG",
    (r) =>
      Deno.writeFile(
        `${r}/train/b/3.png`,
        new Uint8Array([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10, 1, 2, 3]),
      ),
    "train/b/3.png",
    /cannot decode the image: /,
    false,
  ],
  [
    "a 0-byte JPEG",
    (r) => Deno.writeFile(`${r}/train/a/0.jpg`, new Uint8Array()),
    "train/a/0.jpg",
    /is empty \(0 bytes\)/,
    false,
  ],
  [
    "a symlink loop (folder)",
    (r) => Deno.symlink(`${r}/train/a`, `${r}/train/a/again`),
    "train/a/again",
    /is a symlink loop/,
    false,
  ],
  [
    "a symlink loop (file)",
    (r) => Deno.symlink(`${r}/train/a/x.png`, `${r}/train/a/x.png`),
    "train/a/x.png",
    /is a symlink loop/,
    false,
  ],
  [
    "a class in test but not in train",
    (r) => goodClass(r, "test", "c"),
    "test/c",
    /is a class in the test split but not in train \(train classes: a, b\)/,
    true,
  ],
  [
    "a folder with one class",
    (r) => Deno.remove(`${r}/train/b`, { recursive: true }),
    "train",
    /has one class \(a\): a classifier needs at least 2 class folders/,
    false,
  ],
  [
    "no test split",
    (r) => Deno.remove(`${r}/test`, { recursive: true }),
    "test",
    /no test split: put test images in .*\/test\/<class>\/ \(bnn does not carve a test set out of train\)/,
    true,
  ],
  [
    "a file outside the class folders",
    (r) => Deno.writeFile(`${r}/train/x.png`, new Uint8Array([1])),
    "train/x.png",
    /is not in a class folder/,
    false,
  ],
];

async function goodClass(root: string, split: string, c: string): Promise<void> {
  await Deno.mkdir(`${root}/${split}/${c}`);
  await Deno.writeFile(`${root}/${split}/${c}/1.png`, await png(99));
}

for (const [name, breakIt, where, problem, trainCached] of BAD) {
  Deno.test(`loadRunData() refuses ${name} in one line naming it, leaving the cache whole`, async () => {
    const tmp = await Deno.makeTempDir();
    try {
      const root = `${tmp}/data`;
      await goodFolder(root);
      await breakIt(root);
      const e = await load(root, `${tmp}/cache`).then(() => null, (e) => e);
      assert.ok(e instanceof DataError && e instanceof UserError, `not a DataError: ${e}`);
      assert.equal(e.file, `${root}/${where}`);
      assert.match(e.message, problem);
      assert.ok(!e.message.includes("\n"), "one line");
      const cached = await assertCacheWhole(`${tmp}/cache`);
      assert.equal(cached.length, trainCached ? 1 : 0, cached.join());
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  });
}

Deno.test("loadRunData() skips stray files such as .DS_Store with a warning and counts them", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const root = `${tmp}/data`;
    await goodFolder(root);
    await Deno.writeTextFile(`${root}/train/.DS_Store`, "x");
    await Deno.writeTextFile(`${root}/train/a/Thumbs.db`, "x");
    await Deno.writeTextFile(`${root}/test/b/._1.png`, "x");
    const lines: string[] = [];
    const { record, train } = await load(root, `${tmp}/cache`, {
      err: (s) => lines.push(s),
      tty: false,
    });
    assert.equal(train.count, 4);
    assert.deepEqual([record!.train.skipped, record!.test.skipped], [2, 1]);
    assert.ok(
      lines.some((l) =>
        l.startsWith(
          `warning: skipped 2 stray non-image files in ${root}/train (.DS_Store, a/Thumbs.db)`,
        )
      ),
      lines.join(""),
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("train CLI: a corrupt PNG is one line naming it, exit code 2, nothing in the cache", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const root = `${tmp}/data`;
    await goodFolder(root);
    await Deno.writeFile(`${root}/train/a/bad.png`, new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0]));
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "train/main.ts",
        "ste",
        "--dataset",
        `folder:${root}`,
        "--out",
        `${tmp}/run`,
      ],
      cwd: ROOT,
      env: { NO_COLOR: "1", XDG_CACHE_HOME: `${tmp}/cache` },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const r = { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
    assert.equal(r.code, 2, r.stderr);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0],
      new RegExp(`^error: ${root}/train/a/bad\\.png: cannot decode the image: `),
    );
    assert.deepEqual(
      await treeOf(`${tmp}/cache/bnn`),
      [],
      "bnn's cache (deno keeps its own beside it)",
    );
    assert.deepEqual(await treeOf(`${tmp}/run`), [], "no run folder");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("decodeImage() greys RGB with PIL's convert('L') formula and stretches to the size", async () => {
  // one 2×1 RGB image: (10, 200, 30) and (255, 0, 0)
  const raw = new Uint8Array([10, 200, 30, 255, 0, 0]);
  const file = await sharp(raw, { raw: { width: 2, height: 1, channels: 3 } }).png().toBuffer();
  // L = (19595 R + 38470 G + 7471 B + 32768) >> 16: 124 and 76 (PIL gives the same)
  const twoRows = await sharp(raw, { raw: { width: 2, height: 1, channels: 3 } })
    .resize(2, 2, { fit: "fill", kernel: "nearest" }).png().toBuffer();
  assert.deepEqual([...await decodeImage(twoRows, "y.png", 2, 1)], [124, 76, 124, 76]);
  assert.deepEqual([...await decodeImage(twoRows, "y.png", 2, 3)], [...raw, ...raw]);
  // a 2×1 image is stretched to 2×2 (rows repeated: nothing to interpolate vertically)
  const stretched = await decodeImage(file, "x.png", 2, 3);
  assert.equal(stretched.length, 12);
  assert.deepEqual([...stretched.subarray(0, 6)], [...stretched.subarray(6)]);
  // RGBA: alpha dropped, colours kept
  const rgba = await sharp(new Uint8Array([1, 2, 3, 0]), {
    raw: { width: 1, height: 1, channels: 4 },
  }).png().toBuffer();
  assert.deepEqual([...await decodeImage(rgba, "a.png", 1, 3)], [1, 2, 3]);
});
