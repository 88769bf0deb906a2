/**
 * `deno run -A serve/bench_page.ts MODEL.onnx [ROUNDS]`: the page's images/s in headless
 * Chromium (Debian's `/usr/bin/chromium`, via puppeteer-core) against onnxruntime-node's on the
 * same model, same protocol, same machine, same run — the numbers in the README.
 *
 * Each round runs the page's benchmark button (100 random images at batch 1, then 3 batches of
 * 100, after 3 untimed runs of each; onnxruntime-web's wasm backend with its thread count set
 * to the page's) and then `benchEval` (export/eval.ts) with the same counts, the same thread
 * count and random inputs. Rounds alternate so that both see the same load on a shared machine;
 * the medians of each and of the per-round ratios are printed.
 * @module
 */
import puppeteer, { type Page } from "puppeteer-core";
import { UsageError } from "../cli/errors.ts";
import { runCli } from "../cli/run_cli.ts";
import { benchEval } from "../export/eval.ts";
import { loadServedModel } from "./model_info.ts";
import { startServer } from "./server.ts";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Images/s at batch 1 and at batch 100. */
type Bench = { batch1: number; batch100: number };

/** One round: the page's benchmark button, then onnxruntime-node with the same counts. */
async function round(page: Page, model: string, threads: number) {
  await page.evaluate("window.bnn.bench = null");
  await page.click("#bench");
  await page.waitForFunction("window.bnn.bench !== null", { timeout: 600_000 });
  const web = await page.evaluate("window.bnn.bench") as Bench;
  const node: Bench = {
    batch1: await benchEval(model, { batchSize: 1, batches: 100, warmup: 3, threads }),
    batch100: await benchEval(model, { batchSize: 100, batches: 3, warmup: 3, threads }),
  };
  return { web, node };
}

/** The medians of each side and of the per-round ratios, a line per batch size. */
function summary(rows: { web: Bench; node: Bench }[], threads: number): string[] {
  return (["batch1", "batch100"] as const).map((b) => {
    const web = median(rows.map((x) => x.web[b]));
    const node = median(rows.map((x) => x.node[b]));
    const ratio = median(rows.map((x) => x.web[b] / x.node[b]));
    return `${b}: Chromium ${web.toFixed(0)} images/s, onnxruntime-node ${node.toFixed(0)} ` +
      `images/s, ratio ${ratio.toFixed(2)} (median of ${rows.length} rounds, ${threads} threads)`;
  });
}

await runCli("serve bench", async () => {
  const [model, roundsArg = "5"] = Deno.args;
  if (!model || !/^[1-9]\d*$/.test(roundsArg)) {
    throw new UsageError("usage: deno run -A serve/bench_page.ts MODEL.onnx [ROUNDS ≥ 1]");
  }
  const served = await loadServedModel(model);
  const tests = { json: null, count: 0, note: "" };
  const server = await startServer({ hostname: "127.0.0.1", port: 0, model: served, tests });
  const browser = await puppeteer.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox"],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.addr.port}/`);
    await page.waitForFunction("window.bnn?.ready === true", { timeout: 300_000 });
    const runtime = await page.$eval("#runtime", (e) => e.textContent ?? "");
    const threads = Number(/(\d+) thread/.exec(runtime)![1]);
    const rows = [];
    for (let r = 0; r < Number(roundsArg); r++) {
      const { web, node } = await round(page, model, threads);
      rows.push({ web, node });
      console.log(
        `round ${r + 1}: batch 1 ${web.batch1.toFixed(0)} vs ${node.batch1.toFixed(0)} images/s, ` +
          `batch 100 ${web.batch100.toFixed(0)} vs ${node.batch100.toFixed(0)} (Chromium vs node)`,
      );
    }
    for (const line of summary(rows, threads)) console.log(line);
  } finally {
    await browser.close();
    await server.shutdown();
  }
});
