import assert from "node:assert/strict";
import { DataError } from "../../../train/data/data_error.ts";

Deno.test("DataError() names the file and the problem on one line", () => {
  const cause = new Error("inner");
  const e = new DataError("/data/x.bin", "truncated", { cause });
  assert.ok(e instanceof Error);
  assert.equal(e.name, "DataError");
  assert.equal(e.file, "/data/x.bin");
  assert.equal(e.message, "/data/x.bin: truncated");
  assert.equal(e.cause, cause);
  assert.equal(String(e), "DataError: /data/x.bin: truncated");
});
