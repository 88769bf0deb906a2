import assert from "node:assert/strict";
import { classificationMetrics } from "../../export/metrics.ts";
import { reliabilitySvg } from "../../export/reliability.ts";

Deno.test("reliabilitySvg() draws one accuracy bar per non-empty bin at its height", () => {
  const m = classificationMetrics({
    probabilities: [0.7, 0.3, 0.9, 0.1, 0.6, 0.4],
    labels: [0, 1, 0],
    numClasses: 2,
  });
  const svg = reliabilitySvg(m.bins, {
    title: "t <&>",
    accuracy: m.accuracy,
    ece: m.ece,
    count: m.count,
  });
  assert.ok(svg.startsWith("<svg") && svg.trim().endsWith("</svg>"));
  assert.ok(svg.includes("t &lt;&amp;&gt;"), "title is escaped");
  const bars = [
    ...svg.matchAll(
      /<title>bin (\d+): accuracy ([\d.]+), confidence ([\d.]+), n = (\d+)<\/title>/g,
    ),
  ];
  // confidences 0.7 (bin 10, right), 0.9 (bin 13, wrong: label 1), 0.6 (bin 8, right)
  assert.deepEqual(bars.map((b) => [Number(b[1]), Number(b[2]), Number(b[4])]), [[8, 1, 1], [
    10,
    1,
    1,
  ], [13, 0, 1]]);
  assert.ok(svg.includes(`ECE ${(m.ece * 100).toFixed(2)} %`));
});

const HAS_RSVG = await new Deno.Command("rsvg-convert", { args: ["--version"], stdout: "null" })
  .output().then((r) => r.success, () => false);

Deno.test({
  name: "reliabilitySvg() renders with rsvg-convert" +
    (HAS_RSVG ? "" : " [needs rsvg-convert: apt-get install librsvg2-bin]"),
  ignore: !HAS_RSVG,
}, async () => {
  const m = classificationMetrics({
    probabilities: [0.7, 0.3, 0.2, 0.8],
    labels: [0, 0],
    numClasses: 2,
  });
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/r.svg`,
      reliabilitySvg(m.bins, { title: "x", accuracy: 0.5, ece: m.ece, count: 2 }),
    );
    const r = await new Deno.Command("rsvg-convert", {
      args: [`${dir}/r.svg`, "-o", `${dir}/r.png`],
      stderr: "piped",
    }).output();
    assert.ok(r.success, new TextDecoder().decode(r.stderr));
    const png = await Deno.readFile(`${dir}/r.png`);
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
