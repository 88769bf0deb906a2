/**
 * Runs a child script (with read, FFI and env access only) whose last stdout line is JSON: for
 * tests of what a fresh process does at start-up (backend choice, library loading).
 * @module
 */
import assert from "node:assert/strict";

/**
 * Runs `script` with `env`; asserts it succeeded and returns its last stdout line parsed as JSON
 * and its stderr lines.
 *
 * @example Usage
 * ```ts
 * import { runJsonChild } from "./json_child.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/c.ts`, 'console.log(JSON.stringify({ ok: 1 }));');
 * const { result, lines } = await runJsonChild(`${dir}/c.ts`, {});
 * await Deno.remove(dir, { recursive: true });
 * if (result.ok !== 1 || lines.length !== 0) throw new Error();
 * ```
 */
export async function runJsonChild(
  script: string,
  env: Record<string, string>,
  // deno-lint-ignore no-explicit-any
): Promise<{ result: any; lines: string[] }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-ffi", "--allow-env", script],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr).trim();
  assert.ok(out.success, stderr);
  const result = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").pop()!);
  return { result, lines: stderr === "" ? [] : stderr.split("\n") };
}
