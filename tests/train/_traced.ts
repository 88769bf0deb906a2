/**
 * Runs `train/main.ts` or `export/main.ts` exactly as they run from the command line, but records
 * when each phase happens, for tests/train/kill_test.ts to aim its kills at:
 *
 *     deno run -A tests/train/_traced.ts TRACE_FILE train|export ARGS...
 *
 * TRACE_FILE gets one line per event, `<time> <event> [file]` (time: Unix epoch in ms, the clock
 * of `performance.timeOrigin + performance.now()` in the parent too): `fit+` /
 * `fit-` (training), `eval+` / `eval-` (an evaluation), `write+ NAME` (a temp file of NAME
 * opened, see train/temp_files.ts), `write- NAME` (renamed over NAME, or linked as NAME) and `read NAME` (a
 * checkpoint read; `export` also prints `traced: read NAME` on stdout then, a mark to time a kill
 * from). It only observes: the files written are the same bits as without it.
 *
 * @module
 */
import { parseTempName } from "../../train/temp_files.ts";
import { Model } from "../../train/trainer.ts";

const [traceFile, which, ...args] = Deno.args;
if (traceFile === undefined || (which !== "train" && which !== "export")) {
  console.error("usage: _traced.ts TRACE_FILE train|export ARGS...");
  Deno.exit(2);
}
const trace = Deno.openSync(traceFile, { write: true, create: true, truncate: true });
const enc = new TextEncoder();
function log(event: string): void {
  trace.writeSync(
    enc.encode(`${(performance.timeOrigin + performance.now()).toFixed(3)} ${event}\n`),
  );
}

const open = Deno.open;
Deno.open = (p: string | URL, options?: Deno.OpenOptions) => {
  const t = parseTempName(String(p).split("/").pop()!);
  if (t !== null && options?.write) log(`write+ ${t.target}`);
  return open(p, options);
};
const rename = Deno.rename;
Deno.rename = async (from: string | URL, to: string | URL) => {
  const r = await rename(from, to);
  const t = parseTempName(String(from).split("/").pop()!);
  if (t !== null) log(`write- ${t.target}`);
  return r;
};
const link = Deno.link; // the run lock's temp file is linked as run.lock, not renamed
Deno.link = async (from: string, to: string) => {
  const r = await link(from, to);
  const t = parseTempName(String(from).split("/").pop()!);
  if (t !== null) log(`write- ${t.target}`);
  return r;
};
const readFile = Deno.readFile;
Deno.readFile = (p: string | URL, options?: Deno.ReadFileOptions) => {
  const name = String(p).split("/").pop()!;
  if (name.endsWith(".ckpt")) {
    log(`read ${name}`);
    // a mark on stdout for the parent to time its kill from (export prints nothing before)
    if (which === "export") Deno.stdout.writeSync(enc.encode(`traced: read ${name}\n`));
  }
  return readFile(p, options);
};
// fit evaluates with evaluateAsync (what the webgpu backend needs); evaluate is the sync form
const evaluateAsync = Model.prototype.evaluateAsync;
Model.prototype.evaluateAsync = async function (...a: Parameters<typeof evaluateAsync>) {
  log("eval+");
  try {
    return await evaluateAsync.apply(this, a);
  } finally {
    log("eval-");
  }
};
const fit = Model.prototype.fit;
Model.prototype.fit = async function (...a: Parameters<typeof fit>) {
  log("fit+");
  try {
    return await fit.apply(this, a);
  } finally {
    log("fit-");
  }
};

if (which === "train") {
  const { main } = await import("../../train/main.ts");
  const code = await main(args);
  log("exit");
  Deno.exit(code);
} else {
  Object.defineProperty(Deno, "args", { value: args });
  globalThis.addEventListener("unload", () => log("exit"));
  await import("../../export/main.ts");
}
