/**
 * The one exit-code policy (cli/errors.ts): bnn's input errors are `UserError`s with their own
 * names, and `exitCodeFor` gives 2 for them (and for the built-in kinds treated as bad input),
 * 1 for anything else. (tests/run.ts runs the JSDoc examples of train/ and export/ only, so the
 * examples of cli/errors.ts are repeated here.)
 * @module
 */
import assert from "node:assert/strict";
import { exitCodeFor, reportError, UserError } from "../../cli/errors.ts";
import { ExportError } from "../../export/export_error.ts";
import { CheckpointError } from "../../train/checkpoint.ts";
import { ConfigError } from "../../train/config/mod.ts";
import { DataError } from "../../train/data/data_error.ts";
import { UsageError } from "../../train/main.ts";
import { WandbError } from "../../train/wandb.ts";

Deno.test("exitCodeFor(): 2 for every bad-input error, with its name and message kept", () => {
  const errors: [Error, string, string][] = [
    [new DataError("/d/x.bin", "truncated"), "DataError", "/d/x.bin: truncated"],
    [new CheckpointError("checkpoint c is corrupt"), "CheckpointError", "checkpoint c is corrupt"],
    [new ConfigError("c.json", "epochs", 0, "c.json: bad"), "ConfigError", "c.json: bad"],
    [new ExportError("m.onnx: bad"), "ExportError", "m.onnx: bad"],
    [new UsageError("--out must not be empty"), "UsageError", "--out must not be empty"],
    [new WandbError("no API key"), "WandbError", "no API key"],
    [new UserError("bad input"), "UserError", "bad input"],
  ];
  for (const [e, name, message] of errors) {
    assert.ok(e instanceof UserError, name);
    assert.equal(e.name, name);
    assert.equal(e.message, message);
    assert.equal(exitCodeFor(e), 2, name);
  }
});

Deno.test("exitCodeFor(): 2 for RangeError, TypeError and NotFound; 1 for anything else", () => {
  assert.equal(exitCodeFor(new RangeError("--limit must be ≥ 0")), 2);
  assert.equal(exitCodeFor(new TypeError("x")), 2);
  assert.equal(exitCodeFor(new Deno.errors.NotFound("no such file")), 2);
  assert.equal(exitCodeFor(new Error("bug")), 1);
  assert.equal(exitCodeFor(new Deno.errors.PermissionDenied("no")), 1);
  assert.equal(exitCodeFor("a string"), 1);
  assert.equal(exitCodeFor(undefined), 1);
});

Deno.test("reportError() prints one line with the CLI's prefix and returns exitCodeFor()", () => {
  const report = (prefix: string, e: unknown) => {
    const lines: string[] = [];
    return { code: reportError(prefix, e, (l) => lines.push(l)), lines };
  };
  assert.deepEqual(report("bnn eval", new DataError("x.bin", "bad\nsecond")), {
    code: 2,
    lines: ["bnn eval: x.bin: bad"],
  });
  assert.deepEqual(report("bnn export", new CheckpointError("c")), {
    code: 2,
    lines: ["bnn export: c"],
  });
  assert.deepEqual(report("error", new Error("bug")), { code: 1, lines: ["error: bug"] });
});
