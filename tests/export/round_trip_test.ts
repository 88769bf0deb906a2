/**
 * Train → export → eval on MNIST (the real files when the machine has them, else the stand-in
 * of tests/_fixtures/synthetic_mnist.ts): a short training run's reported test and validation
 * accuracy must be reproduced exactly by the ONNX export under ONNX Runtime.
 */
import assert from "node:assert/strict";
import { mnistDataDir } from "../_fixtures/synthetic_mnist.ts";

const DATA = await mnistDataDir();

async function deno(args: string[]): Promise<string> {
  const r = await new Deno.Command(Deno.execPath(), { args, stdout: "piped", stderr: "piped" })
    .output();
  const out = new TextDecoder().decode(r.stdout);
  if (!r.success) {
    throw new Error(
      `deno ${args.join(" ")} failed (${r.code}): ${new TextDecoder().decode(r.stderr)}\n${out}`,
    );
  }
  return out;
}

const RUN = [
  "run",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-ffi",
  "--allow-net",
  "--allow-run",
  "--allow-sys",
];

const CASES = [
  {
    optimizer: "bayesbinn",
    arch: "MLP_CL",
    limitTrain: 2000,
    limitTest: 500,
    extra: ["--evaluate-steps", "0"],
  },
  { optimizer: "ste", arch: "LRNetSmall", limitTrain: 3000, limitTest: 300, extra: [] },
] as const;

for (const c of CASES) {
  Deno.test(`export + eval reproduce the trainer's accuracy for a short ${c.optimizer} ${c.arch} MNIST run`, async () => {
    const dir = await Deno.makeTempDir({ prefix: "bnn_roundtrip_" });
    try {
      const run = `${dir}/run`;
      await deno([
        ...RUN,
        "train/main.ts",
        c.optimizer,
        "--model-architecture",
        c.arch,
        "--epochs",
        "1",
        "--limit-train",
        String(c.limitTrain),
        "--limit-test",
        String(c.limitTest),
        "--data-dir",
        DATA,
        "--out",
        run,
        ...c.extra,
      ]);
      const summary = JSON.parse(await Deno.readTextFile(`${run}/summary.json`));
      await deno([...RUN, "export/main.ts", run]);
      const evalArgs = [
        ...RUN,
        "export/eval_main.ts",
        `${run}/model.onnx`,
        "--data-dir",
        DATA,
        "--json",
      ];
      const test = JSON.parse(await deno([...evalArgs, "--limit", String(c.limitTest)]));
      assert.equal(test.count, c.limitTest);
      assert.equal(test.accuracy, summary.final_test_acc, "test accuracy: ONNX vs tfjs");
      assert.equal(test.tfjs_test_accuracy, summary.final_test_acc);
      assert.ok(test.accuracy > 0.3, `the run learned something: ${test.accuracy}`);
      for (const key of ["nll", "ece", "brier", "images_per_s"]) {
        assert.equal(typeof test[key], "number", key);
      }
      assert.equal(test.confusion.flat().reduce((a: number, b: number) => a + b, 0), c.limitTest);
      assert.ok((await Deno.stat(test.reliability_svg)).isFile);
      const val = JSON.parse(await deno([...evalArgs, "--split", "val"]));
      assert.equal(val.count, summary.val_examples);
      assert.equal(val.accuracy, summary.best_val_acc, "validation accuracy: ONNX vs tfjs");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
