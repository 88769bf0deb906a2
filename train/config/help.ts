/**
 * The config key table as text for `--help` and as Markdown for the README.
 * Public through {@linkcode ./mod.ts}.
 * @module
 */

import { describeAllowed, formatValue } from "./check.ts";
import { CONFIG_KEYS, type ConfigKey, type DefaultContext, type Optimizer } from "./keys.ts";
import { type DatasetName, DATASETS } from "../data/datasets.ts";
import type { Architecture } from "../models/architectures.ts";
import { OPTIMIZER_KINDS } from "../optimizers/optimizer_kind.ts";

const KEY_ORDER = Object.keys(CONFIG_KEYS) as ConfigKey[];
const DATASET_NAMES = Object.keys(DATASETS) as DatasetName[];
const QUOTED_KINDS = OPTIMIZER_KINDS.map((k) => JSON.stringify(k));
const TRAIN_TASKS = OPTIMIZER_KINDS.map((k) => `train:${k}`).join(" / ");

/** Default of `key` per dataset (each with its default architecture), grouped by value. */
function defaultText(key: ConfigKey, optimizer: Optimizer | undefined): string {
  const spec = CONFIG_KEYS[key];
  const texts = spec.appliesTo.filter((o) => optimizer === undefined || o === optimizer).map(
    (o) => {
      const groups = new Map<string, string[]>();
      for (const dataset of DATASET_NAMES) {
        const ctx: DefaultContext = {
          optimizer: o,
          dataset,
          labelMode: "fine",
          architecture: "BinaryConnect",
        };
        ctx.architecture = CONFIG_KEYS.model_architecture.default(ctx) as Architecture;
        const text = formatValue(spec.default(ctx));
        groups.set(text, [...(groups.get(text) ?? []), dataset]);
      }
      if (groups.size === 1) return [...groups.keys()][0] ?? "";
      return [...groups].map(([text, ds]) => `${text} (${ds.join(", ")})`).join(", ");
    },
  );
  const [first, second] = texts;
  if (second === undefined || first === second) return first ?? "";
  return spec.appliesTo.map((o, i) => `${o}: ${texts[i]}`).join("; ");
}

/**
 * The key table as text for `--help` (keys of `optimizer`), or as a Markdown table
 * for the README (all keys when `optimizer` is undefined): name, type and allowed
 * values, default (per dataset), the optimizers it applies to, and its description.
 *
 * @param optimizer Only the keys of this optimizer, with its defaults; all when undefined.
 * @param format `text` (two lines per key) or `markdown` (one table).
 *
 * @example Usage
 * ```ts
 * import { configHelp } from "./help.ts";
 * const help = configHelp("bayesbinn");
 * if (!help.includes("--temperature") || help.includes("--grad_clip_value")) throw new Error();
 * if (!configHelp(undefined, "markdown").startsWith("| key |")) throw new Error();
 * ```
 */
export function configHelp(optimizer?: Optimizer, format: "text" | "markdown" = "text"): string {
  const keys = KEY_ORDER.filter((k) =>
    optimizer === undefined || CONFIG_KEYS[k].appliesTo.includes(optimizer)
  );
  if (format === "markdown") {
    const rows = keys.map((key) => {
      const spec = CONFIG_KEYS[key];
      const cells = [
        `\`${key}\``,
        describeAllowed(spec),
        defaultText(key, optimizer),
        spec.appliesTo.join(", "),
        spec.origin,
        spec.doc,
      ];
      return `| ${cells.map((c) => c.replaceAll("|", "\\|")).join(" | ")} |`;
    });
    return [
      "| key | allowed | default | applies to | from | description |",
      "|---|---|---|---|---|---|",
      `| \`optimizer\` | one of ${QUOTED_KINDS.join(", ")} | the command's | ${
        OPTIMIZER_KINDS.join(", ")
      } | bnn | Optional in a file (saved configs carry it); must match the command (${TRAIN_TASKS}); not a flag |`,
      ...rows,
    ].join("\n") + "\n";
  }
  const lines = [
    'Config keys: in a JSON file as "key": value, or on the command line as --key value',
    "(kebab-case --batch-size also accepted). Defaults are the paper's, per dataset.",
    `A file may also hold "optimizer": ${
      QUOTED_KINDS.join(" | ")
    } (saved configs do); it must match the command.`,
  ];
  for (const key of keys) {
    const spec = CONFIG_KEYS[key];
    const kebab = key.replaceAll("_", "-");
    const flags = kebab === key ? `--${key}` : `--${key}, --${kebab}`;
    lines.push(`  ${flags}  (${describeAllowed(spec)}; default ${defaultText(key, optimizer)})`);
    lines.push(
      `      ${spec.doc}${optimizer === undefined ? ` [${spec.appliesTo.join(", ")}]` : ""}`,
    );
  }
  return lines.join("\n") + "\n";
}
