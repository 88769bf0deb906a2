import assert from "node:assert/strict";
import { runJsonChild } from "../../_fixtures/json_child.ts";

const script = new URL("./_fallback_main.ts", import.meta.url).pathname;

function runChild(env: Record<string, string>) {
  return runJsonChild(script, env);
}

Deno.test("initBackend() without OpenBLAS warns once and trains on wasm", async () => {
  const { result, lines } = await runChild({ BNN_OPENBLAS: "libopenblas-missing.so.0" });
  assert.equal(result.name, "wasm");
  assert.equal(lines.length, 1, lines.join("\n"));
  assert.match(
    lines[0],
    /^bnn: OpenBLAS \(libopenblas-missing\.so\.0\) cannot be loaded: .*BNN_OPENBLAS.*'wasm'/,
  );
  assert.ok(result.last < result.first * 0.9, `loss ${result.first} -> ${result.last}`);
});

Deno.test("initBackend() without native kernels warns once and trains on blas matmuls", async () => {
  const { result, lines } = await runChild({ BNN_NATIVE_LIB: "/nonexistent/libbnn_kernels.so" });
  assert.equal(result.name, "blas");
  assert.equal(result.native, null);
  assert.equal(lines.length, 1, lines.join("\n"));
  assert.match(
    lines[0],
    /^bnn: native kernels \(\/nonexistent\/libbnn_kernels\.so\) cannot be loaded: .*build_native\.ts/,
  );
  assert.ok(result.last < result.first * 0.9, `loss ${result.first} -> ${result.last}`);
});

Deno.test("initBackend() with everything installed is silent and uses the native kernels", async () => {
  const { result, lines } = await runChild({});
  assert.equal(result.name, "blas");
  assert.ok(result.native, "native kernels not built: run train/backend/build_native.ts");
  assert.deepEqual(lines, []);
});

Deno.test("initBackend() rejects unknown names and an explicit 'blas' without OpenBLAS", async () => {
  const { BACKEND_NAMES, initBackend } = await import("../../../train/backend/mod.ts");
  assert.deepEqual([...BACKEND_NAMES], ["blas", "wasm", "cpu", "webgpu"]);
  await assert.rejects(() => initBackend("gpu" as "cpu"), RangeError);
  await assert.rejects(
    () => initBackend("blas", { openblas: "libopenblas-missing.so.0" }),
    /Cannot init backend 'blas'/,
  );
});

Deno.test("initBackend() picks the OpenBLAS kernel set named by BNN_OPENBLAS_CORETYPE", async () => {
  const { result, lines } = await runChild({ BNN_OPENBLAS_CORETYPE: "Zen" });
  assert.equal(result.name, "blas");
  assert.equal(result.core, "Zen");
  assert.deepEqual(lines, []);
  assert.ok(result.last < result.first * 0.9, `loss ${result.first} -> ${result.last}`);
});
