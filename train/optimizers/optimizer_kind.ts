/**
 * The names of bnn's two training methods, defined once: the CLI's first argument
 * (`train:bayesbinn`, `train:ste`), a config's `optimizer` key, a checkpoint's optimizer and
 * the `kind` of a binary optimizer ({@linkcode ./binary_optimizer.ts}) are all an
 * {@linkcode OptimizerKind}.
 * @module
 */

/**
 * Every optimizer kind, in the order messages and help list them.
 *
 * @example Usage
 * ```ts
 * import { OPTIMIZER_KINDS } from "./optimizer_kind.ts";
 * if (OPTIMIZER_KINDS.join() !== "bayesbinn,ste") throw new Error();
 * ```
 */
export const OPTIMIZER_KINDS = ["bayesbinn", "ste"] as const;

/**
 * One of {@linkcode OPTIMIZER_KINDS}: `"bayesbinn"` (BayesBiNN) or `"ste"` (STE with Adam).
 *
 * @example Usage
 * ```ts
 * import type { OptimizerKind } from "./optimizer_kind.ts";
 * const kind: OptimizerKind = "bayesbinn";
 * if (kind !== "bayesbinn") throw new Error();
 * ```
 */
export type OptimizerKind = typeof OPTIMIZER_KINDS[number];

/**
 * Whether `value` names an optimizer kind.
 *
 * @example Usage
 * ```ts
 * import { isOptimizerKind } from "./optimizer_kind.ts";
 * if (!isOptimizerKind("ste") || isOptimizerKind("adam")) throw new Error();
 * ```
 */
export function isOptimizerKind(value: unknown): value is OptimizerKind {
  return (OPTIMIZER_KINDS as readonly unknown[]).includes(value);
}
