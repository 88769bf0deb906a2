/**
 * The data `eval` reads for a custom dataset (`idx:DIR`, `cifar:DIR`, `folder:PATH`): both
 * splits as training read them (`loadRunData`; a folder decoded to the model's input size and
 * channels, from the cache when training already decoded it), the normalization the run
 * recorded (the sidecar's `dataset_record`, else the one computed from these files' training
 * split), the class names, and whether the test files are the run's: their checksum against
 * the one the run recorded, so a report can say "accuracy recorded by the run: … on other files".
 *
 * @module
 */

import { ExportError } from "./export_error.ts";
import type { ExportSidecar } from "./sidecar.ts";
import type { ImageDataset } from "../train/data/dataset.ts";
import type { Normalization } from "../train/data/normalization.ts";
import { isDatasetRecord, loadRunData } from "../train/data/run_data.ts";

/** A custom dataset as `eval` uses it. */
export interface CustomEvalData {
  train: ImageDataset;
  test: ImageDataset;
  normalization: Normalization;
  /** The class names, in label order. */
  classes: string[];
  /** Whether the test files are those the run recorded; null when the run recorded none. */
  sameFiles: boolean | null;
}

/**
 * Loads a custom dataset for `eval` (see the module doc).
 *
 * @param name The `dataset` value (`folder:/data/flowers`, …).
 * @param inputShape The model's input `[C, H, W]`.
 * @param sidecar The model's sidecar, if any.
 * @param labels CIFAR records with two label bytes: which one.
 * @returns The splits, normalization, class names and whether the test files are the run's.
 * @throws {ExportError} If the files' classes are not the model's.
 * @throws {DataError} On a bad dataset file or folder.
 *
 * @example Usage
 * ```ts
 * import { loadCustomEvalData } from "./eval_data.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeFile(`${dir}/data_batch_1.bin`, new Uint8Array([0, 10, 10, 10, 1, 30, 30, 30]));
 * await Deno.writeFile(`${dir}/test_batch.bin`, new Uint8Array([1, 0, 0, 0]));
 * const d = await loadCustomEvalData(`cifar:${dir}`, [3, 1, 1], null, "fine");
 * await Deno.remove(dir, { recursive: true });
 * if (d.classes.join() !== "0,1" || d.sameFiles !== null || d.test.count !== 1) throw new Error();
 * ```
 */
export async function loadCustomEvalData(
  name: string,
  inputShape: [number, number, number],
  sidecar: ExportSidecar | null,
  labels: "fine" | "coarse",
): Promise<CustomEvalData> {
  const [C, H] = inputShape;
  const data = await loadRunData(
    { dataset: name, label_mode: labels, limit_train: 0, limit_test: 0 },
    { size: H, channels: C === 1 ? 1 : 3 },
  );
  const mine = data.record!;
  const recorded = isDatasetRecord(sidecar?.dataset_record) ? sidecar.dataset_record : null;
  if (recorded !== null && recorded.classes.join("\n") !== mine.classes.join("\n")) {
    throw new ExportError(
      `${name} has classes ${JSON.stringify(mine.classes)} but the model was trained on ${
        JSON.stringify(recorded.classes)
      }`,
    );
  }
  return {
    train: data.train,
    test: data.test,
    normalization: recorded?.normalization ?? mine.normalization,
    classes: mine.classes,
    sameFiles: recorded === null ? null : recorded.test.sha256 === mine.test.sha256,
  };
}
