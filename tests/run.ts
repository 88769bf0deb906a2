/**
 * The test command: format, lint and type checks (the README's code included),
 * then every test and every JSDoc example, ending with one line
 * `N passed, N failed` (Deno's own summary has another form). Exits non-zero
 * when any check or test fails.
 *
 * Usage: `deno task test [extra deno test args]`
 * @module
 */

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

/**
 * Counts the `<testcase>` elements of a JUnit report (Deno's `--junit-path`) that
 * passed and that failed; skipped cases count as neither.
 *
 * @example Usage
 * ```ts
 * import { countJunit } from "./run.ts";
 * const xml = '<testcase name="a"></testcase><testcase name="b"><failure/></testcase>';
 * const { passed, failed } = countJunit(xml);
 * if (passed !== 1 || failed !== 1) throw new Error("miscounted");
 * ```
 */
export function countJunit(xml: string): { passed: number; failed: number } {
  let passed = 0;
  let failed = 0;
  for (const m of xml.matchAll(/<testcase\b[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const body = m[2] ?? "";
    if (/<(failure|error)\b/.test(body)) failed++;
    else if (!/<skipped\b/.test(body)) passed++;
  }
  return { passed, failed };
}

if (import.meta.main) {
  const junit = `${await Deno.makeTempDir({ prefix: "bnn-junit-" })}/junit.xml`;
  const checksOk = (await run("fmt", ["fmt", "--check"])) &&
    (await run("lint", ["lint"])) &&
    (await run("check", ["check", "."])) &&
    (await run("check README", ["check", "--doc-only", "README.md"]));
  const testsOk = await run("test", [
    "test",
    "-A",
    `--junit-path=${junit}`,
    "--doc",
    ...Deno.args,
    "tests/",
    "train/",
    "export/",
    "mod.ts",
  ]);
  let counts = { passed: 0, failed: 0 };
  try {
    counts = countJunit(await Deno.readTextFile(junit));
  } catch {
    // no report: the test run itself failed to start
  }
  if (!checksOk) counts.failed++;
  if (!testsOk && counts.failed === 0) counts.failed++;
  console.log(`${counts.passed} passed, ${counts.failed} failed`);
  Deno.exit(checksOk && testsOk ? 0 : 1);
}
