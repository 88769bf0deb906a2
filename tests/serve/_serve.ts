/**
 * Helpers of the serve tests: `serve` started as a subprocess on a free loopback port, and
 * headless Chromium (Debian's `/usr/bin/chromium`, driven by puppeteer-core), whose tests are
 * skipped visibly — reported as ignored, with what they need in their names — when it is not
 * installed.
 * @module
 */
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { ROOT } from "./_model.ts";

/** Debian's Chromium, as scripts/setup.sh installs it. */
export const CHROMIUM = "/usr/bin/chromium";

function chromiumInstalled(): boolean {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
}

/**
 * Declares a test that drives headless Chromium; skipped by name when it is not installed.
 * Puppeteer keeps a websocket and timers of its own, so the op and resource sanitizers are off.
 */
export function browserTest(name: string, fn: (browser: Browser) => Promise<void>): void {
  const installed = chromiumInstalled();
  Deno.test({
    name: installed ? name : `${name} [needs ${CHROMIUM}]`,
    ignore: !installed,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const browser = await puppeteer.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ["--no-sandbox"],
      });
      try {
        await fn(browser);
      } finally {
        await browser.close();
      }
    },
  });
}

/** A running `serve`. */
export interface Served {
  /** `http://127.0.0.1:PORT/`. */
  url: string;
  port: number;
  /** What it printed to stdout before serving, and stderr lines so far. */
  stdout: string[];
  stderr: string[];
  /** Stops it and waits for it to exit. */
  close(): Promise<void>;
}

/** Reads lines from a stream into `into`, resolving `until` on the first line that matches. */
async function pump(
  stream: ReadableStream<Uint8Array>,
  into: string[],
  until?: (line: string) => boolean,
  found?: (line: string) => void,
) {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    rest += chunk;
    const lines = rest.split("\n");
    rest = lines.pop()!;
    for (const line of lines) {
      into.push(line);
      if (until?.(line)) found?.(line);
    }
  }
}

/**
 * Starts `deno run -A serve/main.ts ARGS --port 0` and waits for its "serving on URL" line.
 *
 * @param args The model and flags.
 * @param cacheDir Its bnn cache (XDG_CACHE_HOME is set to it), so tests do not share one.
 */
export async function startServe(args: string[], cacheDir: string): Promise<Served> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}/serve/main.ts`, ...args, "--port", "0"],
    cwd: ROOT,
    env: { XDG_CACHE_HOME: cacheDir },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout: string[] = [], stderr: string[] = [];
  const pumps: Promise<void>[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    pumps.push(
      pump(
        child.stdout,
        stdout,
        (l) => l.startsWith("serving on "),
        (l) => resolve(l.split(" ")[2]),
      ),
    );
    pumps.push(pump(child.stderr, stderr));
    child.status.then((s) => reject(new Error(`serve exited ${s.code}: ${stderr.join("\n")}`)));
  });
  return {
    url,
    port: Number(new URL(url).port),
    stdout,
    stderr,
    close: async () => {
      child.kill("SIGTERM");
      await child.status;
      await Promise.all(pumps);
    },
  };
}

/**
 * Opens the page and waits until the model is loaded (or the page reports a problem); every
 * request the page makes is added to `requests` as `STATUS URL` (`failed URL` when it fails).
 */
export async function openPage(
  browser: Browser,
  url: string,
  requests: string[] = [],
): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewport({ width: 900, height: 1000 });
  page.on("response", (r) => requests.push(`${r.status()} ${r.url()}`));
  page.on("requestfailed", (r) => requests.push(`failed ${r.url()}`));
  await page.goto(url);
  await page.waitForFunction(
    () => {
      const bnn =
        (globalThis as unknown as { bnn?: { ready: boolean; problem: string | null } }).bnn;
      return bnn?.ready === true || typeof bnn?.problem === "string";
    },
    { timeout: 30_000 },
  );
  return page;
}

/** The page's `window.bnn.last` after its prediction number `seq`. */
export interface PagePrediction {
  source: { kind: string; index?: number; label?: number };
  pixels: number[];
  input: number[];
  probabilities: number[];
  samples: number[][];
  top: number;
  latencyMs: number;
}

/** Waits for the page's prediction number `seq` and returns it. */
export async function prediction(page: Page, seq: number): Promise<PagePrediction> {
  await page.waitForFunction(
    (n: number) => ((globalThis as unknown as { bnn: { seq: number } }).bnn.seq >= n),
    { timeout: 30_000 },
    seq,
  );
  return await page.evaluate(() =>
    (globalThis as unknown as { bnn: { last: PagePrediction } }).bnn.last
  );
}
