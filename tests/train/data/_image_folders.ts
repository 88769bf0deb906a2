/**
 * Image-folder datasets that the tests write: a dataset's images as one PNG per image in
 * `ROOT/<split>/<label>/<index>.png` (lossless, so the pixels come back exactly), and a small
 * set of drawn shapes in PNG and JPEG, of mixed sizes, grey and RGB.
 *
 * @module
 */

import sharp from "sharp";
import type { ImageDataset } from "../../../train/data/dataset.ts";

/**
 * Writes `ds` as PNG files `root/<split>/<label>/<index, 5 digits>.png` (one channel or three,
 * as `ds`), each split holding every image. Returns the order a folder lists them in:
 * by label, then by index.
 */
export async function writePngFolder(
  ds: ImageDataset,
  root: string,
  splits: readonly string[] = ["train", "test"],
): Promise<Uint32Array> {
  const px = ds.height * ds.width * ds.channels;
  const [first, ...others] = splits;
  for (let c = 0; c < ds.numClasses; c++) {
    await Deno.mkdir(`${root}/${first}/${c}`, { recursive: true });
  }
  const jobs: Promise<unknown>[] = [];
  for (let i = 0; i < ds.count; i++) {
    const raw = ds.images.subarray(i * px, (i + 1) * px);
    const options = { raw: { width: ds.width, height: ds.height, channels: ds.channels as 1 | 3 } };
    const file = `${root}/${first}/${ds.labels[i]}/${String(i).padStart(5, "0")}.png`;
    jobs.push(sharp(raw, options).png().toFile(file));
    if (jobs.length >= 32) await Promise.all(jobs.splice(0));
  }
  await Promise.all(jobs);
  // the other splits are the same files, through a symlink (the scan follows it)
  for (const split of others) await Deno.symlink(`${root}/${first}`, `${root}/${split}`);
  const order = Array.from({ length: ds.count }, (_, i) => i);
  order.sort((a, b) => ds.labels[a] - ds.labels[b] || a - b);
  return Uint32Array.from(order);
}

/** `ds`'s images and labels in `order`, as raw IDX files (`<prefix>-images-idx3-ubyte`, …). */
export async function writeIdx(
  ds: ImageDataset,
  order: Uint32Array,
  dir: string,
  prefixes: readonly string[] = ["train", "t10k"],
): Promise<void> {
  const px = ds.height * ds.width;
  const images = new Uint8Array(16 + order.length * px);
  const labels = new Uint8Array(8 + order.length);
  const iv = new DataView(images.buffer), lv = new DataView(labels.buffer);
  iv.setUint32(0, 0x803), iv.setUint32(4, order.length);
  iv.setUint32(8, ds.height), iv.setUint32(12, ds.width);
  lv.setUint32(0, 0x801), lv.setUint32(4, order.length);
  order.forEach((i, n) => {
    images.set(ds.images.subarray(i * px, (i + 1) * px), 16 + n * px);
    labels[8 + n] = ds.labels[i];
  });
  await Deno.mkdir(dir, { recursive: true });
  for (const p of prefixes) {
    await Deno.writeFile(`${dir}/${p}-images-idx3-ubyte`, images);
    await Deno.writeFile(`${dir}/${p}-labels-idx1-ubyte`, labels);
  }
}

/** The classes of {@linkcode writeShapesFolder}, in label order. */
export const SHAPE_CLASSES = ["circle", "square", "stripes"] as const;

/**
 * Writes a 3-class image folder: a disc, a square or vertical stripes, bright on a dark
 * background, `perClass` images per class and split (`train`, `test`), with sides from 20 to
 * 36 pixels (none square but one in six), alternately grey and RGB, every third a JPEG, some
 * lossless WebP, the rest PNGs. Images differ by their brightness (seeded by the index).
 */
export async function writeShapesFolder(
  root: string,
  perClass: { train: number; test: number },
): Promise<void> {
  let n = 0;
  for (const split of ["train", "test"] as const) {
    for (let c = 0; c < SHAPE_CLASSES.length; c++) {
      const dir = `${root}/${split}/${SHAPE_CLASSES[c]}`;
      await Deno.mkdir(dir, { recursive: true });
      for (let i = 0; i < perClass[split]; i++, n++) {
        const w = 20 + (i % 3) * 8, h = 20 + (i % 2) * 16;
        const channels = i % 2 === 0 ? 1 : 3;
        const px = new Uint8Array(w * h * channels);
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) {
            const u = x / w - 0.5, v = y / h - 0.5;
            const on = c === 0
              ? u * u + v * v < 0.09
              : c === 1
              ? Math.abs(u) < 0.3 && Math.abs(v) < 0.3
              : Math.floor((x * 8) / w) % 2 === 0;
            for (let k = 0; k < channels; k++) {
              px[(y * w + x) * channels + k] = on ? 180 + ((n * 7 + k * 20) % 70) : (n * 13) % 50;
            }
          }
        }
        const img = sharp(px, { raw: { width: w, height: h, channels: channels as 1 | 3 } });
        const file = `${dir}/${String(i).padStart(3, "0")}`;
        if (i % 3 === 0) await img.jpeg({ quality: 95 }).toFile(`${file}.jpg`);
        else if (i % 5 === 4) await img.webp({ lossless: true }).toFile(`${file}.webp`);
        else await img.png().toFile(`${file}.png`);
      }
    }
  }
}

/** Every path under `dir` (files and folders), relative, sorted; [] when it does not exist. */
export async function treeOf(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, rel: string) => {
    for await (const e of Deno.readDir(d)) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      out.push(r);
      if (e.isDirectory) await walk(`${d}/${e.name}`, r);
    }
  };
  await walk(dir, "").catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
  return out.sort();
}
