import assert from "node:assert/strict";
import { countJunit, summaryLine } from "./run.ts";

// The shape of Deno 2.9's --junit-path report: steps are test cases of their own.
const REPORT = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="deno test" tests="6" failures="1" errors="0" time="0.008">
    <testsuite name="./a_test.ts" tests="6" disabled="1" errors="0" failures="1">
        <testcase name="ok one" classname="./a_test.ts" time="0.000" line="1" col="6">
        </testcase>
        <testcase name="fails" classname="./a_test.ts" time="0.002" line="2" col="6">
            <failure message="Uncaught Error: x">Error: x</failure>
        </testcase>
        <testcase name="ignored" classname="./a_test.ts" time="0.000" line="3" col="6">
            <skipped/>
        </testcase>
        <testcase name="steps" classname="./a_test.ts" time="0.001" line="4" col="6">
        </testcase>
        <testcase name="steps &gt; s1" classname="./a_test.ts" time="0.000" line="4" col="43">
        </testcase>
        <testcase name="steps &gt; s2 [needs x]" classname="./a_test.ts" time="0.000" line="4" col="60">
            <skipped/>
        </testcase>
    </testsuite>
</testsuites>`;

Deno.test("countJunit() counts passed and failed cases and names the failed and skipped ones", () => {
  assert.deepEqual(countJunit(REPORT), {
    passed: 3,
    failed: 1,
    skipped: ["ignored", "steps > s2 [needs x]"],
    failedNames: ["fails"],
  });
});

Deno.test("summaryLine() adds the skipped count only when some were skipped", () => {
  assert.equal(summaryLine({ passed: 3, failed: 1, skipped: [] }), "3 passed, 1 failed");
  assert.equal(
    summaryLine({ passed: 3, failed: 0, skipped: ["a", "b"] }),
    "3 passed, 0 failed, 2 skipped",
  );
});

Deno.test("countJunit() counts self-closing cases and errors", () => {
  assert.deepEqual(
    countJunit('<testcase name="a"/><testcase name="b"><error message="x"/></testcase>'),
    { passed: 1, failed: 1, skipped: [], failedNames: ["b"] },
  );
});

Deno.test("countJunit() finds nothing in an empty report", () => {
  assert.deepEqual(countJunit("<testsuites></testsuites>"), {
    passed: 0,
    failed: 0,
    skipped: [],
    failedNames: [],
  });
});
