import assert from "node:assert/strict";
import { parseArgs } from "node:util";
import { parseArgsErrorLine } from "../../cli/parse_args_error.ts";

const OPTIONS = {
  epochs: { type: "string" },
  "batch-size": { type: "string" },
  json: { type: "boolean" },
} as const;

function lineFor(args: string[]): string | null {
  try {
    parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    return parseArgsErrorLine(e, Object.keys(OPTIONS));
  }
  throw new Error(`parseArgs accepted ${args.join(" ")}`);
}

Deno.test("parseArgsErrorLine() turns each parseArgs error into one line naming the flag", () => {
  const cases: [string[], string][] = [
    [["--bogus"], "unknown flag --bogus"],
    [["--epoch", "3"], "unknown flag --epoch (did you mean --epochs?)"],
    [["--batch_sise", "3"], "unknown flag --batch_sise (did you mean --batch-size?)"],
    [["-x"], "unknown flag -x"],
    [["--epochs"], "--epochs needs a value"],
    [
      ["--epochs", "--json"],
      '--epochs needs a value but is followed by another flag (a value that starts with "-" is written --epochs=-VALUE)',
    ],
    [
      ["--batch-size", "-1"],
      '--batch-size needs a value but is followed by another flag (a value that starts with "-" is written --batch-size=-VALUE)',
    ],
    [["--json=1"], "--json takes no value"],
  ];
  for (const [args, expected] of cases) assert.equal(lineFor(args), expected, args.join(" "));
});

Deno.test("parseArgsErrorLine() returns null for other errors", () => {
  assert.equal(parseArgsErrorLine(new TypeError("x is not a function"), ["epochs"]), null);
  assert.equal(parseArgsErrorLine("a string", ["epochs"]), null);
});
