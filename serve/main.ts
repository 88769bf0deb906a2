/**
 * CLI: `deno task serve RUN_DIR|MODEL.onnx [--port 8080] [--host 127.0.0.1] [--data-dir DIR]`.
 * Serves one page that runs the exported model in the browser with onnxruntime-web (nothing
 * is computed on the server), the model, and a strip of the dataset's test images
 * (see serve/server.ts for the routes, serve/page/ for the page).
 * @module
 */
import { UsageError } from "../cli/errors.ts";
import { parseOneArg, runCli } from "../cli/run_cli.ts";
import { formatBytes } from "../export/export_summary.ts";
import { loadServedModel, type PageModelInfo } from "./model_info.ts";
import { startServer } from "./server.ts";
import { testImageBundle } from "./test_images.ts";

const USAGE =
  `usage: deno task serve RUN_DIR|MODEL.onnx [--port 8080] [--host 127.0.0.1] [--data-dir DIR]

  RUN_DIR|MODEL.onnx  an exported model, or a run folder (its model.onnx; see deno task export)
  --port N            the port to listen on (default 8080; 0: any free port)
  --host ADDR         the address to listen on (default 127.0.0.1, this machine only;
                      0.0.0.0 lets other devices, e.g. a phone on the same network, open the page;
                      browsers give wasm threads only to https or localhost pages, so there the
                      model runs on one thread)
  --data-dir DIR      where the dataset is, for the page's test images (else $BNN_DATA_DIR,
                      else the bnn cache; never downloaded)

The page runs the model in the browser (onnxruntime-web, wasm): draw a digit (MNIST) or drop an
image (CIFAR), see the top classes, the latency and, for a --samples K export, how far the K
sampled networks agree; run test images; time N inferences.`;

/** `--port`: an integer 0..65535. */
function portFlag(v: string | undefined): number {
  if (v === undefined) return 8080;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) {
    throw new UsageError(
      `--port must be an integer 0..65535: current value is ${JSON.stringify(v)}`,
    );
  }
  return n;
}

/** One line describing the model, e.g. `model.onnx: BinaryConnect on mnist, 1.24 MiB`. */
function describe(info: PageModelInfo): string {
  const samples = info.sampleOutputs.length;
  return `${info.file}: ${info.architecture ?? "?"} on ${info.dataset ?? "?"}, ` +
    `${samples ? `${samples} posterior samples` : "one network"}, ${formatBytes(info.bytes)}`;
}

await runCli("serve", async () => {
  const options = {
    port: { type: "string" },
    host: { type: "string" },
    "data-dir": { type: "string" },
    help: { type: "boolean", short: "h" },
  } as const;
  const { values, positional } = parseOneArg(Deno.args, options, "RUN_DIR|MODEL.onnx");
  if (values.help || positional === undefined) {
    console.log(USAGE);
    return;
  }
  const port = portFlag(values.port);
  const hostname = values.host ?? "127.0.0.1";
  const dataDir = values["data-dir"];
  if (dataDir !== undefined && !(await Deno.stat(dataDir).catch(() => null))?.isDirectory) {
    throw new UsageError(`--data-dir ${dataDir} is not a folder`);
  }
  const model = await loadServedModel(positional);
  const info = model.info;
  const tests = info.problem === null
    ? await testImageBundle(info.dataset, { dataDir, labelMode: info.labelMode })
    : { json: null, count: 0, note: "no test images" };
  const server = await startServer({ hostname, port, model, tests });
  console.log(describe(info));
  if (info.problem) console.error(`bnn serve: warning: ${info.problem}`);
  console.log(tests.note);
  const { port: actual } = server.addr;
  const everywhere = hostname === "0.0.0.0" || hostname === "::";
  const host = everywhere ? "127.0.0.1" : hostname.includes(":") ? `[${hostname}]` : hostname;
  console.log(
    `serving on http://${host}:${actual}/` +
      (everywhere ? ` and this machine's other addresses (over plain http: one wasm thread)` : "") +
      " (Ctrl-C stops)",
  );
  await server.finished;
});
