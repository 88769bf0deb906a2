/**
 * The layout of a class-per-folder image dataset (torchvision's `ImageFolder`, Keras'
 * `image_dataset_from_directory`) and the scan that lists it:
 *
 *     PATH/train/<class>/**\/*.png|jpg|jpeg|webp
 *     PATH/test/<class>/**\/*.png|jpg|jpeg|webp
 *
 * Classes are the train split's sub-folders sorted by name (code point order, as Python's
 * `sorted`); class k is the k-th. Images are listed per class, sub-folders included (symlinks
 * followed), sorted by their path under the class folder, so the order never depends on the
 * file system. A test class must be a train class; the test split may lack some.
 *
 * A missing test split is refused, not carved from train: a test set that moved with the seed
 * or the validation split would make runs incomparable.
 *
 * Stray files that are no images, such as `.DS_Store`, `Thumbs.db` or `desktop.ini` (any name
 * starting with a dot), are skipped and counted; any other file that is not a PNG, JPEG or
 * WebP by its extension, an empty file, an empty class folder, a single class, a test class
 * missing from train and a symlink loop are each one {@linkcode DataError} naming the path.
 *
 * @module
 */

import path from "node:path";
import { DataError } from "./data_error.ts";
import type { Split } from "./datasets.ts";

/** File name endings of the images that are read (case-insensitive). */
export const IMAGE_EXTENSIONS = [".png", ".jpg", ".jpeg", ".webp"] as const;

/** One image file of a scanned split. */
export interface ImageFile {
  /** Its path. */
  path: string;
  /** Its path under the split folder, `/`-separated (`cat/001.png`). */
  rel: string;
  /** Its size in bytes. */
  size: number;
  /** Its modification time, ms since the epoch (0 when unknown). */
  mtime: number;
  /** Its class index. */
  label: number;
}

/** A scanned split of an image folder. */
export interface ScannedSplit {
  /** The split folder (`PATH/train`). */
  dir: string;
  /** The class names, in label order (the train split's). */
  classes: string[];
  /** The images, by class then path. */
  files: ImageFile[];
  /** Stray non-image files skipped (paths under the split folder). */
  skipped: string[];
}

/** Whether a file is a stray non-image that the scan skips rather than refuses. */
function isStray(name: string): boolean {
  return name.startsWith(".") || ["thumbs.db", "desktop.ini"].includes(name.toLowerCase());
}

function isImageName(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/** `stat` (following symlinks) as a DataError naming `p` on failure. */
async function statOrFail(p: string): Promise<Deno.FileInfo> {
  try {
    return await Deno.stat(p);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      // lstat works on a dangling symlink; stat does not
      const isLink = await Deno.lstat(p).then((s) => s.isSymlink, () => false);
      throw new DataError(p, isLink ? "is a symlink to nothing" : "not found", { cause: e });
    }
    const loop = e instanceof Error && /too many levels of symbolic links/i.test(e.message);
    if (loop) throw new DataError(p, "is a symlink loop", { cause: e });
    const why = e instanceof Error ? e.message.split("\n")[0] : String(e);
    throw new DataError(p, `cannot read it: ${why}`, { cause: e });
  }
}

/** The entries of a folder, sorted by name. */
async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  } catch (e) {
    const why = e instanceof Error ? e.message.split("\n")[0] : String(e);
    throw new DataError(dir, `cannot list the folder: ${why}`, { cause: e });
  }
  return names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The images under a class folder (recursively), refusing symlink loops. */
async function walkClass(
  dir: string,
  rel: string,
  label: number,
  ancestors: Set<string>,
  out: { files: ImageFile[]; skipped: string[] },
): Promise<void> {
  const real = await Deno.realPath(dir).catch(() => dir);
  if (ancestors.has(real)) {
    throw new DataError(dir, `is a symlink loop (it leads back to ${real})`);
  }
  ancestors.add(real);
  for (const name of await listDir(dir)) {
    const p = path.join(dir, name);
    const r = `${rel}/${name}`;
    if (isStray(name)) {
      out.skipped.push(r);
      continue;
    }
    const stat = await statOrFail(p);
    if (stat.isDirectory) {
      await walkClass(p, r, label, ancestors, out);
    } else if (!isImageName(name)) {
      throw new DataError(
        p,
        `is not a PNG, JPEG or WebP image (by its name): move it out of the dataset folder`,
      );
    } else if (!stat.isFile) {
      throw new DataError(p, "is not a regular file");
    } else if (stat.size === 0) {
      throw new DataError(p, "is empty (0 bytes): not an image");
    } else {
      out.files.push({
        path: p,
        rel: r,
        size: stat.size,
        mtime: stat.mtime?.getTime() ?? 0,
        label,
      });
    }
  }
  ancestors.delete(real);
}

/**
 * Lists a split of an image folder: its classes and image files (see the module doc).
 *
 * @param root The dataset folder `PATH`.
 * @param split `"train"` or `"test"`.
 * @param trainClasses For the test split: the train split's classes (its labels index them).
 * @returns The classes, the files by class then path, and the stray files skipped.
 * @throws {DataError} On a missing split, an empty class folder, a non-image file, an empty
 *   file, a symlink loop, fewer than 2 classes, more than 256, or a test class not in train.
 *
 * @example Usage
 * ```ts
 * import { scanImageFolder } from "./image_folder.ts";
 * const root = await Deno.makeTempDir();
 * for (const c of ["cat", "dog"]) {
 *   await Deno.mkdir(`${root}/train/${c}`, { recursive: true });
 *   await Deno.writeFile(`${root}/train/${c}/1.png`, new Uint8Array([1]));
 * }
 * const s = await scanImageFolder(root, "train");
 * await Deno.remove(root, { recursive: true });
 * if (s.classes.join() !== "cat,dog" || s.files[1]?.rel !== "dog/1.png") throw new Error();
 * ```
 */
export async function scanImageFolder(
  root: string,
  split: Split,
  trainClasses?: readonly string[],
): Promise<ScannedSplit> {
  const dir = path.join(root, split);
  const rootStat = await Deno.stat(root).catch(() => null);
  if (rootStat === null || !rootStat.isDirectory) {
    throw new DataError(root, rootStat === null ? "not found" : "is not a folder");
  }
  const stat = await Deno.stat(dir).catch(() => null);
  if (stat === null || !stat.isDirectory) {
    throw new DataError(
      dir,
      split === "test"
        ? `no test split: put test images in ${dir}/<class>/ (bnn does not carve a test set out of train)`
        : `no train split: expected ${dir}/<class>/<images>`,
    );
  }
  const out = { files: [] as ImageFile[], skipped: [] as string[] };
  const found: string[] = [];
  for (const name of await listDir(dir)) {
    const p = path.join(dir, name);
    if (isStray(name)) {
      out.skipped.push(name);
      continue;
    }
    if (!(await statOrFail(p)).isDirectory) {
      throw new DataError(p, `is not in a class folder: expected ${dir}/<class>/${name}`);
    }
    found.push(name);
  }
  const classes = trainClasses ? [...trainClasses] : found;
  checkClasses(dir, found, classes, split);
  for (const name of found) {
    const before = out.files.length;
    await walkClass(path.join(dir, name), name, classes.indexOf(name), new Set(), out);
    if (out.files.length === before) {
      throw new DataError(
        path.join(dir, name),
        "is an empty class folder: no PNG, JPEG or WebP image",
      );
    }
  }
  return { dir, classes, files: out.files, skipped: out.skipped };
}

/** The checks on a split's class folders against the classes its labels index. */
function checkClasses(dir: string, found: string[], classes: string[], split: Split): void {
  if (split === "train" && found.length < 2) {
    throw new DataError(
      dir,
      `has ${
        found.length === 0 ? "no class folder" : `one class (${found[0]})`
      }: a classifier needs at least 2 class folders`,
    );
  }
  if (classes.length > 256) {
    throw new DataError(dir, `has ${classes.length} classes: bnn takes at most 256`);
  }
  for (const name of found) {
    if (!classes.includes(name)) {
      throw new DataError(
        path.join(dir, name),
        `is a class in the test split but not in train (train classes: ${classes.join(", ")})`,
      );
    }
  }
}
