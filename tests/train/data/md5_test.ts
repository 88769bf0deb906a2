import assert from "node:assert/strict";
import path from "node:path";
import { md5File } from "../../../train/data/md5.ts";
import { DATASETS } from "../../../train/data/datasets.ts";
import { withTempDir } from "./_fixtures.ts";
import { realDataTest } from "../../_fixtures/real_data.ts";

Deno.test("md5File() gives the RFC 1321 test digests", async () => {
  await withTempDir(async (dir) => {
    const cases = [
      ["", "d41d8cd98f00b204e9800998ecf8427e"],
      ["abc", "900150983cd24fb0d6963f7d28e17f72"],
      ["message digest", "f96b697d7cb7938d525a2f31aaf161d0"],
    ] as const;
    for (const [text, sum] of cases) {
      await Deno.writeTextFile(`${dir}/f`, text);
      assert.equal(await md5File(`${dir}/f`), sum);
    }
  });
});

realDataTest(
  "md5File() of the real MNIST files matches DATASETS.mnist.md5",
  ["mnist"],
  async (dir) => {
    for (const f of [...DATASETS.mnist.files.train, ...DATASETS.mnist.files.test]) {
      assert.equal(await md5File(path.join(dir, "mnist", f)), DATASETS.mnist.md5[f], f);
    }
  },
);
