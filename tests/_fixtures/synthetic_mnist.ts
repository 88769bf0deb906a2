/**
 * A stand-in for MNIST in the official IDX format, for tests that exercise the trainer, the
 * CLI or the data pipeline rather than MNIST itself: the official file names and counts
 * (60,000 + 10,000 images of 28×28, labels 0–9), written once per process into a temporary
 * folder. Each class is a fixed pattern of blobs, drawn shifted by up to 2 pixels with noise,
 * so a small binary MLP learns it within an epoch, as it learns MNIST.
 *
 * {@linkcode mnistDataDir} gives the real MNIST when the machine has it and this stand-in
 * otherwise, so the same test runs on a user's clone.
 *
 * @module
 */

import { realDataDir } from "./real_data.ts";
import { generator } from "./seeded_random.ts";

/** The official file names, counts and IDX headers of MNIST's two splits. */
const SPLITS = [
  { images: "train-images-idx3-ubyte", labels: "train-labels-idx1-ubyte", count: 60000 },
  { images: "t10k-images-idx3-ubyte", labels: "t10k-labels-idx1-ubyte", count: 10000 },
] as const;
const SIDE = 28;

/** Ten 28×28 class patterns, each five blobs of radius 2–4 inside the central 20×20. */
function classPatterns(rand: () => number): Uint8Array[] {
  return Array.from({ length: 10 }, () => {
    const p = new Uint8Array(SIDE * SIDE);
    for (let b = 0; b < 5; b++) {
      const cy = 6 + rand() * 16, cx = 6 + rand() * 16, r = 2 + rand() * 2;
      for (let y = 0; y < SIDE; y++) {
        for (let x = 0; x < SIDE; x++) {
          if ((y - cy) ** 2 + (x - cx) ** 2 <= r * r) p[y * SIDE + x] = 255;
        }
      }
    }
    return p;
  });
}

/** `count` images (IDX bytes, header included) and their labels, drawn from `patterns`. */
function drawSplit(count: number, patterns: Uint8Array[], rand: () => number) {
  const px = SIDE * SIDE;
  const images = new Uint8Array(16 + count * px);
  const labels = new Uint8Array(8 + count);
  const iv = new DataView(images.buffer), lv = new DataView(labels.buffer);
  iv.setUint32(0, 0x803), iv.setUint32(4, count), iv.setUint32(8, SIDE), iv.setUint32(12, SIDE);
  lv.setUint32(0, 0x801), lv.setUint32(4, count);
  for (let n = 0; n < count; n++) {
    const label = Math.floor(rand() * 10);
    labels[8 + n] = label;
    const dy = Math.floor(rand() * 5) - 2, dx = Math.floor(rand() * 5) - 2;
    const src = patterns[label], o = 16 + n * px;
    for (let y = 0; y < SIDE; y++) {
      const sy = y - dy;
      if (sy < 0 || sy >= SIDE) continue;
      for (let x = 0; x < SIDE; x++) {
        const sx = x - dx;
        if (sx < 0 || sx >= SIDE || src[sy * SIDE + sx] === 0) continue;
        images[o + y * SIDE + x] = 128 + Math.floor(rand() * 128);
      }
    }
  }
  return { images, labels };
}

let written: Promise<string> | undefined;

/**
 * The folder holding the stand-in (as `DIR/mnist/<official raw file names>`), written on the
 * first call of the process and removed when it exits. Same bytes on every call and machine.
 *
 * @example Usage
 * ```ts
 * import { syntheticMnistDir } from "./synthetic_mnist.ts";
 * const dir = await syntheticMnistDir();
 * const labels = await Deno.readFile(`${dir}/mnist/t10k-labels-idx1-ubyte`);
 * if (labels.length !== 8 + 10000) throw new Error(`${labels.length}`);
 * ```
 */
export function syntheticMnistDir(): Promise<string> {
  written ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "bnn-synthetic-mnist-" });
    globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
    await Deno.mkdir(`${dir}/mnist`);
    const rand = generator(20201);
    const patterns = classPatterns(rand);
    for (const s of SPLITS) {
      const { images, labels } = drawSplit(s.count, patterns, rand);
      await Deno.writeFile(`${dir}/mnist/${s.images}`, images);
      await Deno.writeFile(`${dir}/mnist/${s.labels}`, labels);
    }
    return dir;
  })();
  return written;
}

/**
 * A data folder with MNIST's files: the real ones when the machine has them (see
 * `realDataDir`), else {@linkcode syntheticMnistDir}. For tests of everything but MNIST's
 * own contents, which then run on every clone.
 *
 * @example Usage
 * ```ts
 * import { mnistDataDir } from "./synthetic_mnist.ts";
 * import { loadDataset } from "../../train/data/load_dataset.ts";
 * const test = await loadDataset("mnist", "test", { dataDir: await mnistDataDir(), download: false });
 * if (test.count !== 10000) throw new Error(`${test.count}`);
 * ```
 */
export async function mnistDataDir(): Promise<string> {
  return realDataDir("mnist") ?? await syntheticMnistDir();
}
