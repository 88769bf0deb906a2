/**
 * Your own data, end to end through the CLIs: an image folder the test writes (PNG and JPEG,
 * mixed sizes, grey and RGB) trains for a few steps, exports and evaluates, with the folder's
 * name, class names, normalization and checksums carried along; eval on other files says so.
 * And a custom IDX set of another count, size and class count than MNIST's.
 */
import assert from "node:assert/strict";
import { ROOT } from "../_run_folder.ts";
import { loadRunData } from "../../../train/data/run_data.ts";
import { SHAPE_CLASSES, writeIdx, writeShapesFolder } from "./_image_folders.ts";

/** Runs a deno task's script with bnn's cache in `cache`; returns the exit code and output. */
async function cli(script: string, args: string[], cache: string) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", XDG_CACHE_HOME: cache },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

const QUICK = ["--epochs", "2", "--batch-size", "20", "--width-multiplier", "0.05"];

Deno.test("folder:PATH trains, exports and evaluates end to end with its class names", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const root = `${tmp}/shapes`;
    await writeShapesFolder(root, { train: 40, test: 10 });
    const cache = `${tmp}/cache`;
    const run = `${tmp}/run`;
    const t = await cli("train/main.ts", [
      "ste",
      "--dataset",
      `folder:${root}`,
      ...QUICK,
      "--out",
      run,
    ], cache);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, /^ste on shapes: 108 train, 12 validation, 30 test examples/m);
    assert.match(t.stdout, /28×28×1 images, 3 classes \(circle, square, stripes\)/);
    assert.match(t.stderr, new RegExp(`decoded ${root}/train: 120 images in `));

    // the run records the folder: name, classes in order, normalization, checksums
    const config = JSON.parse(await Deno.readTextFile(`${run}/config.json`));
    assert.deepEqual([config.dataset, config.output_shape, config.input_shape], [
      `folder:${root}`,
      3,
      784,
    ]);
    const summary = JSON.parse(await Deno.readTextFile(`${run}/summary.json`));
    const record = summary.dataset_record;
    assert.equal(summary.dataset, "shapes");
    assert.deepEqual(record.classes, SHAPE_CLASSES);
    assert.deepEqual(record.image_shape, [28, 28, 1]);
    // the normalization of the training split (all 120 images, the validation ones included)
    const data = await loadRunData(
      { dataset: `folder:${root}`, label_mode: "fine", limit_train: 0, limit_test: 0 },
      { cacheDir: `${cache}/bnn`, size: 28, channels: 1 },
    );
    const px = data.train.images;
    const mean = px.reduce((s, v) => s + v, 0) / px.length / 255;
    const std = Math.sqrt(px.reduce((s, v) => s + (v / 255 - mean) ** 2, 0) / px.length);
    assert.ok(Math.abs(record.normalization.mean[0] - mean) < 1e-12);
    assert.ok(Math.abs(record.normalization.std[0] - std) < 1e-9);
    assert.equal(record.test.sha256, data.record!.test.sha256);

    const e = await cli("export/main.ts", [run], cache);
    assert.equal(e.code, 0, e.stderr);
    const sidecar = JSON.parse(await Deno.readTextFile(`${run}/model.onnx.json`));
    assert.equal(sidecar.dataset, `folder:${root}`);
    assert.deepEqual(sidecar.normalization, record.normalization);
    assert.deepEqual(sidecar.dataset_record, record);
    // the ONNX metadata carries the class names (metadata_props "class_names")
    const onnx = new TextDecoder().decode(await Deno.readFile(`${run}/model.onnx`));
    assert.ok(onnx.includes("class_names") && onnx.includes('["circle","square","stripes"]'));

    // the ONNX model predicts the test set as the tfjs run did
    const v = await cli("export/eval_main.ts", [`${run}/model.onnx`, "--json", "--svg", ""], cache);
    assert.equal(v.code, 0, v.stderr);
    const r = JSON.parse(v.stdout);
    assert.deepEqual(r.class_names, SHAPE_CLASSES);
    assert.equal(r.same_files, true);
    assert.equal(r.count, 30);
    assert.equal(r.accuracy, r.tfjs_test_accuracy);
    assert.equal(r.per_class_accuracy.length, 3);

    // other test files: the report says the run's accuracy was on other files
    const other = `${tmp}/other`;
    await Deno.mkdir(other);
    await Deno.symlink(`${root}/train`, `${other}/train`);
    await Deno.mkdir(`${other}/test`);
    for (const c of SHAPE_CLASSES) {
      await Deno.mkdir(`${other}/test/${c}`);
      await Deno.copyFile(`${root}/test/${c}/001.png`, `${other}/test/${c}/001.png`);
    }
    const o = await cli("export/eval_main.ts", [
      `${run}/model.onnx`,
      "--dataset",
      `folder:${other}`,
      "--svg",
      "",
    ], cache);
    assert.equal(o.code, 0, o.stderr);
    assert.match(o.stdout, /tfjs test accuracy recorded by the run: [\d.]+% on other files/);

    // resuming on changed training files is refused (the run would go on with other data)
    const summaryFile = `${run}/summary.json`;
    await Deno.writeTextFile(summaryFile, JSON.stringify({ ...summary, finished: false }));
    await Deno.copyFile(`${root}/train/circle/001.png`, `${root}/train/circle/002.png`);
    const res = await cli("train/main.ts", ["ste", "--resume", run], cache);
    assert.equal(res.code, 2, res.stderr);
    assert.match(
      res.stderr.trim().split("\n").at(-1)!,
      new RegExp(
        `^error: the training files of folder:${root} changed since this run started \\(checksum [0-9a-f]{12}…, now [0-9a-f]{12}…\\): resuming would train on other data; start a new run$`,
      ),
    );
    assert.match(
      o.stdout,
      /per-class accuracy: 0 circle: [\d.]+% {2}1 square: [\d.]+% {2}2 stripes: [\d.]+%/,
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("idx:DIR takes any count, size and class count, named by its folder, never downloaded", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    // 5 classes of 12×12 images: class k is a bright band at rows 2k..2k+1
    const count = 250, side = 12;
    const images = new Uint8Array(count * side * side), labels = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      labels[i] = i % 5;
      for (let x = 0; x < side; x++) {
        for (const y of [2 * labels[i], 2 * labels[i] + 1]) {
          images[i * side * side + y * side + x] = 150 + (i % 100);
        }
      }
    }
    const ds = {
      name: "bands",
      images,
      labels,
      count,
      height: side,
      width: side,
      channels: 1,
      numClasses: 5,
    };
    const dir = `${tmp}/bands`;
    await writeIdx(ds, Uint32Array.from({ length: count }, (_, i) => i), dir, ["train", "test"]);
    const run = `${tmp}/run`;
    const t = await cli(
      "train/main.ts",
      ["ste", "--dataset", `idx:${dir}`, ...QUICK, "--out", run],
      `${tmp}/cache`,
    );
    assert.equal(t.code, 0, t.stderr);
    const config = JSON.parse(await Deno.readTextFile(`${run}/config.json`));
    assert.deepEqual([config.output_shape, config.input_shape], [5, 144]);
    const summary = JSON.parse(await Deno.readTextFile(`${run}/summary.json`));
    assert.equal(summary.dataset, "bands");
    assert.deepEqual(summary.dataset_record.classes, ["0", "1", "2", "3", "4"]);
    assert.ok(summary.dataset_record.normalization.mean[0] > 0);

    // a missing file is an error naming it; nothing is fetched
    await Deno.remove(`${dir}/test-labels-idx1-ubyte`);
    const m = await cli(
      "train/main.ts",
      ["ste", "--dataset", `idx:${dir}`, "--out", `${tmp}/run2`],
      `${tmp}/cache`,
    );
    assert.equal(m.code, 2);
    assert.match(
      m.stderr.trim(),
      new RegExp(
        `^error: ${dir}/t10k-labels-idx1-ubyte: not found \\(nor \\.gz, nor test-labels-idx1-ubyte\\): the test labels of a custom set must be there; nothing is downloaded for idx:DIR$`,
      ),
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("cifar:DIR takes CIFAR-100-layout records of another size, coarse labels", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    // 16×16 RGB records <coarse><fine><R plane><G plane><B plane>: coarse class k is bright in
    // plane k; fine labels 0..8 (ignored with label_mode coarse)
    const side = 16, plane = side * side;
    const records = (count: number) => {
      const out = new Uint8Array(count * (2 + 3 * plane));
      for (let i = 0; i < count; i++) {
        const r = out.subarray(i * (2 + 3 * plane));
        r[0] = i % 3, r[1] = i % 9;
        r.fill(120 + (i % 100), 2 + (i % 3) * plane, 2 + (i % 3 + 1) * plane);
      }
      return out;
    };
    const dir = `${tmp}/tricolour`;
    await Deno.mkdir(dir);
    await Deno.writeFile(`${dir}/train.bin`, records(120));
    await Deno.writeFile(`${dir}/test.bin`, records(30));
    const run = `${tmp}/run`;
    const args = ["--dataset", `cifar:${dir}`, "--image-size", "16", "--label-mode", "coarse"];
    const arch = ["--model-architecture", "BinaryConnect"]; // augmentation on, as for CIFAR
    const t = await cli(
      "train/main.ts",
      ["ste", ...args, ...arch, ...QUICK, "--out", run],
      `${tmp}/cache`,
    );
    assert.equal(t.code, 0, t.stderr);
    const config = JSON.parse(await Deno.readTextFile(`${run}/config.json`));
    assert.deepEqual([config.output_shape, config.input_shape, config.image_size], [3, 768, 16]);
    const record = JSON.parse(await Deno.readTextFile(`${run}/summary.json`)).dataset_record;
    assert.deepEqual([record.name, record.classes, record.image_shape], [
      "tricolour",
      ["0", "1", "2"],
      [16, 16, 3],
    ]);
    // each channel is bright in a third of the images: mean = (sum over images of its value) / 255
    let sum = 0;
    for (let i = 0; i < 120; i++) if (i % 3 === 0) sum += 120 + (i % 100);
    assert.ok(Math.abs(record.normalization.mean[0] - sum / 120 / 255) < 1e-12);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("train CLI: config errors of custom sets are one line, exit code 2", async () => {
  const tmp = await Deno.makeTempDir();
  try {
    const root = `${tmp}/shapes`;
    await writeShapesFolder(root, { train: 2, test: 1 });
    const cases: [string[], RegExp][] = [
      [
        ["--dataset", "folder:"],
        /--dataset "folder:" is not allowed: expected one of "mnist", "cifar10", "cifar100", or "idx:DIR", "cifar:DIR", "folder:PATH"/,
      ],
      [
        ["--image-size", "32"],
        /--image-size "32" applies only to folder:PATH and cifar:DIR datasets, not to dataset "mnist"/,
      ],
      [
        [
          "--dataset",
          `folder:${root}`,
          "--model-architecture",
          "VGGBinaryConnect",
          "--image-size",
          "28",
        ],
        /^error: command line: --model-architecture "VGGBinaryConnect" cannot take 28×28 images: its 3 max-pools need a side that is a multiple of 8 \(set image_size, e\.g\. 32\)$/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await cli("train/main.ts", ["ste", ...args, "--out", `${tmp}/run`], `${tmp}/cache`);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.match(r.stderr.trim(), message);
    }
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
