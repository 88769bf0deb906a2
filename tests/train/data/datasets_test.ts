import assert from "node:assert/strict";
import { DATASETS } from "../../../train/data/datasets.ts";
import { NORMALIZATION } from "../../../train/data/normalization.ts";

Deno.test("DATASETS describes the three datasets consistently", () => {
  assert.deepEqual(Object.keys(DATASETS), ["mnist", "cifar10", "cifar100"]);
  const shapes = {
    mnist: [28, 28, 1, 10],
    cifar10: [32, 32, 3, 10],
    cifar100: [32, 32, 3, 100],
  } as const;
  for (const [name, info] of Object.entries(DATASETS)) {
    const key = name as keyof typeof DATASETS;
    assert.equal(info.name, name);
    assert.deepEqual([info.height, info.width, info.channels, info.numClasses], shapes[key]);
    assert.equal(info.normalization, NORMALIZATION[key]);
    assert.equal(info.normalization.mean.length, info.channels);
    assert.deepEqual(
      info.counts,
      name === "mnist" ? { train: 60000, test: 10000 } : { train: 50000, test: 10000 },
    );
    for (const url of info.urls) assert.match(url, /^https?:\/\/.*\/$/);
    for (const sum of Object.values(info.md5)) assert.match(sum, /^[0-9a-f]{32}$/);
  }
  assert.equal(DATASETS.cifar100.coarseClasses, 20);
});

Deno.test("DATASETS carries the official md5 table of shared/data/README.md", async () => {
  // Parse the README's table independently and compare.
  const readme = await Deno.readTextFile(
    new URL("../../../../shared/data/README.md", import.meta.url),
  );
  const rows = [
    ...readme.matchAll(/^\| (mnist|cifar-10)\/(?:…\/)?([\w.-]+) \| ([0-9a-f]{32}) \|$/gm),
  ];
  assert.equal(rows.length, 10);
  for (const [, dir, file, sum] of rows) {
    assert.equal(DATASETS[dir === "mnist" ? "mnist" : "cifar10"].md5[file], sum, file);
  }
  assert.match(
    readme,
    new RegExp(
      `cifar-10-binary\\.tar\\.gz\`\\s*\\n?\\s*\\(md5 ${DATASETS.cifar10.archive!.md5}\\)`,
    ),
  );
  assert.match(
    readme,
    new RegExp(`cifar-100-binary\\.tar\\.gz\` \\(md5 ${DATASETS.cifar100.archive!.md5}\\)`),
  );
});
