/**
 * The paper's Table 2 (Meng, Bachmann & Khan, ICML 2020): test accuracy in %, mean ± std of 5
 * runs of 500 epochs, at the epoch of best validation accuracy — the one place bnn keeps these
 * numbers (they are copied from the spec, `reference.md` §6).
 * @module
 */
import type { OptimizerKind } from "../train/optimizers/optimizer_kind.ts";

/** A mean ± std in %. */
export interface PaperValue {
  mean: number;
  std: number;
}

/** The methods of Table 2, as bnn names its optimizers. */
export const METHOD_NAMES: Readonly<Record<OptimizerKind, string>> = {
  bayesbinn: "BayesBiNN (mode)",
  ste: "STE-Adam",
};

/** Table 2's binary-network rows: dataset → optimizer → test accuracy %. */
export const PAPER_TABLE2: Readonly<Record<string, Readonly<Record<OptimizerKind, PaperValue>>>> = {
  mnist: { ste: { mean: 98.85, std: 0.09 }, bayesbinn: { mean: 98.86, std: 0.05 } },
  cifar10: { ste: { mean: 93.55, std: 0.15 }, bayesbinn: { mean: 93.72, std: 0.16 } },
  cifar100: { ste: { mean: 72.89, std: 0.21 }, bayesbinn: { mean: 73.68, std: 0.31 } },
};

/** The network of Table 2 on each dataset (other architectures have no Table 2 value). */
export const TABLE2_ARCHITECTURES: Readonly<Record<string, string>> = {
  mnist: "BinaryConnect",
  cifar10: "VGGBinaryConnect",
  cifar100: "VGGBinaryConnect",
};

/** The paper's protocol: runs per config and epochs per run. */
export const PAPER_PROTOCOL = { seeds: 5, epochs: 500 } as const;

/**
 * The paper's value for `optimizer` on `dataset` with `architecture`, or null when Table 2 has
 * none.
 *
 * @example Usage
 * ```ts
 * import { paperValue } from "./paper_table2.ts";
 * if (paperValue("mnist", "ste", "BinaryConnect")?.mean !== 98.85) throw new Error();
 * if (paperValue("mnist", "ste", "LRNetSmall") !== null) throw new Error();
 * ```
 */
export function paperValue(
  dataset: string,
  optimizer: OptimizerKind,
  architecture: string,
): PaperValue | null {
  if (TABLE2_ARCHITECTURES[dataset] !== architecture) return null;
  return PAPER_TABLE2[dataset]?.[optimizer] ?? null;
}
