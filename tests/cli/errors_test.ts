/**
 * The one exit-code policy (cli/errors.ts): bnn's input errors are `UserError`s with their own
 * names, and `exitCodeFor` gives 2 for them (and for the built-in kinds treated as bad input),
 * 1 for anything else. (tests/run.ts runs the JSDoc examples of train/ and export/ only, so the
 * examples of cli/errors.ts are repeated here.)
 * @module
 */
import assert from "node:assert/strict";
import { exitCodeFor, UserError } from "../../cli/errors.ts";
import { cliErrorLine } from "../../export/cli_error.ts";
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

Deno.test("cliErrorLine() follows exitCodeFor(): a line for bad input, null for a bug", () => {
  assert.equal(cliErrorLine("eval", new DataError("x.bin", "bad\nsecond")), "bnn eval: x.bin: bad");
  assert.equal(cliErrorLine("export", new CheckpointError("c")), "bnn export: c");
  assert.equal(cliErrorLine("export", new Error("bug")), null);
});
