/**
 * Fuzzed config files (train/config.ts): 240 mutants of a resolved config written by
 * `configToJson` through `resolveConfig`, what `train:*` does with `CONFIG.json`: truncations,
 * bit flips, appended bytes, and values replaced by absurd ones key by key; then a few through
 * the trainer's CLI.
 * @module
 */
import assert from "node:assert/strict";
import path from "node:path";
import { type Config, configToJson, resolveConfig } from "../../train/config/mod.ts";
import {
  expectCliBadInput,
  fuzzFormat,
  generator,
  mutants,
  type SpecialMutant,
  summary,
} from "./_mutate.ts";

const SEED = 0xc0f;
const enc = new TextEncoder();

/** Absurd or wrong values, as JSON text. */
const VALUES = [
  "1e308",
  "-1",
  "0",
  "1.5",
  "2e-400",
  "9007199254740993",
  '"x"',
  '""',
  "null",
  "true",
  "[]",
  "{}",
  '"1e9999"',
  `"${"x".repeat(100_000)}"`,
  `${"[".repeat(100_000)}${"]".repeat(100_000)}`,
];

/** The config text with key `key`'s value replaced by `value`. */
function replaceValue(text: string, key: string, value: string): Uint8Array {
  const re = new RegExp(`("${key}": )([^,\\n]*)`);
  assert.ok(re.test(text), key);
  return enc.encode(text.replace(re, (_, k) => k + value));
}

function specials(text: string): SpecialMutant[] {
  const keys = Object.keys(JSON.parse(text)).filter((k) => k !== "optimizer");
  const rand = generator(SEED + 7);
  const out: SpecialMutant[] = [];
  // every value once, each on a random key
  for (const value of VALUES) {
    const key = keys[Math.floor(rand() * keys.length)];
    out.push({
      kind: `value-${key}=${value.slice(0, 12)}`,
      make: () => replaceValue(text, key, value),
    });
  }
  const raw = (kind: string, s: string) => out.push({ kind, make: () => enc.encode(s) });
  raw("optimizer-mismatch", text.replace('"bayesbinn"', '"ste"'));
  raw("unknown-key", text.replace("{", '{"epoch": 3,'));
  raw("huge-unknown-key", text.replace("{", `{"${"epochs".repeat(200_000)}": 3,`));
  raw("control-character-key", text.replace("{", '{"ep\\u0000ochs\\n": 3,'));
  raw("proto-key", text.replace("{", '{"__proto__": {"epochs": 3},'));
  raw("constructor-key", text.replace("{", '{"constructor": 1,'));
  raw("duplicate-key-bad-last", text.replace("}", ', "epochs": -5}'));
  raw("top-level-array", `[${text}]`);
  raw("top-level-string", JSON.stringify(text));
  raw("top-level-null", "null");
  raw("nan-literal", text.replace('"epochs": 500', '"epochs": NaN'));
  raw("comment", `// a config\n${text}`);
  raw("deep-nesting", `${"[".repeat(200_000)}${"]".repeat(200_000)}`);
  raw("control-characters", text.replace('"mnist"', '"mn\u0001\u0002ist\n"'));
  out.push({ kind: "bom", make: (b) => new Uint8Array([0xef, 0xbb, 0xbf, ...b]) });
  out.push({
    kind: "utf16",
    make: () =>
      new Uint8Array(new Uint16Array([0xfeff, ...[...text].map((c) => c.charCodeAt(0))]).buffer),
  });
  out.push({ kind: "invalid-utf8", make: (b) => (b[5] = 0xff, b) });
  return out;
}

Deno.test("fuzz: config JSON files: every mutant resolves or fails with one line naming the file", async () => {
  const text = configToJson(resolveConfig("bayesbinn", undefined, {}));
  const sandbox = await Deno.makeTempDir({ prefix: "bnn-fuzz-config-" });
  try {
    const report = await fuzzFormat({
      format: "config",
      seed: SEED,
      mutants: mutants(SEED, enc.encode(text), {
        headerBytes: 64,
        special: specials(text),
        count: 240,
      }),
      sandbox: path.join(sandbox, "m"),
      file: "config.json",
      read: (file) => Promise.resolve().then(() => resolveConfig("bayesbinn", file, {})),
      checkValid: (v) => assert.equal((v as Config).optimizer, "bayesbinn"),
    });
    console.log(summary(report));
    assert.ok(report.rejected > 100 && report.valid > 0, summary(report));
  } finally {
    await Deno.remove(sandbox, { recursive: true });
  }
});

Deno.test("fuzz: config mutants through the trainer's CLI end in exit code 2 and one line", async () => {
  const home = await Deno.makeTempDir({ prefix: "bnn-fuzz-config-cli-" });
  try {
    const text = configToJson(resolveConfig("ste", undefined, {}));
    const cases: [string, string | "directory"][] = [
      ["truncated", text.slice(0, 200)],
      ["absurd batch size", new TextDecoder().decode(replaceValue(text, "batch_size", "1e308"))],
      ["deep nesting", `{"epochs": ${"[".repeat(100_000)}${"]".repeat(100_000)}}`],
      ["directory", "directory"],
    ];
    for (const [i, [what, content]] of cases.entries()) {
      const file = path.join(home, `config${i}.json`);
      if (content === "directory") await Deno.mkdir(file);
      else await Deno.writeTextFile(file, content);
      const r = await expectCliBadInput(
        "train/main.ts",
        ["ste", file, "--out", `${home}/run${i}`],
        home,
        file,
      );
      console.log(`train CLI, config ${what}: ${r.stderr.trim().slice(0, 300)}`);
    }
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
