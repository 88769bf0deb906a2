/**
 * Datasets for bnn: readers for the official MNIST (IDX) and CIFAR-10/100 (binary) files,
 * locating, downloading (MD5-checked, atomic) and caching them; the user's own data (custom
 * IDX and CIFAR sets, class-per-folder PNG/JPEG/WebP images decoded with sharp and cached);
 * normalization constants, CIFAR augmentation, the validation split and bounded-memory
 * minibatches.
 *
 * @example Usage
 * ```ts ignore
 * import { batches, loadDataset, NORMALIZATION, splitValidation } from "./mod.ts";
 * import { Rng } from "../random.ts";
 * const ds = await loadDataset("cifar10", "train");
 * const { train } = splitValidation(ds.count, 0.1, new Rng(10, "split"));
 * const augment = new Rng(10, "augment");
 * for (const b of batches(ds, train, { batchSize: 128, normalization: NORMALIZATION.cifar10, augment })) {
 *   // b.x: Float32Array of b.size×32×32×3, b.y: Int32Array of b.size
 * }
 * ```
 * @module
 */

export * from "./batches.ts";
export * from "./cifar_binary.ts";
export * from "./data_dir.ts";
export * from "./data_error.ts";
export * from "./dataset.ts";
export * from "./dataset_ref.ts";
export * from "./datasets.ts";
export * from "./decode_images.ts";
export * from "./download.ts";
export * from "./gunzip.ts";
export * from "./idx.ts";
export * from "./image_cache.ts";
export * from "./image_folder.ts";
export * from "./load_custom_binary.ts";
export * from "./load_dataset.ts";
export * from "./load_image_folder.ts";
export * from "./md5.ts";
export * from "./normalization.ts";
export * from "./random_crop_flip.ts";
export * from "./run_data.ts";
export * from "./split_validation.ts";
export * from "./take_first.ts";
export * from "./tar.ts";
export * from "./xz.ts";
