/**
 * The page's "test images" strip: the first {@linkcode TEST_IMAGE_COUNT} images of the model's
 * dataset's test split, with their labels, as one small JSON file (`/test_images.json`, ~40 KB
 * for MNIST) that `serve` makes from the dataset files at start-up.
 *
 * The dataset is looked for as training does (`--data-dir`, else `$BNN_DATA_DIR`, else the bnn
 * cache) but never downloaded: without its files the page simply has no strip, and says how to
 * get one. The bundle is cached in `<bnn cache>/serve/`, under a name that holds a fingerprint of
 * the folders it was made from (each file's name, size and modification time), so another data
 * folder or a replaced file makes a new one; it is written atomically and never committed.
 * @module
 */
import path from "node:path";
import { writeFileAtomic } from "../train/checkpoint.ts";
import { cacheDir, searchDirs } from "../train/data/data_dir.ts";
import { type DatasetName, DATASETS } from "../train/data/datasets.ts";
import { loadDataset } from "../train/data/load_dataset.ts";
import { oneLine } from "../cli/errors.ts";

/** How many test images the strip holds. */
export const TEST_IMAGE_COUNT = 40;

/** The bundle's JSON: images NHWC uint8 in base64, labels, and where they came from. */
export interface TestImageBundle {
  dataset: string;
  split: "test";
  /** Index of each image in the test split. */
  indices: number[];
  labels: number[];
  height: number;
  width: number;
  channels: number;
  /** `count·height·width·channels` bytes, NHWC, base64. */
  pixels: string;
}

/** The bundle as served (`json` null when there is none) and a line saying what it is. */
export interface TestImages {
  json: string | null;
  /** How many images it holds (0 when none). */
  count: number;
  note: string;
}

/** Where to look for the dataset and keep the cache. */
export interface TestImageOptions {
  dataDir?: string;
  cacheDir?: string;
  /** CIFAR-100's label mode (default `fine`). */
  labelMode?: "fine" | "coarse";
}

/** A fingerprint of the files the dataset may be read from (see the module doc). */
async function sourceFingerprint(name: DatasetName, options: TestImageOptions): Promise<string> {
  const seen: string[] = [];
  for (const dir of searchDirs(options)) {
    for (const folder of DATASETS[name].folders) {
      const where = path.join(dir, folder);
      try {
        for await (const e of Deno.readDir(where)) {
          if (!e.isFile) continue;
          const s = await Deno.stat(path.join(where, e.name));
          seen.push(`${path.join(where, e.name)}:${s.size}:${s.mtime?.getTime() ?? 0}`);
        }
      } catch { /* no such folder */ }
    }
  }
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(seen.sort().join("\n")),
  );
  return Array.from(new Uint8Array(digest).slice(0, 8), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/** Base64 of bytes (chunked: `String.fromCharCode` takes a bounded argument count). */
function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

/** The number of images of a bundle's JSON, or null when it is not a whole bundle. */
function bundleCount(json: string): number | null {
  try {
    const b = JSON.parse(json) as TestImageBundle;
    const n = b.labels.length;
    const bytes = n * b.height * b.width * b.channels;
    return n > 0 && b.indices.length === n && atob(b.pixels).length === bytes ? n : null;
  } catch {
    return null;
  }
}

/** Makes the bundle from the dataset's test split (throws what `loadDataset` throws). */
async function makeBundle(name: DatasetName, options: TestImageOptions): Promise<string> {
  const ds = await loadDataset(name, "test", {
    dataDir: options.dataDir,
    cacheDir: options.cacheDir,
    labels: options.labelMode,
    download: false,
  });
  const n = Math.min(TEST_IMAGE_COUNT, ds.count);
  const size = ds.height * ds.width * ds.channels;
  const bundle: TestImageBundle = {
    dataset: name,
    split: "test",
    indices: Array.from({ length: n }, (_, i) => i),
    labels: Array.from(ds.labels.subarray(0, n)),
    height: ds.height,
    width: ds.width,
    channels: ds.channels,
    pixels: base64(ds.images.subarray(0, n * size)),
  };
  return JSON.stringify(bundle);
}

/**
 * The test-image bundle of `dataset` (see the module doc): from the cache when it is there,
 * else made from the dataset files and cached; none when the dataset is not a built-in one or
 * its test files are missing or damaged (`note` says why, in one line).
 *
 * @param dataset The model's dataset (`null` when unknown).
 * @param options Where the data and the cache are.
 * @returns The bundle's JSON (or null), its image count and a note.
 * @example Usage
 * ```ts
 * import { testImageBundle } from "./test_images.ts";
 * const r = await testImageBundle("mnist", { dataDir: "/nonexistent", cacheDir: "/nonexistent" });
 * if (r.json !== null || !r.note.startsWith("no test images")) throw new Error(r.note);
 * ```
 */
export async function testImageBundle(
  dataset: string | null,
  options: TestImageOptions = {},
): Promise<TestImages> {
  if (dataset === null || !Object.hasOwn(DATASETS, dataset)) {
    const note = `no test images: the model's dataset ${dataset} is not built in`;
    return { json: null, count: 0, note };
  }
  const name = dataset as DatasetName;
  const label = options.labelMode ?? "fine";
  const fingerprint = await sourceFingerprint(name, options);
  const key = `${name}-${label}-test-first${TEST_IMAGE_COUNT}-${fingerprint}`;
  const cached = path.join(cacheDir(options), "serve", `${key}.json`);
  const old = await Deno.readTextFile(cached).catch(() => null);
  const oldCount = old === null ? null : bundleCount(old);
  if (oldCount !== null) {
    return { json: old, count: oldCount, note: `${oldCount} ${name} test images (${cached})` };
  }
  let json: string;
  try {
    json = await makeBundle(name, options);
  } catch (e) {
    const why = oneLine((e as Error).message, 200);
    return { json: null, count: 0, note: `no test images: ${why} (give --data-dir DIR)` };
  }
  const count = bundleCount(json)!;
  try {
    await Deno.mkdir(path.dirname(cached), { recursive: true });
    await writeFileAtomic(cached, json);
    return { json, count, note: `${count} ${name} test images (cached in ${cached})` };
  } catch (e) {
    const why = oneLine((e as Error).message, 120);
    return { json, count, note: `${count} ${name} test images (not cached: ${why})` };
  }
}
