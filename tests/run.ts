/**
 * The test command: format, lint and type checks (the README's code included),
 * then every test and every JSDoc example, ending with one line
 * `N passed, N failed` — `N passed, N failed, N skipped` when some tests were
 * skipped, listed by name above it (tests that need files this machine lacks,
 * such as the real datasets in `../shared/data`). Deno's own summary has another
 * form. Exits non-zero when any check or test fails.
 *
 * Usage: `deno task test [--tests-only] [extra deno test args]` (`--tests-only`
 * leaves out the format, lint and type checks).
 * @module
 */

import { ensureNativeBuilt } from "../train/backend/build_native.ts";

const root = new URL("..", import.meta.url).pathname;

async function run(label: string, args: string[]): Promise<boolean> {
  console.log(`\n== ${label}: deno ${args.join(" ")}`);
  const { code } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: root,
    stdout: "inherit",
    stderr: "inherit",
  }).spawn().status;
  if (code !== 0) console.log(`== ${label} failed (exit ${code})`);
  return code === 0;
}

/** What a JUnit report says: counts, and the names of the failed and the skipped cases. */
export interface JunitCounts {
  passed: number;
  failed: number;
  skipped: string[];
  /** The failed cases' names, so that a log's tail says which. */
  failedNames: string[];
}

/**
 * Counts the `<testcase>` elements of a JUnit report (Deno's `--junit-path`) that
 * passed and that failed, and names the failed and the skipped ones.
 *
 * @example Usage
 * ```ts
 * import { countJunit } from "./run.ts";
 * const xml = '<testcase name="a"></testcase><testcase name="b"><failure/></testcase>' +
 *   '<testcase name="c &amp; d" classname="./x_test.ts"><skipped/></testcase>';
 * const { passed, failed, skipped, failedNames } = countJunit(xml);
 * if (passed !== 1 || failed !== 1 || skipped.join() !== "c & d") throw new Error();
 * if (failedNames.join() !== "b") throw new Error();
 * ```
 */
export function countJunit(xml: string): JunitCounts {
  const counts: JunitCounts = { passed: 0, failed: 0, skipped: [], failedNames: [] };
  for (const m of xml.matchAll(/<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const body = m[3] ?? "";
    if (/<(failure|error)\b/.test(body)) {
      counts.failed++;
      counts.failedNames.push(caseName(m[1]));
    } else if (/<skipped\b/.test(body)) counts.skipped.push(caseName(m[1]));
    else counts.passed++;
  }
  return counts;
}

/** The `name` of a `<testcase>`'s attributes, XML entities decoded. */
function caseName(attributes: string): string {
  const raw = attributes.match(/\bname="([^"]*)"/)?.[1] ?? "";
  return raw.replace(
    /&(lt|gt|quot|apos|amp);/g,
    (_, e: string) => ({ lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" })[e]!,
  );
}

/**
 * The closing line: `N passed, N failed`, and `, N skipped` when some were.
 *
 * @example Usage
 * ```ts
 * import { summaryLine } from "./run.ts";
 * if (summaryLine({ passed: 3, failed: 0, skipped: ["a"] }) !== "3 passed, 0 failed, 1 skipped") {
 *   throw new Error();
 * }
 * ```
 */
export function summaryLine(c: Omit<JunitCounts, "failedNames">): string {
  const skipped = c.skipped.length > 0 ? `, ${c.skipped.length} skipped` : "";
  return `${c.passed} passed, ${c.failed} failed${skipped}`;
}

function listNames(what: string, names: string[]): void {
  if (names.length === 0) return;
  console.log(`\n${what} (${names.length}):`);
  for (const name of names) console.log(`  ${name}`);
}

if (import.meta.main) {
  const junit = `${await Deno.makeTempDir({ prefix: "bnn-junit-" })}/junit.xml`;
  const testsOnly = Deno.args.includes("--tests-only");
  const extra = Deno.args.filter((a) => a !== "--tests-only");
  const checksOk = testsOnly || (
    (await run("fmt", ["fmt", "--check"])) &&
    (await run("lint", ["lint"])) &&
    (await run("check", ["check", "."])) &&
    (await run("check README", ["check", "--doc-only", "README.md"]))
  );
  // the tests' child processes may not build them (no --allow-run): a fresh clone builds them here
  await ensureNativeBuilt();
  const testsOk = await run("test", [
    "test",
    "-A",
    `--junit-path=${junit}`,
    "--preload=tests/_preload.ts",
    "--doc",
    ...extra,
    "tests/",
    "cli/",
    "train/",
    "export/",
    "serve/",
    "sweep/",
    "mod.ts",
  ]);
  let counts: JunitCounts = { passed: 0, failed: 0, skipped: [], failedNames: [] };
  try {
    counts = countJunit(await Deno.readTextFile(junit));
  } catch {
    // no report: the test run itself failed to start
  }
  if (!checksOk) counts.failed++;
  if (!testsOk && counts.failed === 0) counts.failed++;
  if (!checksOk) console.log("\nfailed: the format, lint or type checks (see above)");
  listNames("failed", counts.failedNames);
  listNames("skipped", counts.skipped);
  console.log(summaryLine(counts));
  Deno.exit(checksOk && testsOk ? 0 : 1);
}
