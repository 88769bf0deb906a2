/**
 * `serve`'s HTTP server: a fixed table of routes, every body read into memory at start-up, so
 * it serves its own files and nothing else — a path that is not in the table (`/../x`,
 * `/%2e%2e/x`, `/ort/../../deno.jsonc`, …) is a 404, whatever its encoding, because no part of a
 * URL ever becomes part of a file path.
 *
 * | route                                | body                                                |
 * | ------------------------------------ | --------------------------------------------------- |
 * | `/`                                  | the page (`serve/page/index.html`)                  |
 * | `/app.js`, `/style.css`, …           | the page's other files ({@linkcode PAGE_FILES})     |
 * | `/model.onnx`                        | the model (with per-sample outputs, see model_info) |
 * | `/model.json`                        | what the page knows about it, and the test images' note |
 * | `/test_images.json`                  | the test-image bundle, when there is one            |
 * | `/ort/…`                             | onnxruntime-web's ES module, its wasm and loader ({@linkcode ORT_FILES}) |
 *
 * Every response carries `Cross-Origin-Opener-Policy: same-origin` and
 * `Cross-Origin-Embedder-Policy: require-corp` (the page is then cross-origin isolated, which
 * SharedArrayBuffer and so onnxruntime-web's wasm threads need), a content security policy
 * that allows only the server's own scripts (and wasm), and `Cache-Control: no-cache`. GET and
 * HEAD only; anything else is a 405.
 * @module
 */
import path from "node:path";
import type { ServedModel } from "./model_info.ts";
import { ServeError } from "./serve_error.ts";
import type { TestImages } from "./test_images.ts";

/**
 * The page's files in `serve/page/`, each served as `/<name>` (index.html as `/`).
 *
 * @example Usage
 * ```ts
 * import { PAGE_FILES } from "./server.ts";
 * if (PAGE_FILES[0] !== "index.html") throw new Error();
 * ```
 */
export const PAGE_FILES = [
  "index.html",
  "style.css",
  "app.js",
  "preprocess.js",
  "drawing.js",
  "results.js",
] as const;

/**
 * The onnxruntime-web files the page loads, from `node_modules/onnxruntime-web/dist/`: the ES
 * module of `onnxruntime-web/wasm` (the build its package exports under the
 * `onnxruntime-web-use-extern-wasm` condition, which does not inline the wasm loader), and the
 * threaded wasm runtime it fetches from `ort.env.wasm.wasmPaths`.
 *
 * @example Usage
 * ```ts
 * import { ORT_FILES } from "./server.ts";
 * if (!ORT_FILES.includes("ort-wasm-simd-threaded.wasm")) throw new Error();
 * ```
 */
export const ORT_FILES = [
  "ort.wasm.min.mjs",
  "ort-wasm-simd-threaded.mjs",
  "ort-wasm-simd-threaded.wasm",
] as const;

const PAGE_DIR = new URL("./page/", import.meta.url);
const ORT_DIR = new URL("../node_modules/onnxruntime-web/dist/", import.meta.url);

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".onnx": "application/octet-stream",
};

/**
 * The headers of every response (see the module doc).
 *
 * @example Usage
 * ```ts
 * import { SECURITY_HEADERS } from "./server.ts";
 * if (SECURITY_HEADERS["Cross-Origin-Opener-Policy"] !== "same-origin") throw new Error();
 * ```
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Content-Security-Policy": "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; " +
    "worker-src 'self' blob:; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; " +
    "form-action 'none'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-cache",
};

/** A route's body and content type. */
interface Route {
  body: Uint8Array;
  type: string;
}

async function readFileRoute(url: URL, what: string): Promise<Route> {
  const file = url.pathname;
  try {
    return { body: await Deno.readFile(url), type: TYPES[path.extname(file)] ?? "text/plain" };
  } catch (e) {
    throw new ServeError(`cannot read ${what} ${file}: ${(e as Error).message.split("\n")[0]}`);
  }
}

/**
 * The route table for a model and its test images (every file read now).
 *
 * @param model The model to serve.
 * @param tests The test-image bundle (or none).
 * @returns Path → body and content type.
 * @throws {ServeError} If a page file or an onnxruntime-web file cannot be read (for the
 *   latter: `deno install` has not filled node_modules).
 * @example Usage
 * ```ts
 * import { writeOnnxExport } from "../export/export.ts";
 * import { loadServedModel } from "./model_info.ts";
 * import { buildRoutes } from "./server.ts";
 * const dir = await Deno.makeTempDir();
 * await writeOnnxExport({
 *   spec: { architecture: "tiny", inputShape: [1, 2, 1], numClasses: 2,
 *     layers: [{ type: "flatten" }, { type: "dense", inputs: 2, units: 2 }] },
 *   weightSets: [[new Float32Array([1, -1, -1, 1])]], batchNorms: [],
 * }, `${dir}/model.onnx`, { dataset: "mnist", normalization: { mean: [0.5], std: [0.5] } });
 * const routes = await buildRoutes(await loadServedModel(dir), { json: null, count: 0, note: "" });
 * if (!routes.has("/model.onnx") || routes.has("/test_images.json")) throw new Error();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function buildRoutes(
  model: ServedModel,
  tests: TestImages,
): Promise<Map<string, Route>> {
  const routes = new Map<string, Route>();
  for (const name of PAGE_FILES) {
    routes.set(
      name === "index.html" ? "/" : `/${name}`,
      await readFileRoute(new URL(name, PAGE_DIR), "the page's file"),
    );
  }
  for (const name of ORT_FILES) {
    routes.set(
      `/ort/${name}`,
      await readFileRoute(new URL(name, ORT_DIR), "onnxruntime-web's file (run deno install)"),
    );
  }
  const json = (value: unknown): Route => ({
    body: new TextEncoder().encode(JSON.stringify(value)),
    type: TYPES[".json"],
  });
  routes.set("/model.onnx", { body: model.bytes, type: TYPES[".onnx"] });
  routes.set(
    "/model.json",
    json({ ...model.info, testImages: { count: tests.count, note: tests.note } }),
  );
  if (tests.json !== null) {
    routes.set("/test_images.json", {
      body: new TextEncoder().encode(tests.json),
      type: TYPES[".json"],
    });
  }
  return routes;
}

/**
 * The request handler over a route table: exact path matches only (see the module doc).
 *
 * @param routes Path → body and type.
 * @returns A `Deno.serve` handler.
 * @example Usage
 * ```ts
 * import { handlerFor } from "./server.ts";
 * const handle = handlerFor(new Map([["/", { body: new Uint8Array([104]), type: "text/plain" }]]));
 * const ok = await handle(new Request("http://127.0.0.1/"));
 * const traversal = await handle(new Request("http://127.0.0.1/%2e%2e/deno.jsonc"));
 * if (ok.status !== 200 || traversal.status !== 404) throw new Error();
 * if (ok.headers.get("Cross-Origin-Embedder-Policy") !== "require-corp") throw new Error();
 * ```
 */
export function handlerFor(routes: Map<string, Route>): (req: Request) => Promise<Response> {
  return (req) => {
    const headers = new Headers(SECURITY_HEADERS);
    if (req.method !== "GET" && req.method !== "HEAD") {
      headers.set("Allow", "GET, HEAD");
      return Promise.resolve(new Response("method not allowed\n", { status: 405, headers }));
    }
    const route = routes.get(new URL(req.url).pathname);
    if (!route) {
      headers.set("Content-Type", "text/plain; charset=utf-8");
      return Promise.resolve(new Response("not found\n", { status: 404, headers }));
    }
    headers.set("Content-Type", route.type);
    headers.set("Content-Length", String(route.body.length));
    const body = req.method === "HEAD" ? null : route.body;
    return Promise.resolve(new Response(body as BodyInit | null, { status: 200, headers }));
  };
}

/** Options of {@linkcode startServer}. */
export interface ServerOptions {
  hostname: string;
  /** 0: any free port. */
  port: number;
  model: ServedModel;
  tests: TestImages;
  /** Stops the server when aborted. */
  signal?: AbortSignal;
}

/**
 * Starts serving the page and the model.
 *
 * @param opts Where to listen, what to serve.
 * @returns The running server (its `addr` has the port).
 * @throws {ServeError} If the port is in use or the address cannot be listened on, or a file
 *   cannot be read.
 * @example Usage
 * ```ts ignore
 * import { loadServedModel } from "./model_info.ts";
 * import { startServer } from "./server.ts";
 * import { testImageBundle } from "./test_images.ts";
 * const model = await loadServedModel("runs/x");
 * const tests = await testImageBundle(model.info.dataset);
 * const server = await startServer({ hostname: "127.0.0.1", port: 8080, model, tests });
 * await server.finished;
 * ```
 */
export async function startServer(opts: ServerOptions): Promise<Deno.HttpServer<Deno.NetAddr>> {
  const handler = handlerFor(await buildRoutes(opts.model, opts.tests));
  const where = `${opts.hostname}:${opts.port}`;
  try {
    return Deno.serve({
      hostname: opts.hostname,
      port: opts.port,
      signal: opts.signal,
      onListen: () => {},
    }, handler);
  } catch (e) {
    if (e instanceof Deno.errors.AddrInUse) {
      throw new ServeError(
        `port ${opts.port} on ${opts.hostname} is in use (another server?): stop it or pick another --port`,
      );
    }
    throw new ServeError(`cannot listen on ${where}: ${(e as Error).message.split("\n")[0]}`);
  }
}
