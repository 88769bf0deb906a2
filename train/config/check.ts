/**
 * Checking one config value against its {@linkcode KeySpec}, parsing `--flag` strings,
 * and wording what a key allows. Cross-key checks live in {@linkcode ./config.ts}.
 * @module
 */

import type { ConfigValue, KeySpec } from "./keys.ts";

/** A decimal number as JavaScript and JSON write it: `3`, `-0.5`, `.5`, `1e-10`, `3E+4`. */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * Writes a number compactly: `1e-10`, `0.0003` → `3e-4`, `100`, `0.15`.
 *
 * @example Usage
 * ```ts
 * import { formatNumber } from "./check.ts";
 * if (formatNumber(0.0003) !== "3e-4") throw new Error();
 * if (formatNumber(0.15) !== "0.15") throw new Error();
 * ```
 */
export function formatNumber(x: number): string {
  if (x !== 0 && Math.abs(x) < 1e-3) return x.toExponential();
  return String(x);
}

/**
 * Writes a config value for a message: strings quoted, numbers compact, and anything longer
 * than 80 characters (a huge string, a deeply nested array) cut to its start and `…`.
 *
 * @example Usage
 * ```ts
 * import { formatValue } from "./check.ts";
 * if (formatValue("mnist") !== '"mnist"' || formatValue(1e-10) !== "1e-10") throw new Error();
 * if (formatValue("x".repeat(1000)).length !== 80) throw new Error("not cut");
 * ```
 */
export function formatValue(value: unknown): string {
  if (typeof value === "number") return formatNumber(value);
  if (value === undefined) return "undefined";
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    // nested too deeply for JSON.stringify's recursion
    text = Array.isArray(value) ? `[${"[".repeat(80)}` : "{…}";
  }
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

/**
 * What a key allows, in words: `an integer >= 1`, `a number in [0, 1)`,
 * `true or false`, `one of "mnist", "cifar10", "cifar100"`.
 *
 * @example Usage
 * ```ts
 * import { describeAllowed } from "./check.ts";
 * import { CONFIG_KEYS } from "./keys.ts";
 * if (describeAllowed(CONFIG_KEYS.validation_split) !== "a number in [0, 1)") throw new Error();
 * ```
 */
export function describeAllowed(spec: KeySpec): string {
  if (spec.type === "boolean") return "true or false";
  if (spec.allowedDoc !== undefined) return spec.allowedDoc;
  if (spec.type === "string") {
    return `one of ${(spec.values ?? []).map((v) => `"${v}"`).join(", ")}`;
  }
  const noun = spec.type === "integer" ? "an integer" : "a number";
  const { min, max } = spec;
  if (min !== undefined && max !== undefined && max !== Number.MAX_SAFE_INTEGER) {
    const open = spec.minExclusive ? "(" : "[";
    const close = spec.maxExclusive ? ")" : "]";
    return `${noun} in ${open}${formatNumber(min)}, ${formatNumber(max)}${close}`;
  }
  if (min !== undefined) return `${noun} ${spec.minExclusive ? ">" : ">="} ${formatNumber(min)}`;
  if (max !== undefined) return `${noun} ${spec.maxExclusive ? "<" : "<="} ${formatNumber(max)}`;
  return noun;
}

/**
 * Why `value` is not allowed for the key, or `undefined` when it is: a wrong JSON type,
 * a number out of range, or a string outside the allowed set.
 *
 * @example Usage
 * ```ts
 * import { checkValue } from "./check.ts";
 * import { CONFIG_KEYS } from "./keys.ts";
 * if (checkValue(CONFIG_KEYS.temperature, 1e-10) !== undefined) throw new Error();
 * if (checkValue(CONFIG_KEYS.temperature, 0) !== "is out of range") throw new Error();
 * ```
 */
export function checkValue(spec: KeySpec, value: unknown): string | undefined {
  switch (spec.type) {
    case "boolean":
      return typeof value === "boolean" ? undefined : "has the wrong type";
    case "string":
      if (typeof value !== "string") return "has the wrong type";
      if ((spec.values ?? []).includes(value) || spec.accepts?.(value)) return undefined;
      return "is not allowed";
    case "integer":
    case "number": {
      if (typeof value !== "number" || !Number.isFinite(value)) return "has the wrong type";
      if (spec.type === "integer" && !Number.isSafeInteger(value)) return "is not an integer";
      const { min, max } = spec;
      if (min !== undefined && (spec.minExclusive ? value <= min : value < min)) {
        return "is out of range";
      }
      if (max !== undefined && (spec.maxExclusive ? value >= max : value > max)) {
        return "is out of range";
      }
      return undefined;
    }
    default:
      return spec.type satisfies never;
  }
}

/**
 * Parses a `--flag` string to the key's JSON type: numbers in decimal or exponent
 * form (`1e-10`), booleans `true`/`false`, strings as given. Returns `undefined`
 * when the text is not of the type (range and allowed set are checked by
 * {@linkcode checkValue}).
 *
 * @example Usage
 * ```ts
 * import { parseFlagValue } from "./check.ts";
 * import { CONFIG_KEYS } from "./keys.ts";
 * if (parseFlagValue(CONFIG_KEYS.temperature, "1e-8") !== 1e-8) throw new Error();
 * if (parseFlagValue(CONFIG_KEYS.batch_affine, "yes") !== undefined) throw new Error();
 * ```
 */
export function parseFlagValue(spec: KeySpec, raw: string): ConfigValue | undefined {
  switch (spec.type) {
    case "boolean":
      return raw === "true" ? true : raw === "false" ? false : undefined;
    case "string":
      return raw;
    case "integer":
    case "number":
      return NUMBER.test(raw.trim()) ? Number(raw.trim()) : undefined;
    default:
      return spec.type satisfies never;
  }
}
