/**
 * `serve` as a process: it serves its own files with the cross-origin isolation headers and
 * nothing else (path traversal in any encoding is a 404, sent as raw request targets over TCP so
 * no client normalizes them first), and bad input — a port in use, a bad flag, a missing model,
 * a file that is not ONNX — ends it with one line and exit code 2.
 * @module
 */
import assert from "node:assert/strict";
import path from "node:path";
import { ROOT, serveFixture } from "./_model.ts";
import { startServe } from "./_serve.ts";

/** Sends `METHOD TARGET` as raw HTTP/1.1 and returns the status code and the body. */
async function rawRequest(port: number, target: string, method = "GET") {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(
    new TextEncoder().encode(
      `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
    ),
  );
  let text = "";
  const decoder = new TextDecoder();
  const buf = new Uint8Array(65536);
  for (let n; (n = await conn.read(buf)) !== null;) {
    text += decoder.decode(buf.subarray(0, n), { stream: true });
  }
  conn.close();
  return { status: Number(text.split(" ")[1]), text };
}

/** Runs `serve` to its end and returns its exit code and output. */
async function serveExit(args: string[]) {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}/serve/main.ts`, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: r.code,
    stdout: new TextDecoder().decode(r.stdout),
    stderr: new TextDecoder().decode(r.stderr),
  };
}

const TRAVERSALS = [
  "/../deno.jsonc",
  "/../../../../etc/passwd",
  "/%2e%2e/deno.jsonc",
  "/%2E%2E/%2E%2E/deno.jsonc",
  "/..%2fdeno.jsonc",
  "/%2e%2e%2fdeno.jsonc",
  "/%252e%252e/deno.jsonc",
  "/.%2e/deno.jsonc",
  "/..%5cdeno.jsonc",
  "/ort/../../deno.jsonc",
  "/ort/%2e%2e/%2e%2e/deno.jsonc",
  "/ort/..%2f..%2fpackage.json",
  "/ort/ort.wasm.min.mjs/../../serve/main.ts",
  "/ort/../app.js/../../serve/main.ts",
  "//etc/passwd",
  "/serve/main.ts",
  "/page/app.js",
  "/node_modules/onnxruntime-web/package.json",
  "/ort/package.json",
  "/ort/ort.wasm.min.js",
  "/model.onnx.json",
  "/index.html",
  "/app.js%00.html",
] as const;

Deno.test("serve serves its own files with COOP/COEP, and answers 404 to every path outside them", async () => {
  const fx = await serveFixture();
  const server = await startServe([fx.runDir, "--data-dir", fx.dataDir], path.dirname(fx.runDir));
  try {
    for (const target of ["/", "/app.js", "/model.json", "/test_images.json"]) {
      const r = await fetch(`${server.url}${target.slice(1)}`);
      await r.body?.cancel();
      assert.equal(r.status, 200, target);
      assert.equal(r.headers.get("cross-origin-opener-policy"), "same-origin", target);
      assert.equal(r.headers.get("cross-origin-embedder-policy"), "require-corp", target);
    }
    const wasm = await fetch(`${server.url}ort/ort-wasm-simd-threaded.wasm`);
    const bytes = new Uint8Array(await wasm.arrayBuffer());
    const installed = await Deno.readFile(
      `${ROOT}/node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm`,
    );
    assert.equal(wasm.headers.get("content-type"), "application/wasm");
    assert.deepEqual(bytes, installed);
    const model = new Uint8Array(await (await fetch(`${server.url}model.onnx`)).arrayBuffer());
    const file = await Deno.readFile(path.join(fx.runDir, "model.onnx"));
    assert.deepEqual(model, file, "a mode export is served as it is");

    const secret = await Deno.readTextFile(`${ROOT}/deno.jsonc`);
    for (const target of TRAVERSALS) {
      const r = await rawRequest(server.port, target);
      assert.equal(r.status, 404, `${target}: ${r.text.slice(0, 200)}`);
      assert.ok(!r.text.includes(secret.slice(0, 40)), target);
    }
    assert.equal((await rawRequest(server.port, "/", "POST")).status, 405);
    assert.equal((await rawRequest(server.port, "/model.onnx", "DELETE")).status, 405);
    const head = await rawRequest(server.port, "/", "HEAD");
    assert.equal(head.status, 200);
  } finally {
    await server.close();
  }
});

Deno.test("serve on a port in use: one line, exit 2", async () => {
  const fx = await serveFixture();
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const r = await serveExit([fx.runDir, "--port", String(port)]);
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    `bnn serve: port ${port} on 127.0.0.1 is in use (another server?): stop it or pick another --port\n`,
  );
});

Deno.test("serve's bad input: one line, exit 2", async () => {
  const fx = await serveFixture();
  const dir = await Deno.makeTempDir({ prefix: "bnn-serve-bad-" });
  try {
    await Deno.writeTextFile(`${dir}/text.onnx`, "this is not a model\n");
    await Deno.mkdir(`${dir}/empty`);
    const cases: [string[], string][] = [
      [
        [fx.runDir, "--port", "http"],
        '--port must be an integer 0..65535: current value is "http"',
      ],
      [
        [fx.runDir, "--port", "70000"],
        '--port must be an integer 0..65535: current value is "70000"',
      ],
      [[fx.runDir, "--prot", "80"], "unknown flag --prot (did you mean --port?) (see --help)"],
      [[], "expected one RUN_DIR|MODEL.onnx argument: got 0; see --help"],
      [[`${dir}/none`], `${dir}/none does not exist (expected a run folder or an .onnx file)`],
      [
        [`${dir}/empty`],
        `run folder ${dir}/empty has no model.onnx (export it first: deno task export ${dir}/empty)`,
      ],
      [
        [`${dir}/text.onnx`],
        `${dir}/text.onnx is not an ONNX model (Cannot read protobuf as wire type 4 is not supported)`,
      ],
      [[fx.runDir, "--data-dir", `${dir}/none`], `--data-dir ${dir}/none is not a folder`],
    ];
    for (const [args, line] of cases) {
      const r = await serveExit(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.equal(r.stderr, `bnn serve: ${line}\n`, args.join(" "));
    }
    const help = await serveExit(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^usage: deno task serve RUN_DIR\|MODEL.onnx/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("serve's test images: made from the dataset once, then read from the cache (made again if damaged)", async () => {
  const fx = await serveFixture();
  const cache = await Deno.makeTempDir({ prefix: "bnn-serve-cache-" });
  try {
    const first = await startServe([fx.runDir, "--data-dir", fx.dataDir], cache);
    const bundle = await (await fetch(`${first.url}test_images.json`)).text();
    await first.close();
    assert.match(
      first.stdout[1],
      /^40 mnist test images \(cached in .*\/bnn\/serve\/mnist-fine-test-first40-[0-9a-f]{16}\.json\)$/,
    );
    const second = await startServe([fx.runDir, "--data-dir", fx.dataDir], cache);
    assert.equal(await (await fetch(`${second.url}test_images.json`)).text(), bundle);
    await second.close();
    assert.match(second.stdout[1], /^40 mnist test images \(\/.*\.json\)$/);
    // a damaged cache file is made again
    const file = second.stdout[1].slice(second.stdout[1].indexOf("(") + 1, -1);
    await Deno.writeTextFile(file, bundle.slice(0, 1000));
    const third = await startServe([fx.runDir, "--data-dir", fx.dataDir], cache);
    assert.equal(await (await fetch(`${third.url}test_images.json`)).text(), bundle);
    await third.close();
    assert.equal(third.stdout[1], `40 mnist test images (cached in ${file})`);
    const none = await startServe([fx.runDir, "--data-dir", cache], cache);
    const info = await (await fetch(`${none.url}model.json`)).json();
    assert.equal((await fetch(`${none.url}test_images.json`)).status, 404);
    await none.close();
    assert.equal(info.testImages.count, 0);
    assert.match(info.testImages.note, /^no test images: .* \(give --data-dir DIR\)$/);
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
});
