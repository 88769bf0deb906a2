/**
 * The real MNIST and CIFAR-10 files, when the machine has them: `../shared/data` beside the
 * project (the development machines and CI). A user's clone has no such folder, so every test
 * that needs the real bytes is declared with {@linkcode realDataTest}, which skips it visibly
 * (Deno reports it as ignored, and `deno task test` lists it by name) when the files are absent.
 * `BNN_TEST_NO_SHARED=1` hides the folder, to try the suite as a clone runs it.
 *
 * @module
 */

import path from "node:path";

/** Where the real datasets are looked for: `../shared/data` from the project root. */
const SHARED_DATA = path.resolve(new URL("../../../shared/data", import.meta.url).pathname);

/** The files each real dataset needs (as stored in `../shared/data`). */
const NEEDED = {
  mnist: [
    "mnist/train-images-idx3-ubyte.gz",
    "mnist/train-labels-idx1-ubyte.gz",
    "mnist/t10k-images-idx3-ubyte.gz",
    "mnist/t10k-labels-idx1-ubyte.gz",
  ],
  cifar10: [1, 2, 3, 4, 5].map((i) => `cifar-10/cifar-10-batches-bin/data_batch_${i}.bin.xz`)
    .concat(["cifar-10/cifar-10-batches-bin/test_batch.bin.xz"]),
} as const;

/** A real dataset some tests need. */
export type RealDataset = keyof typeof NEEDED;

function isFile(p: string): boolean {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
}

/**
 * The real data folder if it holds every file of `datasets` (and `BNN_TEST_NO_SHARED` is not
 * set), else null.
 *
 * @example Usage
 * ```ts
 * import { realDataDir } from "./real_data.ts";
 * const dir = realDataDir("mnist");
 * if (dir !== null && !dir.endsWith("shared/data")) throw new Error(dir);
 * ```
 */
export function realDataDir(...datasets: RealDataset[]): string | null {
  if (Deno.env.get("BNN_TEST_NO_SHARED")) return null;
  const all = datasets.every((d) => NEEDED[d].every((f) => isFile(path.join(SHARED_DATA, f))));
  return all ? SHARED_DATA : null;
}

/**
 * Declares a test that reads the real `datasets`: it gets the data folder as its argument and
 * is skipped (reported as ignored, with what it needs in its name) when the files are absent.
 *
 * @example Usage
 * ```ts ignore
 * import { realDataTest } from "./real_data.ts";
 * realDataTest("loadDataset() reads the real MNIST files", ["mnist"], async (dir) => {
 *   // ... loadDataset("mnist", "test", { dataDir: dir }) ...
 * });
 * ```
 */
export function realDataTest(
  name: string,
  datasets: RealDataset[],
  fn: (dataDir: string, t: Deno.TestContext) => void | Promise<void>,
): void {
  const dir = realDataDir(...datasets);
  Deno.test({
    name: dir === null ? `${name} [needs the real ${datasets.join(", ")} in ../shared/data]` : name,
    ignore: dir === null,
    fn: (t) => fn(dir!, t),
  });
}
